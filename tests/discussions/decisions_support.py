"""Decisions for the decision, search and feed tests, opened through the service."""

import datetime

from django.utils import timezone

from accounts.models import User
from communities.models import Community
from discussions.models import Decision, DecisionOption
from discussions.services import decisions as services
from tests.communities.factories import owner_of


def open_decision(
    community: Community,
    *,
    author: User | None = None,
    mode: str = "single",
    options: tuple[str, ...] = ("Red", "Green", "Blue"),
    closes_in: datetime.timedelta = datetime.timedelta(days=3),
    title: str = "Which colour for the new bikes?",
    body: str = "We order next month.",
    **fields,
) -> Decision:
    """A decision opened by `author` (the community's owner by default)."""
    return services.open_decision(
        author=author or owner_of(community),
        community=community,
        title=title,
        body=body,
        mode=mode,
        options=options,
        closes_at=timezone.now() + closes_in,
        rate_limit=False,
        **fields,
    )


def option(decision: Decision, label: str) -> DecisionOption:
    return DecisionOption.objects.get(decision=decision, label=label)


def counts(decision: Decision) -> dict[str, int]:
    """Each option's stored vote count, and the decision's voter count under "voters"."""
    decision.refresh_from_db()
    result = dict(decision.options.values_list("label", "vote_count"))
    result["voters"] = decision.voter_count
    return result
