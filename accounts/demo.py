"""Demo organisations and people (used by `manage.py seed_demo`)."""

from allauth.account.models import EmailAddress

from accounts import services
from accounts.models import Organisation, OrganisationDomain, OrganisationKind, User

DEMO_PASSWORD = "commons-demo-2026"

ORGANISATIONS = [
    ("Northwind Logistics", OrganisationKind.HOST, "northwind.example"),
    ("Acme Retail", OrganisationKind.CUSTOMER, "acme.example"),
    ("Globex Freight", OrganisationKind.VENDOR, "globex.example"),
    ("Initech Consulting", OrganisationKind.PARTNER, "initech.example"),
]

PEOPLE = [
    # email, display name, bio, is administrator
    ("admin@northwind.example", "Alex Admin", "Runs Commons for Northwind.", True),
    ("ana@northwind.example", "Ana Lima", "Sustainability lead at Northwind.", False),
    ("ben@northwind.example", "Ben Okafor", "Fleet operations.", False),
    ("carla@acme.example", "Carla Rossi", "Head of supply chain at Acme Retail.", False),
    ("victor@globex.example", "Victor Chen", "Account manager at Globex Freight.", False),
    ("priya@initech.example", "Priya Nair", "Logistics consultant.", False),
]


def seed_people() -> tuple[dict[str, User], int]:
    """Create the demo organisations and people; returns them by email and how many are new."""
    for name, kind, domain in ORGANISATIONS:
        organisation, _ = Organisation.objects.get_or_create(name=name, defaults={"kind": kind})
        OrganisationDomain.objects.get_or_create(
            domain=domain, defaults={"organisation": organisation, "is_verified": True}
        )
    people, created = {}, 0
    for email, display_name, bio, is_admin in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                display_name=display_name,
                bio=bio,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            created += 1
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        services.assign_member_type_from_email(user=user, email=email)
        user.refresh_from_db()
        people[email] = user
    return people, created
