"""Ideas: submitting, voting, the status workflow, merging duplicates and goal links.

Vote counts are kept on `Idea.vote_count` and `Idea.trending_score` with single SQL
UPDATEs (never read, change and write back in Python), next to the `IdeaVote` row whose
unique constraint decides whether a vote counts at all.
"""

import datetime
import math
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Log
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from communities.models import Community
from core import audit, events
from core.markdown import render_markdown
from core.text import require_single_line
from discussions import permissions
from discussions.models import (
    TRENDING_EPOCH,
    TRENDING_SECONDS_PER_DECADE,
    ActivityKind,
    GoalLink,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    Thread,
    ThreadKind,
)
from discussions.selectors.ideas import forget_purpose_links
from discussions.services.threads import record_activity, start_thread
from purposes.models import Challenge, ChallengeState, Goal

TITLE_MAX_LENGTH = 200
GOAL_LINK_KINDS = (ThreadKind.IDEA, ThreadKind.DECISION)
MERGE_BATCH_SIZE = 1000


# -- trending -------------------------------------------------------------------------------


def trending_age_term(created_at: datetime.datetime) -> float:
    """The part of the trending score that only depends on when the idea was posted."""
    return (created_at.timestamp() - TRENDING_EPOCH) / TRENDING_SECONDS_PER_DECADE


def trending_score_for(*, created_at: datetime.datetime, votes: int) -> float:
    """log10(max(votes, 1)) + newness: what `Idea.trending_score` holds (seeds use this)."""
    return math.log10(max(votes, 1)) + trending_age_term(created_at)


def _trending_expression(created_at: datetime.datetime, votes_expression):
    """The trending score in SQL for a vote count given as an expression."""
    return Value(trending_age_term(created_at)) + Log(Value(10.0), Greatest(votes_expression, 1))


# -- submitting -----------------------------------------------------------------------------


def _check_idea_text(title: str, description: str) -> tuple[str, str]:
    require_single_line(title=title)
    title = " ".join(title.split())
    description = description.strip()
    errors = {}
    if not title:
        errors["title"] = _("Give your idea a title.")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _("A title can be at most %(limit)d characters.") % {
            "limit": TITLE_MAX_LENGTH
        }
    if not description:
        errors["description"] = _("Describe your idea: what should change, and why.")
    elif len(description) > settings.POST_MAX_LENGTH:
        errors["description"] = _(
            "A description can be at most %(limit)d characters; this one has %(size)d."
        ) % {"limit": settings.POST_MAX_LENGTH, "size": len(description)}
    if errors:
        raise ValidationError(errors)
    return title, description


def challenge_refusal(challenge: Challenge, community: Community, *, moment=None) -> str | None:
    """Why an idea may not answer `challenge` now, or None while it may."""
    if challenge.purpose_id != community.purpose_id:
        return _("Choose a challenge of this community's purpose.")
    moment = moment or timezone.now()
    state = challenge.state_at(moment)
    if state == ChallengeState.CLOSED:
        return _(
            "The challenge “%(title)s” closed on %(date)s: it no longer takes ideas. "
            "Post your idea without a challenge instead."
        ) % {
            "title": challenge.title,
            "date": formats.date_format(timezone.localtime(challenge.closes_at), "DATE_FORMAT"),
        }
    if state == ChallengeState.UPCOMING:
        return _("The challenge “%(title)s” opens on %(date)s; it does not take ideas yet.") % {
            "title": challenge.title,
            "date": formats.date_format(timezone.localtime(challenge.opens_at), "DATE_FORMAT"),
        }
    return None


@transaction.atomic
def submit_idea(
    *,
    author: User,
    community: Community,
    title: str,
    description: str,
    challenge: Challenge | None = None,
    tags: Iterable[str] = (),
) -> Idea:
    """A new idea thread (its first post is the description), status new, no votes.

    Raises PermissionDenied when `author` may not post in `community`, ValidationError
    for bad text or a challenge that is not open now.
    """
    refusal = permissions.post_refusal(author, community)
    if refusal:
        raise PermissionDenied(refusal)
    title, description = _check_idea_text(title, description)
    if challenge is not None:
        refusal = challenge_refusal(challenge, community)
        if refusal:
            raise ValidationError({"challenge": refusal})
    thread = start_thread(
        author=author,
        community=community,
        kind=ThreadKind.IDEA,
        title=title,
        body=description,
        tags=tags,
    )
    idea = Idea.objects.create(
        thread=thread,
        community=community,
        challenge=challenge,
        created_at=thread.created_at,
        status_changed_at=thread.created_at,
        trending_score=trending_score_for(created_at=thread.created_at, votes=0),
    )
    record_activity(thread=thread, actor=author, kind=ActivityKind.IDEA_POSTED, detail=title[:200])
    events.publish("idea_created", idea.pk)
    return idea


# -- voting ---------------------------------------------------------------------------------


