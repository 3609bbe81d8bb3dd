"""Demo purposes with goals, a measurement history and challenges."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from purposes import services
from purposes.models import Purpose, PurposeStatus

PURPOSES = [
    {
        "slug": "cut-delivery-co2",
        "title": "Cut delivery CO₂ by 30% by 2027",
        "statement": "Every parcel we deliver should cost the planet less. Together with our "
        "customers and carriers we cut the **CO₂ per parcel** by 30% and electrify the fleet.",
        "owner": "ana@northwind.example",
        "cover_colour": "green",
        "status": PurposeStatus.ACTIVE,
        "goals": [
            # metric, unit, baseline, target, monthly values (oldest first)
            ("CO₂ per parcel", "g", "420", "294", ["420", "412", "401", "395", "380", "371"]),
            ("Electric vans in the fleet", "%", "5", "40", ["5", "7", "9", "12", "16", "19"]),
        ],
        "challenges": [
            ("Greener last mile", "How could we deliver the last mile without fuel?", -7, 21),
            ("Packaging without plastic", "What packaging could replace plastic fill?", 10, 40),
            ("Night-time routing", "Where would off-peak deliveries save emissions?", -60, -30),
        ],
    },
    {
        "slug": "faster-returns",
        "title": "Refund customers within three days",
        "statement": "Returns are where customers decide whether to come back.",
        "owner": "ben@northwind.example",
        "cover_colour": "blue",
        "status": PurposeStatus.ACTIVE,
        "goals": [("Average refund time", "days", "9", "3", ["9", "8.5", "7", "6.2"])],
        "challenges": [],
    },
    {
        "slug": "supplier-onboarding",
        "title": "Onboard a new supplier in a week",
        "statement": "Draft: being prepared by the procurement team.",
        "owner": "ana@northwind.example",
        "cover_colour": "amber",
        "status": PurposeStatus.DRAFT,
        "goals": [],
        "challenges": [],
    },
]


def seed_purposes(people: dict[str, User]) -> dict[str, Purpose]:
    admin = people["admin@northwind.example"]
    purposes = {}
    today = timezone.localdate()
    now = timezone.now()
    for spec in PURPOSES:
        purpose = Purpose.objects.filter(slug=spec["slug"]).first()
        if purpose is None:
            purpose = services.create_purpose(
                by=admin,
                title=spec["title"],
                slug=spec["slug"],
                statement=spec["statement"],
                owners=[people[spec["owner"]]],
                cover_colour=spec["cover_colour"],
            )
            services.change_purpose_status(purpose=purpose, by=admin, status=spec["status"])
            for metric, unit, baseline, target, values in spec["goals"]:
                goal = services.add_goal(
                    purpose=purpose,
                    by=admin,
                    metric=metric,
                    unit=unit,
                    baseline=Decimal(baseline),
                    target=Decimal(target),
                    due_date=datetime.date(2027, 12, 31),
                )
                for months_ago, value in zip(range(len(values) - 1, -1, -1), values, strict=True):
                    services.record_measurement(
                        goal=goal,
                        by=admin,
                        value=Decimal(value),
                        measured_on=today - datetime.timedelta(days=30 * months_ago),
                        note="Monthly report",
                    )
            for title, question, opens_in_days, closes_in_days in spec["challenges"]:
                services.create_challenge(
                    purpose=purpose,
                    by=admin,
                    title=title,
                    question=question,
                    description="",
                    opens_at=now + datetime.timedelta(days=opens_in_days),
                    closes_at=now + datetime.timedelta(days=closes_in_days),
                )
        purposes[spec["slug"]] = purpose
    return purposes
