"""Decisions: opening a proposal or poll, voting, closing, recording the outcome.

Every vote and every close takes the decision's row lock first, so a vote can never land
after the decision closed and one person's choices never race each other. Counters move
with F() updates only.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import MemberType, User
from communities.models import Category, Community
from core import events
from core.markdown import render_markdown
from core.text import require_single_line
from discussions import permissions
from discussions.models import (
    Activity,
    ActivityKind,
    Decision,
    DecisionMode,
    DecisionOption,
    DecisionVote,
    ThreadKind,
)
from discussions.permissions import DECISION_VOTER_FIELDS
from discussions.services.threads import record_activity, start_thread

MAX_OPTIONS = 20
MAX_OPTION_LENGTH = 200
# The longest a decision may stay open; beyond that a vote has lost its meaning.
MAX_OPEN_DAYS = 366
CLOSE_BATCH_SIZE = 500

# Stored as option labels in the author's language when the decision opens.
CONSENT_OPTIONS = (
    ("agree", gettext_lazy("Agree")),
    ("abstain", gettext_lazy("Abstain")),
    ("disagree", gettext_lazy("Disagree")),
    ("block", gettext_lazy("Block")),
)


def consent_labels() -> list[str]:
    return [str(label) for _key, label in CONSENT_OPTIONS]


def _check_options(mode: str, options: Sequence[str]) -> list[str]:
    if mode == DecisionMode.CONSENT:
        return consent_labels()
    require_single_line(options=options)
    labels: list[str] = []
    seen: set[str] = set()
    for raw in options:
        label = " ".join(raw.split())
        if not label:
            continue
        if len(label) > MAX_OPTION_LENGTH:
            raise ValidationError(
                {
                    "options": _("An option can be at most %(limit)d characters.")
                    % {"limit": MAX_OPTION_LENGTH}
                }
            )
        if label.casefold() in seen:
            raise ValidationError({"options": _("Each option must be different.")})
        seen.add(label.casefold())
        labels.append(label)
    if len(labels) < 2:
        raise ValidationError({"options": _("Give at least two options, one per line.")})
    if len(labels) > MAX_OPTIONS:
        message = _("A decision can have at most %(limit)d options.") % {"limit": MAX_OPTIONS}
        raise ValidationError({"options": message})
    return labels


def _check_closes_at(closes_at: datetime.datetime, now: datetime.datetime) -> None:
    if timezone.is_naive(closes_at):
        raise ValidationError({"closes_at": _("Give the closing time with its time zone.")})
    if closes_at <= now:
        raise ValidationError({"closes_at": _("The closing time must be in the future.")})
    if closes_at > now + datetime.timedelta(days=MAX_OPEN_DAYS):
        raise ValidationError({"closes_at": _("A decision can stay open for at most a year.")})


def _voter_flags(voter_types: Iterable[str] | None) -> dict[str, bool]:
    """Model flags for the member types that may vote; none given means every type."""
    chosen = set(voter_types or ())
    unknown = chosen - set(MemberType.values)
    if unknown:
        raise ValidationError({"voter_types": _("Choose valid member types.")})
    if not chosen:
        chosen = set(MemberType.values)
    return {field: kind in chosen for kind, field in DECISION_VOTER_FIELDS.items()}


@transaction.atomic
def open_decision(
    *,
    author: User,
    community: Community,
    title: str,
    body: str,
    mode: str,
    options: Sequence[str] = (),
    closes_at: datetime.datetime,
    show_results_before_close: bool = True,
    voter_types: Iterable[str] | None = None,
    category: Category | None = None,
    tags: Iterable[str] = (),
    rate_limit: bool = True,
) -> Decision:
    """A decision thread with its proposal as the first post and its options.

    Consent decisions get agree, abstain, disagree and block; `options` is ignored for
    them. `voter_types` empty or None lets every member type vote. `rate_limit=False`
    skips the posting rate check (seeds and test factories).
    """
    refusal = permissions.post_refusal(author, community)
    if refusal:
        raise PermissionDenied(refusal)
    if mode not in DecisionMode.values:
        raise ValidationError({"mode": _("Choose single choice, multiple choice or consent.")})
    labels = _check_options(mode, options)
    _check_closes_at(closes_at, timezone.now())
    flags = _voter_flags(voter_types)
    thread = start_thread(
        author=author,
        community=community,
        kind=ThreadKind.DECISION,
        title=title,
        body=body,
        category=category,
        tags=tags,
        rate_limit=rate_limit,
    )
    decision = Decision.objects.create(
        thread=thread,
        mode=mode,
        closes_at=closes_at,
        show_results_before_close=show_results_before_close,
        **flags,
    )
    DecisionOption.objects.bulk_create(
        DecisionOption(decision=decision, label=label, position=index)
        for index, label in enumerate(labels)
    )
    record_activity(thread=thread, actor=author, kind=ActivityKind.DECISION_OPENED)
    return decision


def _locked(decision: Decision) -> Decision:
    """The decision re-read under its row lock, with its thread and community."""
    return (
        Decision.objects.select_for_update(of=("self",))
        .select_related("thread", "thread__community")
        .get(pk=decision.pk)
    )


def _check_option(decision: Decision, option: DecisionOption) -> None:
    if option.decision_id != decision.pk:
        raise ValidationError(_("Choose one of this decision's options."))


def _require_vote(user: User, decision: Decision) -> None:
    refusal = permissions.decision_vote_refusal(user, decision)
    if refusal:
        raise ValidationError(refusal)


@transaction.atomic
def choose_option(*, user: User, decision: Decision, option: DecisionOption) -> None:
    """Add `option` to the person's choices.

    Single choice and consent replace the person's previous choice (changing a vote);
    multiple choice adds to it. Choosing an option already chosen is refused and changes
    nothing, so a double submit never moves a count.
    """
    decision = _locked(decision)
    _require_vote(user, decision)
    _check_option(decision, option)
    current = set(
        DecisionVote.objects.filter(decision=decision, user=user).values_list(
            "option_id", flat=True
        )
    )
    if option.pk in current:
        raise ValidationError(_("You have already chosen this option."))
    if decision.mode != DecisionMode.MULTIPLE and current:
        DecisionVote.objects.filter(decision=decision, user=user).delete()
        DecisionOption.objects.filter(pk__in=current).update(vote_count=F("vote_count") - 1)
    DecisionVote.objects.create(decision=decision, option=option, user=user)
    DecisionOption.objects.filter(pk=option.pk).update(vote_count=F("vote_count") + 1)
    if not current:
        # The person's first choice: one more voter. A changed vote keeps the count.
        Decision.objects.filter(pk=decision.pk).update(voter_count=F("voter_count") + 1)


@transaction.atomic
def unchoose_option(*, user: User, decision: Decision, option: DecisionOption) -> None:
    """Take `option` out of the person's choices (withdrawing the vote when it was the last).

    Allowed only while the person could still vote.
    """
    decision = _locked(decision)
    _require_vote(user, decision)
    _check_option(decision, option)
    deleted, _detail = DecisionVote.objects.filter(
        decision=decision, option=option, user=user
    ).delete()
    if not deleted:
        raise ValidationError(_("You had not chosen this option."))
    DecisionOption.objects.filter(pk=option.pk).update(vote_count=F("vote_count") - 1)
    if not DecisionVote.objects.filter(decision=decision, user=user).exists():
        Decision.objects.filter(pk=decision.pk).update(voter_count=F("voter_count") - 1)


def _closed_activity(decision: Decision, actor: User | None) -> Activity:
    return Activity(
        community_id=decision.thread.community_id,
        thread_id=decision.thread_id,
        actor=actor,
        kind=ActivityKind.DECISION_CLOSED,
    )


@transaction.atomic
def close_decision(*, by: User, decision: Decision, outcome: str = "") -> Decision:
    """Close voting now: by the decision's author or a moderator of its community.

    With an `outcome`, it is recorded at the close and one "decision decided" event tells
    both (one notification, one email, instead of "closed" then "outcome"); an outcome
    recorded later is told on its own (`record_outcome`).
    """
    decision = _locked(decision)
    refusal = permissions.close_refusal(by, decision)
    if refusal:
        raise PermissionDenied(refusal)
    if decision.is_closed:
        raise ValidationError(_("This decision is already closed."))
    fields = ["closed_at"]
    outcome = outcome.strip()
    if outcome:
        _set_outcome(decision, by, outcome)
        fields += ["outcome", "outcome_html", "outcome_by"]
    decision.closed_at = timezone.now()
    decision.save(update_fields=fields)
    record_activity(thread=decision.thread, actor=by, kind=ActivityKind.DECISION_CLOSED)
    events.publish("decision_decided" if outcome else "decision_closed", decision.pk)
    return decision


def _set_outcome(decision: Decision, by: User, outcome: str) -> None:
    """Check and set the outcome's fields on `decision` (the caller saves)."""
    if not outcome:
        raise ValidationError({"outcome": _("Write what was decided.")})
    if len(outcome) > settings.POST_MAX_LENGTH:
        raise ValidationError(
            {
                "outcome": _("An outcome can be at most %(limit)d characters.")
                % {"limit": settings.POST_MAX_LENGTH}
            }
        )
    decision.outcome = outcome
    decision.outcome_html = render_markdown(outcome)
    decision.outcome_by = by