@transaction.atomic
def vote(*, user: User, idea: Idea) -> None:
    """Add `user`'s vote to `idea`.

    The counter UPDATE runs first so it takes the idea's row lock before the vote row is
    written: a merge holding that lock is never waited on from the other side. The
    unique constraint on (idea, user) turns a second vote into "already voted", with the
    counter change rolled back with it.
    """
    refusal = permissions.vote_refusal(user, idea)
    if refusal:
        raise PermissionDenied(refusal)
    try:
        with transaction.atomic():
            changed = Idea.objects.filter(pk=idea.pk, merged_into__isnull=True).update(
                vote_count=F("vote_count") + 1,
                trending_score=_trending_expression(idea.created_at, F("vote_count") + 1),
            )
            if not changed:
                raise ValidationError(_("This idea was merged into another; vote there."))
            IdeaVote.objects.create(idea_id=idea.pk, user=user)
            forget_purpose_links()
    except IntegrityError as error:
        raise ValidationError(_("You have already voted for this idea.")) from error


@transaction.atomic
def withdraw_vote(*, user: User, idea: Idea) -> None:
    """Take back `user`'s vote. Allowed even where their member type may no longer vote,
    but only with the standing to act in the community now."""
    if not user.is_authenticated or not permissions.can_read_thread(user, idea.thread):
        raise PermissionDenied(_("Sign in to take part."))
    refusal = permissions.withdraw_refusal(user, idea)
    if refusal:
        raise PermissionDenied(refusal)
    # Lock the idea first, as `vote` and `merge_ideas` do, so the order of locks is the same.
    Idea.objects.select_for_update().filter(pk=idea.pk).values_list("pk").first()
    deleted, _details = IdeaVote.objects.filter(idea_id=idea.pk, user=user).delete()
    if not deleted:
        raise ValidationError(_("You have not voted for this idea."))
    Idea.objects.filter(pk=idea.pk).update(
        vote_count=F("vote_count") - 1,
        trending_score=_trending_expression(idea.created_at, F("vote_count") - 1),
    )
    forget_purpose_links()


def _recount(idea: Idea) -> None:
    """Set the vote count and trending score of `idea` from its vote rows, in SQL."""
    counted = Coalesce(
        Subquery(
            IdeaVote.objects.filter(idea_id=OuterRef("pk"))
            .order_by()
            .values("idea_id")
            .annotate(total=Count("pk"))
            .values("total")
        ),
        0,
    )
    Idea.objects.filter(pk=idea.pk).update(
        vote_count=counted, trending_score=_trending_expression(idea.created_at, counted)
    )
    forget_purpose_links()


# -- status workflow ------------------------------------------------------------------------


def _check_response(response: str) -> str:
    response = response.strip()
    if not response:
        raise ValidationError(
            {"response": _("Write the official response that explains this change.")}
        )
    if len(response) > settings.POST_MAX_LENGTH:
        raise ValidationError(
            {
                "response": _("A response can be at most %(limit)d characters.")
                % {"limit": settings.POST_MAX_LENGTH}
            }
        )
    return response


def _set_status(*, idea: Idea, by: User, status: str, response: str, **fields) -> IdeaStatusChange:
    now = timezone.now()
    change = IdeaStatusChange.objects.create(
        idea=idea,
        from_status=idea.status,
        to_status=status,
        response=response,
        response_html=render_markdown(response),
        changed_by=by,
        changed_at=now,
    )
    Idea.objects.filter(pk=idea.pk).update(status=status, status_changed_at=now, **fields)
    events.publish("idea_status_changed", change.pk)
    idea.status, idea.status_changed_at = status, now
    for name, value in fields.items():
        setattr(idea, name, value)
    record_activity(thread=idea.thread, actor=by, kind=ActivityKind.IDEA_STATUS, detail=str(status))
    return change


def _locked(idea: Idea) -> Idea:
    """`idea` read again under a row lock, with the relations the services use."""
    return (
        Idea.objects.select_for_update(of=("self",))
        .select_related("thread", "community")
        .get(pk=idea.pk)
    )


@transaction.atomic
def change_status(*, idea: Idea, by: User, status: str, response: str) -> IdeaStatusChange:
    """Move `idea` to `status` with an official response (Markdown), kept in its history.

    Only idea managers may. "Duplicate" is reached by merging, never set directly.
    """
    permissions.require_manage_ideas(by, idea.community)
    if status not in IdeaStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == IdeaStatus.DUPLICATE:
        raise ValidationError(
            {"status": _("To mark an idea as a duplicate, merge it into the original.")}
        )
    response = _check_response(response)
    current = _locked(idea)
    if current.merged_into_id:
        raise ValidationError(_("This idea was merged into another; change the original instead."))
    if current.status == status:
        raise ValidationError(
            {
                "status": _("The idea is already “%(status)s”.")
                % {"status": current.get_status_display()}
            }
        )
    change = _set_status(idea=current, by=by, status=status, response=response)
    idea.status, idea.status_changed_at = current.status, current.status_changed_at
    return change


