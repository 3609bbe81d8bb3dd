"""A large dataset for measuring pages: `manage.py seed_scale --members 10000`.

Everything is written with bulk inserts inside one transaction; the password is hashed
once and shared, and no service runs per row, so 10,000 people take seconds, not minutes.
Then the discussions go in (`discussions/management/commands/seed_discussions_scale.py`):
by default 50,000 threads with 1,000,000 posts, 10,000 ideas with 200,000 votes, 1,000
decisions, 200,000 reactions and the activity feed's rows (`--threads 0` skips them).
Every row it creates is recognisable: organisation domains, email addresses and slugs all
carry the `scale` marker, which is how a second run notices the first one (and how
`--reset` finds what to delete).
"""

import datetime
import random
import time
from collections.abc import Iterable
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import (
    MEMBER_TYPE_FOR_KIND,
    MemberType,
    Organisation,
    OrganisationDomain,
    OrganisationKind,
    User,
)
from communities.models import (
    Category,
    Community,
    Invitation,
    JoinedVia,
    JoinPolicy,
    JoinRequest,
    Membership,
    Role,
    Visibility,
)
from core.markdown import render_markdown
from discussions.management.commands.seed_discussions_scale import (
    DiscussionSeeder,
    add_size_arguments,
    purge_scale_discussions,
    resolve_sizes,
    tune_for_bulk_loading,
)
from moderation.scale import seed_moderation_scale
from purposes.models import (
    Challenge,
    CoverColour,
    Goal,
    GoalDirection,
    Measurement,
    Purpose,
    PurposeStatus,
    PurposeStatusChange,
)

SCALE_DOMAIN = "scale.example"
SCALE_PASSWORD = "commons-scale-2026"
SLUG_PREFIX = "scale-"
BATCH_SIZE = 2000

# How many organisations of each kind, and which share of people belongs to each kind.
ORGANISATIONS = {
    OrganisationKind.HOST: 1,
    OrganisationKind.CUSTOMER: 8,
    OrganisationKind.VENDOR: 5,
    OrganisationKind.PARTNER: 3,
}
PEOPLE_SHARE = [
    (OrganisationKind.HOST, 0.40),
    (OrganisationKind.CUSTOMER, 0.35),
    (OrganisationKind.VENDOR, 0.15),
    (OrganisationKind.PARTNER, 0.07),
    (None, 0.03),  # an address no organisation owns: the default member type
]
# Shares of the big communities' size in the whole population; the rest are small.
BIG_COMMUNITY_SHARES = [0.5, 0.3, 0.2]
VISIBILITY_WEIGHTS = [
    (Visibility.PUBLIC, 35),
    (Visibility.LISTED, 35),
    (Visibility.PRIVATE, 15),
    (Visibility.SECRET, 15),
]
JOIN_POLICY_WEIGHTS = [(JoinPolicy.OPEN, 50), (JoinPolicy.REQUEST, 30), (JoinPolicy.INVITATION, 20)]
AUDIENCES = [
    (MemberType.EMPLOYEE,),
    (MemberType.EMPLOYEE, MemberType.CUSTOMER),
    (MemberType.EMPLOYEE, MemberType.VENDOR),
    (MemberType.EMPLOYEE, MemberType.PARTNER),
    (MemberType.EMPLOYEE, MemberType.CUSTOMER, MemberType.VENDOR, MemberType.PARTNER),
    (MemberType.CUSTOMER,),
    (MemberType.EMPLOYEE, MemberType.CUSTOMER, MemberType.PARTNER),
]
AUDIENCE_FIELD = {
    MemberType.EMPLOYEE: "open_to_employees",
    MemberType.CUSTOMER: "open_to_customers",
    MemberType.VENDOR: "open_to_vendors",
    MemberType.PARTNER: "open_to_partners",
}
FIRST_NAMES = [
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Elif",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Malik",
    "Nora",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Xavier",
    "Yara",
    "Zoe",
]
LAST_NAMES = [
    "Adler",
    "Barros",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Laurent",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Yilmaz",
]
THEMES = [
    "Delivery emissions",
    "Customer returns",
    "Supplier onboarding",
    "Warehouse safety",
    "Packaging waste",
    "Energy use",
    "Invoice accuracy",
    "Product quality",
    "Repair times",
    "Accessibility",
    "Data quality",
    "Community health",
    "Hiring fairness",
    "Spare parts",
    "Route planning",
    "Cold chain",
    "Water use",
]
COMMUNITY_WORDS = [
    "circle",
    "guild",
    "council",
    "forum",
    "lab",
    "working group",
    "network",
    "taskforce",
    "clinic",
    "studio",
]
CATEGORY_NAMES = ["General", "Ideas", "Announcements"]