def close_due_decisions(*, now: datetime.datetime | None = None) -> int:
    """Close every open decision whose closing time has passed; returns how many closed.

    Idempotent and safe to run concurrently: rows are claimed under `SKIP LOCKED` where
    the database has it, and each is closed by a conditional update stamped with this
    run's moment, so only the run that closed a decision records its activity.
    """
    now = now or timezone.now()
    closed = 0
    while True:
        with transaction.atomic():
            due = list(
                Decision.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(closed_at__isnull=True, closes_at__lte=now)
                .order_by("closes_at", "pk")
                .values_list("pk", flat=True)[:CLOSE_BATCH_SIZE]
            )
            if not due:
                return closed
            Decision.objects.filter(pk__in=due, closed_at__isnull=True).update(closed_at=now)
            mine = list(Decision.objects.filter(pk__in=due, closed_at=now).select_related("thread"))
            Activity.objects.bulk_create(_closed_activity(decision, None) for decision in mine)
            for decision in mine:
                events.publish("decision_closed", decision.pk)
            closed += len(mine)
        if len(due) < CLOSE_BATCH_SIZE:
            return closed


@transaction.atomic
def record_outcome(*, by: User, decision: Decision, outcome: str) -> Decision:
    """The statement of what was decided, in Markdown, once voting has closed.

    Recorded by the author (or a moderator when the author cannot); recording again
    replaces the statement. The first recording after the close is told to the
    decision's people ("decision outcome"); an outcome given at the close was told with
    it.
    """
    decision = _locked(decision)
    refusal = permissions.close_refusal(by, decision)
    if refusal:
        raise PermissionDenied(refusal)
    if not decision.is_closed:
        raise ValidationError(_("Close the decision before recording its outcome."))
    first = not decision.outcome
    _set_outcome(decision, by, outcome.strip())
    decision.save(update_fields=["outcome", "outcome_html", "outcome_by"])
    if first:
        # Told once: an edit of the outcome, or of one given at the close, tells nobody.
        events.publish("decision_outcome", decision.pk)
    return decision
