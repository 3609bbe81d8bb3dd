"""Demo communities of each visibility, audience and join policy, with members."""

from accounts.models import User
from communities import services
from communities.models import Community
from purposes.models import Purpose

COMMUNITIES = [
    # slug, name, purpose, visibility, join policy, audience, owner, members
    (
        "green-fleet",
        "Green Fleet",
        "cut-delivery-co2",
        "public",
        "open",
        ["employee", "vendor"],
        "ana@northwind.example",
        ["ben@northwind.example", "victor@globex.example"],
    ),
    (
        "low-carbon-customers",
        "Low-carbon deliveries with customers",
        "cut-delivery-co2",
        "listed",
        "request",
        ["employee", "customer"],
        "ana@northwind.example",
        ["carla@acme.example"],
    ),
    (
        "fleet-operations",
        "Fleet operations (staff)",
        "cut-delivery-co2",
        "private",
        "open",
        ["employee"],
        "ben@northwind.example",
        [],
    ),
    (
        "returns-council",
        "Returns council",
        "faster-returns",
        "listed",
        "invitation",
        ["employee", "customer", "partner"],
        "ben@northwind.example",
        ["priya@initech.example"],
    ),
    (
        "steering-group",
        "Sustainability steering group",
        "cut-delivery-co2",
        "secret",
        "invitation",
        ["employee"],
        "ana@northwind.example",
        [],
    ),
]


def seed_communities(people: dict[str, User], purposes: dict[str, Purpose]) -> None:
    admin = people["admin@northwind.example"]
    for slug, name, purpose, visibility, policy, audience, owner, members in COMMUNITIES:
        if Community.objects.filter(slug=slug).exists():
            continue
        community = services.create_community(
            by=admin,
            purpose=purposes[purpose],
            name=name,
            slug=slug,
            description=f"The {name} community works on *{purposes[purpose].title}*.",
            guidelines="Be kind, be specific, and link your ideas to a goal.",
            audience=audience,
            visibility=visibility,
            join_policy=policy,
            categories=["General", "Ideas", "Announcements"],
        )
        services.add_member(community=community, user=people[owner], by=admin, role="owner")
        for email in members:
            services.add_member(community=community, user=people[email], by=admin)