# -- merging --------------------------------------------------------------------------------


@transaction.atomic
def merge_ideas(*, duplicate: Idea, original: Idea, by: User, response: str = "") -> Idea:
    """Merge `duplicate` into `original`; returns the original with its new counts.

    The duplicate's votes move to the original; people who voted on both keep one vote
    (the unique constraint absorbs the second), and the original's count and trending
    score are recounted from its vote rows in SQL. The duplicate is left with status
    duplicate, no votes and a link to the original; ideas merged into it earlier now
    point at the original too.
    """
    permissions.require_manage_ideas(by, duplicate.community)
    if duplicate.pk == original.pk:
        raise ValidationError({"original": _("An idea cannot be merged into itself.")})
    if original.community_id != duplicate.community_id:
        raise ValidationError({"original": _("Choose an idea of the same community.")})
    # Both rows locked in one statement, in primary key order, against concurrent votes.
    locked = {
        row.pk: row
        for row in Idea.objects.select_for_update(of=("self",))
        .select_related("thread", "community")
        .filter(pk__in=[duplicate.pk, original.pk])
        .order_by("pk")
    }
    duplicate_row, original_row = locked[duplicate.pk], locked[original.pk]
    if duplicate_row.merged_into_id:
        raise ValidationError(_("This idea has already been merged into another."))
    if original_row.merged_into_id:
        raise ValidationError(
            {
                "original": _(
                    "That idea was itself merged into idea #%(number)d; merge into that one."
                )
                % {"number": original_row.merged_into.thread_id}
            }
        )
    response = response.strip() or _("Merged into “%(title)s”.") % {
        "title": original_row.thread.title
    }
    response = _check_response(response)

    voters = IdeaVote.objects.filter(idea_id=duplicate_row.pk).values_list("user_id", "created_at")
    moved = [
        IdeaVote(idea_id=original_row.pk, user_id=user_id, created_at=created_at)
        for user_id, created_at in voters.iterator(chunk_size=MERGE_BATCH_SIZE)
    ]
    IdeaVote.objects.bulk_create(moved, batch_size=MERGE_BATCH_SIZE, ignore_conflicts=True)
    IdeaVote.objects.filter(idea_id=duplicate_row.pk).delete()
    _recount(original_row)
    Idea.objects.filter(merged_into_id=duplicate_row.pk).update(merged_into_id=original_row.pk)
    _set_status(
        idea=duplicate_row,
        by=by,
        status=IdeaStatus.DUPLICATE,
        response=response,
        merged_into=original_row,
        vote_count=0,
        trending_score=trending_score_for(created_at=duplicate_row.created_at, votes=0),
    )
    original_row.refresh_from_db(fields=["vote_count", "trending_score"])
    audit.record(
        actor=by,
        action="thread_merge",
        community=duplicate_row.community,
        target=duplicate_row.thread,
        target_label=duplicate_row.thread.title,
        subject=duplicate_row.thread.author,
        before={"idea": duplicate_row.thread_id},
        after={"merged_into": original_row.thread_id, "title": original_row.thread.title},
        reason=response,
    )
    return original_row


# -- goals ----------------------------------------------------------------------------------


def _check_goal_link(*, thread: Thread, goal: Goal, by: User) -> None:
    permissions.require_manage_ideas(by, thread.community)
    if thread.kind not in GOAL_LINK_KINDS:
        raise ValidationError(_("Only ideas and decisions can be linked to goals."))
    if goal.purpose_id != thread.community.purpose_id:
        raise ValidationError({"goal": _("Choose a goal of this community's purpose.")})


@transaction.atomic
def link_goal(*, thread: Thread, goal: Goal, by: User, expected_impact: str = "") -> GoalLink:
    """Tie an idea or decision thread to a goal of its community's purpose.

    Idea managers (the community's moderators and the purpose's owners) may. Linking
    again only updates the expected impact note.
    """
    _check_goal_link(thread=thread, goal=goal, by=by)
    expected_impact = " ".join(expected_impact.split())
    if len(expected_impact) > 300:
        raise ValidationError(
            {"expected_impact": _("Keep the expected impact under 300 characters.")}
        )
    link, _created = GoalLink.objects.update_or_create(
        thread=thread,
        goal=goal,
        defaults={"expected_impact": expected_impact},
        create_defaults={"expected_impact": expected_impact, "linked_by": by},
    )
    forget_purpose_links()
    return link


@transaction.atomic
def unlink_goal(*, thread: Thread, goal: Goal, by: User) -> None:
    _check_goal_link(thread=thread, goal=goal, by=by)
    deleted, _details = GoalLink.objects.filter(thread=thread, goal=goal).delete()
    if not deleted:
        raise ValidationError(_("This goal is not linked."))
    forget_purpose_links()