def weighted(rng: random.Random, choices: list[tuple[object, int]]) -> object:
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def bulk(model: type[models.Model], objects: Iterable[models.Model]) -> list:
    return model.objects.bulk_create(list(objects), batch_size=BATCH_SIZE)


class Command(BaseCommand):
    help = (
        "Create a large dataset for measuring (people, organisations, purposes, communities, "
        "memberships, join requests). Refuses to run twice unless --reset is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=10_000, help="people (10000)")
        parser.add_argument("--communities", type=int, default=200, help="communities (200)")
        parser.add_argument("--purposes", type=int, default=50, help="purposes (50)")
        parser.add_argument(
            "--reset", action="store_true", help="delete earlier scale data first, then seed"
        )
        parser.add_argument("--random-seed", type=int, default=2026, help="for repeatable data")
        add_size_arguments(parser)

    def handle(self, *args, **options) -> None:
        members, communities, purposes = (
            options["members"],
            options["communities"],
            options["purposes"],
        )
        if members < 10 or communities < 1 or purposes < 1:
            raise CommandError("Ask for at least 10 members, 1 community and 1 purpose.")
        sizes = resolve_sizes(options)
        started = time.monotonic()
        self.rng = random.Random(options["random_seed"])  # noqa: S311 - test data, not secrets
        self.now = timezone.now()
        # One transaction: a failure leaves the database as it was, earlier data included.
        with transaction.atomic():
            tune_for_bulk_loading()
            if scale_data_exists():
                if not options["reset"]:
                    raise CommandError(
                        f"Scale data is already here (organisations under *.{SCALE_DOMAIN}). "
                        "Run `manage.py seed_scale --reset` to delete it and seed again."
                    )
                self.step("Deleted the earlier scale data", delete_scale_data)
            self.step("Organisations and domains", self.seed_organisations)
            self.step(f"{members} people with verified addresses", self.seed_people, members)
            self.step(f"{purposes} purposes, goals, measurements", self.seed_purposes, purposes)
            self.step(
                f"{communities} communities and memberships", self.seed_communities, communities
            )
            self.step("Pending join requests and invitation links", self.seed_requests)
            self.step("Member counts checked", self.check_member_counts)
            discussions = ""
            if sizes["threads"]:
                seeder = DiscussionSeeder(stdout=self.stdout, rng=self.rng, now=self.now)
                discussions = f" Discussions: {seeder.run(sizes)}."
                moderation = seed_moderation_scale(rng=self.rng, now=self.now)
                discussions += f" Moderation: {moderation}."
        # Fresh planner statistics, as a settled database would have: without them the
        # planner guesses row counts and measurements of the new data mislead.
        self.step("Planner statistics (ANALYZE)", analyze)
        elapsed = time.monotonic() - started
        biggest = self.communities[0]
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data ready in {elapsed:.1f}s: {len(self.people)} people, "
                f"{len(self.purposes)} purposes, {len(self.communities)} communities, "
                f"{self.membership_total} memberships, {self.request_total} pending requests."
                f"{discussions}"
            )
        )
        self.stdout.write(
            f"Biggest community: /communities/{biggest.slug}/ ({biggest.member_count} members). "
            f"Everyone's password: {SCALE_PASSWORD} (admin: admin@host.{SCALE_DOMAIN})."
        )

    def step(self, label: str, function, *args) -> None:
        started = time.monotonic()
        function(*args)
        self.stdout.write(f"  {label}: {time.monotonic() - started:.2f}s")

    # -- organisations and people --------------------------------------------------------

    def seed_organisations(self) -> None:
        organisations = []
        for kind, count in ORGANISATIONS.items():
            for number in range(1, count + 1):
                label = "Host" if kind == OrganisationKind.HOST else f"{kind.label} {number}"
                organisations.append(Organisation(name=f"Scale {label}", kind=kind))
        self.organisations = bulk(Organisation, organisations)
        domains = []
        for organisation in self.organisations:
            slug = organisation.name.lower().removeprefix("scale ").replace(" ", "-")
            domains.append(
                OrganisationDomain(
                    organisation=organisation,
                    domain=f"{slug}.{SCALE_DOMAIN}",
                    is_verified=True,
                )
            )
        bulk(OrganisationDomain, domains)
        self.domains = {domain.organisation_id: domain.domain for domain in domains}

    def seed_people(self, count: int) -> None:
        rng = self.rng
        password = make_password(SCALE_PASSWORD)  # hashed once, shared by everyone
        by_kind: dict[str, list[Organisation]] = {}
        for organisation in self.organisations:
            by_kind.setdefault(organisation.kind, []).append(organisation)
        host = by_kind[OrganisationKind.HOST][0]
        people = [
            User(
                email=f"admin@{self.domains[host.pk]}",
                display_name="Scale Administrator",
                organisation=host,
                member_type=MemberType.EMPLOYEE,
                member_type_set_by_admin=True,
                is_staff=True,
                is_superuser=True,
                password=password,
                date_joined=self.now - datetime.timedelta(days=800),
            )
        ]
        kinds = [kind for kind, _ in PEOPLE_SHARE]
        shares = [share for _, share in PEOPLE_SHARE]
        for number in range(1, count):
            kind = rng.choices(kinds, shares)[0]
            if kind is None:
                organisation, domain = None, f"mail.{SCALE_DOMAIN}"
                member_type = MemberType.CUSTOMER
            else:
                organisation = rng.choice(by_kind[kind])
                domain = self.domains[organisation.pk]
                member_type = MEMBER_TYPE_FOR_KIND[kind]
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            people.append(
                User(
                    email=f"{first.lower()}.{last.lower()}.{number}@{domain}",
                    display_name=f"{first} {last}",
                    organisation=organisation,
                    member_type=member_type,
                    password=password,
                    date_joined=self.now - datetime.timedelta(minutes=rng.randint(60, 700_000)),
                )
            )
        self.people = bulk(User, people)
        bulk(
            EmailAddress,
            (
                EmailAddress(user=person, email=person.email, verified=True, primary=True)
                for person in self.people
            ),
        )
        self.admin = self.people[0]
        self.pools: dict[str, list[User]] = {member_type: [] for member_type in MemberType}
        for person in self.people[1:]:
            self.pools[person.member_type].append(person)

    # -- purposes ------------------------------------------------------------------------

    def seed_purposes(self, count: int) -> None:
        rng, now = self.rng, self.now
        employees = self.pools[MemberType.EMPLOYEE]
        statuses = [(PurposeStatus.ACTIVE, 80), (PurposeStatus.ACHIEVED, 10)]
        statuses += [(PurposeStatus.DRAFT, 5), (PurposeStatus.RETIRED, 5)]
        purposes = []
        for number in range(1, count + 1):
            theme = THEMES[(number - 1) % len(THEMES)]
            title = f"{theme} {number:03d}"
            statement = (
                f"Improve **{theme.lower()}** across the host organisation, its customers "
                f"and vendors.\n\nEvery community working on it reports what moved."
            )
            status = PurposeStatus.ACTIVE if number == 1 else weighted(rng, statuses)
            purposes.append(
                Purpose(
                    title=title,
                    slug=f"{SLUG_PREFIX}purpose-{number:03d}",
                    statement=statement,
                    statement_html=render_markdown(statement),
                    status=status,
                    status_changed_at=now - datetime.timedelta(days=rng.randint(1, 300)),
                    cover_colour=rng.choice(CoverColour.values),
                    created_at=now - datetime.timedelta(days=400),
                )
            )
        self.purposes = bulk(Purpose, purposes)
        Owners = Purpose.owners.through
        owners = []
        for purpose in self.purposes:
            for owner in rng.sample(employees, k=min(len(employees), rng.randint(1, 2))):
                owners.append(Owners(purpose_id=purpose.pk, user_id=owner.pk))
        bulk(Owners, owners)
        bulk(
            PurposeStatusChange,
            (
                PurposeStatusChange(
                    purpose=purpose,
                    from_status=PurposeStatus.DRAFT,
                    to_status=purpose.status,
                    changed_by=self.admin,
                    changed_at=purpose.status_changed_at,
                )
                for purpose in self.purposes
                if purpose.status != PurposeStatus.DRAFT
            ),
        )
        self.seed_goals()
        self.seed_challenges()

    def seed_goals(self) -> None:
        rng, today = self.rng, self.now.date()
        metrics = [
            ("Share of deliveries on time", "%", GoalDirection.INCREASE),
            ("CO₂ per delivery", "kg", GoalDirection.DECREASE),
            ("Ideas adopted", "", GoalDirection.INCREASE),
            ("Days to resolve a complaint", "days", GoalDirection.DECREASE),
        ]
        goals = []
        for purpose in self.purposes:
            for position, (metric, unit, direction) in enumerate(rng.sample(metrics, k=3)):
                baseline = Decimal(rng.randint(40, 80))
                step = Decimal(rng.randint(10, 30))
                target = baseline + step if direction == GoalDirection.INCREASE else baseline - step
                goals.append(
                    Goal(
                        purpose=purpose,
                        metric=metric,
                        unit=unit,
                        baseline=baseline,
                        target=target,
                        direction=direction,
                        due_date=today + datetime.timedelta(days=rng.randint(30, 400)),
                        position=position,
                    )
                )
        self.goals = bulk(Goal, goals)
        measurements = []
        for goal in self.goals:
            value = goal.baseline
            sign = 1 if goal.direction == GoalDirection.INCREASE else -1
            for month in range(12, 0, -1):
                value += sign * Decimal(rng.randint(-1, 3))
                measured_on = today - datetime.timedelta(days=30 * month)
                measurements.append(
                    Measurement(
                        goal=goal,
                        value=value,
                        measured_on=measured_on,
                        note="Monthly report" if month % 3 else "Quarterly review",
                        recorded_by=self.admin,
                    )
                )
            goal.current_value, goal.current_value_on = value, measured_on
        bulk(Measurement, measurements)
        Goal.objects.bulk_update(
            self.goals, ["current_value", "current_value_on"], batch_size=BATCH_SIZE
        )

    def seed_challenges(self) -> None:
        now = self.now
        challenges = []
        for purpose in self.purposes:
            for offset, state in ((-40, "closed"), (-5, "open"), (20, "upcoming")):
                opens_at = now + datetime.timedelta(days=offset)
                challenges.append(
                    Challenge(
                        purpose=purpose,
                        title=f"{purpose.title}: {state} challenge",
                        question="What one change would move our goals the most?",
                        description="Share an idea with the number it would move.",
                        description_html=render_markdown(
                            "Share an idea with the number it would move."
                        ),
                        opens_at=opens_at,
                        closes_at=opens_at + datetime.timedelta(days=30),
                        created_by=self.admin,
                    )
                )
        bulk(Challenge, challenges)

    # -- communities ---------------------------------------------------------------------

    def seed_communities(self, count: int) -> None:
        rng, now = self.rng, self.now
        everyone = self.people[1:]
        active = [p for p in self.purposes if p.status == PurposeStatus.ACTIVE] or self.purposes
        communities, sizes = [], []
        for number in range(1, count + 1):
            theme = THEMES[(number - 1) % len(THEMES)]
            word = COMMUNITY_WORDS[(number - 1) // len(THEMES) % len(COMMUNITY_WORDS)]
            if number <= len(BIG_COMMUNITY_SHARES):
                # The big ones: public and open to everyone, so their member lists are long.
                visibility, policy = Visibility.PUBLIC, JoinPolicy.OPEN
                audience = tuple(MemberType)
                size = int(len(everyone) * BIG_COMMUNITY_SHARES[number - 1])
                purpose = active[0]
            else:
                visibility = weighted(rng, VISIBILITY_WEIGHTS)
                policy = weighted(rng, JOIN_POLICY_WEIGHTS)
                audience = rng.choice(AUDIENCES)
                # Small beside the big ones, whatever the population.
                size = min(rng.randint(5, 150), max(1, len(everyone) // 10))
                purpose = rng.choice(self.purposes)
            name = f"{theme} {word} {number:03d}"
            description = f"The *{name}* community works on **{purpose.title}**."
            guidelines = "Be kind, be specific, and link every idea to a goal."
            community = Community(
                name=name,
                slug=f"{SLUG_PREFIX}community-{number:03d}",
                purpose=purpose,
                description=description,
                description_html=render_markdown(description),
                guidelines=guidelines,
                guidelines_html=render_markdown(guidelines),
                visibility=visibility,
                join_policy=policy,
                created_at=now - datetime.timedelta(days=rng.randint(200, 700)),
                **{field: kind in audience for kind, field in AUDIENCE_FIELD.items()},
            )
            communities.append(community)
            sizes.append(size)
        memberships: list[Membership] = []
        self.members_of: dict[int, set[int]] = {}
        for community, size in zip(communities, sizes, strict=True):
            pool = [p for kind in community.audience for p in self.pools[kind]]
            people = rng.sample(pool, k=min(size, len(pool)))
            community.member_count = len(people)
            community.new_memberships = self.memberships_for(community, people)
            memberships += community.new_memberships
        self.communities = bulk(Community, communities)
        for community in self.communities:
            for membership in community.new_memberships:
                membership.community = community
            self.members_of[community.pk] = {m.user_id for m in community.new_memberships}
        bulk(Membership, memberships)
        self.membership_total = len(memberships)
        bulk(
            Category,
            (
                Category(community=community, name=name, position=position)
                for community in self.communities
                for position, name in enumerate(CATEGORY_NAMES)
            ),
        )

    def memberships_for(self, community: Community, people: list[User]) -> list[Membership]:
        """Owner first, a few moderators, then members, joined in order since creation."""
        rng = self.rng
        span = (self.now - community.created_at).total_seconds()
        moments = sorted(rng.uniform(0, span) for _ in people)
        moderators = min(len(people) - 1, rng.randint(1, 3))
        via = {
            JoinPolicy.OPEN: JoinedVia.OPEN,
            JoinPolicy.REQUEST: JoinedVia.REQUEST,
            JoinPolicy.INVITATION: JoinedVia.INVITATION,
        }[community.join_policy]
        memberships = []
        for index, (person, seconds) in enumerate(zip(people, moments, strict=True)):
            if index == 0:
                role, joined_via = Role.OWNER, JoinedVia.CREATED
            elif index <= moderators:
                role, joined_via = Role.MODERATOR, via
            else:
                role, joined_via = Role.MEMBER, via
            memberships.append(
                Membership(
                    user=person,
                    role=role,
                    joined_at=community.created_at + datetime.timedelta(seconds=seconds),
                    joined_via=joined_via,
                    notification_level=community.default_notification_level,
                )
            )
        return memberships

    def seed_requests(self) -> None:
        rng, now = self.rng, self.now
        requests, invitations = [], []
        for community in self.communities:
            if community.join_policy == JoinPolicy.REQUEST:
                pool = [p for kind in community.audience for p in self.pools[kind]]
                members = self.members_of[community.pk]
                candidates = rng.sample(pool, k=min(len(pool), 12))
                waiting = [p for p in candidates if p.pk not in members][: rng.randint(1, 8)]
                requests += [
                    JoinRequest(
                        community=community,
                        user=person,
                        message="I work on this every day and would like to help.",
                        created_at=now - datetime.timedelta(hours=rng.randint(1, 400)),
                    )
                    for person in waiting
                ]
            elif community.join_policy == JoinPolicy.INVITATION:
                invitations.append(
                    Invitation(
                        community=community,
                        invited_by=self.admin,
                        expires_at=now + datetime.timedelta(days=7),
                        max_uses=25,
                    )
                )
        bulk(JoinRequest, requests)
        bulk(Invitation, invitations)
        self.request_total = len(requests)

    def check_member_counts(self) -> None:
        """Each community's counter must equal its real number of memberships."""
        wrong = (
            Community.objects.filter(pk__in=[c.pk for c in self.communities])
            .annotate(real=Count("memberships"))
            .exclude(member_count=models.F("real"))
            .count()
        )
        if wrong:
            raise CommandError(f"{wrong} communities have a member count that is off.")


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def scale_data_exists() -> bool:
    return (
        OrganisationDomain.objects.filter(domain__endswith=f".{SCALE_DOMAIN}").exists()
        or Community.objects.filter(slug__startswith=SLUG_PREFIX).exists()
        or Purpose.objects.filter(slug__startswith=SLUG_PREFIX).exists()
    )


def delete_scale_data() -> None:
    """Remove everything an earlier run created, children before parents."""
    purge_scale_discussions()  # set-based: a million posts would not fit the ORM's delete
    communities = Community.objects.filter(slug__startswith=SLUG_PREFIX)
    Membership.objects.filter(community__in=communities).delete()
    JoinRequest.objects.filter(community__in=communities).delete()
    communities.delete()
    purposes = Purpose.objects.filter(slug__startswith=SLUG_PREFIX)
    Measurement.objects.filter(goal__purpose__in=purposes).delete()
    purposes.delete()
    people = User.objects.filter(email__iendswith=f".{SCALE_DOMAIN}")
    EmailAddress.objects.filter(user__in=people).delete()
    Membership.objects.filter(user__in=people).delete()
    people.delete()
    Organisation.objects.filter(domains__domain__endswith=f".{SCALE_DOMAIN}").delete()
