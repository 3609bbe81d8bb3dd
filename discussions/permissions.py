"""Who may read and do what in threads, posts, ideas and decisions.

Reading is never decided here: a thread is readable exactly when its community's content
is (`communities.permissions.can_read_content` / `communities_readable_by`). This module
adds the rules for writing and managing.
"""

from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, member_type_fields
from accounts.permissions import is_administrator
from communities import permissions as community_permissions
from communities.models import Community, Membership, Visibility
from discussions.models import Decision, Idea, Post, ReviewState, Thread
from purposes.permissions import is_purpose_owner

# -- reading: the community's rule, applied to its content ---------------------------------


def can_read_thread(user: User, thread: Thread) -> bool:
    return community_permissions.can_read_content(user, thread.community)


def shown_q(user: User, *, prefix: str = "", community: Community | None = None) -> Q:
    """The moderators' part of the reading rule, as a filter on threads or posts (or, with
    `prefix`, on rows that name one, as `"thread__"` on an idea): a hidden or held thread
    or post is shown only to its author and to the moderators of its community; published
    ones to everyone who may read the community. Every path that lists threads or posts
    applies it: lists, pages, search, feeds and the API.

    Given the `community` every filtered row belongs to (a community's list, one thread's
    posts), whether `user` moderates it is decided once, from the viewer's role loaded
    with the community, instead of by a subquery of their moderated communities in the
    SQL: the busiest pages then build and plan a simpler query."""
    if community is not None:
        return shown_q_by_rule(shown_rule(user, community), user.pk, prefix=prefix)
    if is_administrator(user):
        return Q()
    shown = Q(**{f"{prefix}review_state": ReviewState.PUBLISHED})
    if user.is_authenticated:
        moderated = community_permissions.communities_moderated_by(user).values("pk")
        shown |= Q(**{f"{prefix}author": user.pk}) | Q(**{f"{prefix}community__in": moderated})
    return shown


# Which part of the reading rule `shown_q` applies to a reader in one community.
SHOWN_ALL = "all"
SHOWN_PUBLISHED_OR_OWN = "published-or-own"
SHOWN_PUBLISHED = "published"


def shown_rule(user: User, community: Community) -> str:
    """`shown_q`'s part for `user` in `community`: everything (administrators and the
    community's moderators), published items and their own (other signed-in readers),
    or published items only (visitors). A read compiled once per reader's position
    (`core.compiled_reads`) names it in its shape."""
    if is_administrator(user) or (
        user.is_authenticated and community_permissions.can_moderate(user, community)
    ):
        return SHOWN_ALL
    if user.is_authenticated:
        return SHOWN_PUBLISHED_OR_OWN
    return SHOWN_PUBLISHED


def shown_q_by_rule(rule: str, user_id: int | None, *, prefix: str = "") -> Q:
    """The filter of `shown_rule`'s answer `rule` for the reader with id `user_id`."""
    if rule == SHOWN_ALL:
        return Q()
    shown = Q(**{f"{prefix}review_state": ReviewState.PUBLISHED})
    if rule == SHOWN_PUBLISHED_OR_OWN:
        return shown | Q(**{f"{prefix}author": user_id})
    return shown


def published_q(*, prefix: str = "") -> Q:
    """Threads or posts everyone who may read their community may see: for notifications
    and digests, which are about what a whole audience may read."""
    return Q(**{f"{prefix}review_state": ReviewState.PUBLISHED})


def can_see_item(user: User, item: Thread | Post) -> bool:
    """`shown_q` for one thread or post whose community `user` may read."""
    if item.review_state == ReviewState.PUBLISHED:
        return True
    if user.is_authenticated and item.author_id == user.pk:
        return True
    return community_permissions.can_moderate(user, _community_of(item))


def can_read_post(user: User, post: Post) -> bool:
    """`posts_visible_to` for one post whose thread and its community are loaded (with
    `communities.permissions.with_viewer_flags` for a member, or each community's check
    costs a query): not deleted, in a community `user` may read, and neither it nor its
    thread hidden from them."""
    thread = post.thread
    return (
        not post.is_deleted
        and post.community_id == thread.community_id
        and can_read_thread(user, thread)
        and can_see_item(user, thread)
        and can_see_item(user, post)
    )


def _community_of(item: Thread | Post) -> Community:
    return item.community if isinstance(item, Thread) else item.thread.community


def threads_visible_to(user: User) -> QuerySet[Thread]:
    return Thread.objects.filter(
        shown_q(user),
        community__in=community_permissions.communities_readable_by(user).values("pk"),
    )


def posts_visible_to(user: User, *, each_row: bool = False) -> QuerySet[Post]:
    """Posts `user` may read (deleted ones left out): those of readable communities, read
    from the post's own `community` (its thread's, copied onto it), so no thread is read.

    With `each_row`, on PostgreSQL, the readable communities are read once as an array and
    each post's community is compared with it, a filter on the row rather than a join: for
    search, which checks thousands of matches and must keep the planner's estimates below.
    Elsewhere (SQLite, development) it is the same `IN` filter as without.
    """
    readable = community_permissions.communities_readable_by(user).values("pk")
    if not (each_row and connection.vendor == "postgresql"):
        posts = Post.objects.filter(shown_q(user), community__in=readable, deleted_at__isnull=True)
    else:
        posts = Post.objects.filter(
            _EqualsAny(F("community_id"), ArraySubquery(readable)),
            shown_q(user),
            deleted_at__isnull=True,
        )
    if is_administrator(user):
        return posts
    # A published reply in a hidden or held thread is as hidden as its thread.
    return posts.exclude(thread__in=threads_not_shown_to(user))


def threads_not_shown_to(user: User) -> QuerySet[Thread]:
    """The hidden and held threads `user` may not see (`shown_q`'s complement): a few rows,
    read through the partial index on unpublished threads."""
    unpublished = Thread.objects.exclude(review_state=ReviewState.PUBLISHED)
    if user.is_authenticated:
        moderated = community_permissions.communities_moderated_by(user).values("pk")
        unpublished = unpublished.exclude(author=user.pk).exclude(community__in=moderated)
    return unpublished.values("pk")


class _EqualsAny(Func):
    """`COALESCE(value = ANY(ARRAY(subquery)), FALSE)`: the array is read once, and the
    comparison stays a filter on each row (`value IN (subquery)` may become a join).
    COALESCE changes no answer (NULL drops the row as FALSE does) but makes PostgreSQL
    estimate the check as keeping half the rows instead of one in two hundred: with that
    estimate, a word in most posts read newest first would look cheaper through the
    full-text index, which then reads every match."""

    template = "COALESCE(%(expressions)s), FALSE)"
    arg_joiner = " = ANY("
    output_field = BooleanField()
    conditional = True


def audience_for(thread: Thread) -> QuerySet[User]:
    """People allowed to read the thread: for notifications and digests."""
    return community_permissions.audience_for(thread.community)


def mention_audience(community: Community) -> QuerySet[User]:
    """People the mention lookup may offer in `community`: its members who may read it.

    Never everyone who may read a public community: the lookup would list the whole
    site. People who posted there were members when they did; those who left are no
    longer offered.
    """
    return community_permissions.audience_for(community).filter(
        community_permissions.member_q(community)
    )


# -- writing ------------------------------------------------------------------------------


def post_refusal(user: User, community: Community) -> str | None:
    """Why `user` may not act in `community` now, or None when they may.

    The standing every write needs, whoever wrote what before: signed in, not under a
    sanction (site-wide, or a ban or silence here: the refusal then carries it, see
    `communities.permissions.sanction_refusal`), and a member (or an administrator).
    Starting threads, replying, editing, deleting, reacting, voting, accepting answers,
    closing decisions and following all start here, so a person removed, banned or
    silenced loses every one of them at once.
    """
    if not user.is_authenticated:
        return _("Sign in to take part.")
    sanctioned = community_permissions.sanction_refusal(user, community)
    if sanctioned:
        return sanctioned
    if community_permissions.is_banned(user, community):
        return _("You have been removed from this community.")
    suspension = community_permissions.suspension_notice(user, community)
    if suspension:
        return suspension
    if not (community_permissions.is_member(user, community) or is_administrator(user)):
        return _("Join the community to take part.")
    return None


# The standing to act is the standing to post: one rule under the name writes read best with.
act_refusal = post_refusal


def can_post(user: User, community: Community) -> bool:
    return post_refusal(user, community) is None


def reply_refusal(user: User, thread: Thread) -> str | None:
    refusal = post_refusal(user, thread.community)
    if refusal:
        return refusal
    if (thread.is_locked or thread.is_closed) and not can_moderate(user, thread.community):
        if thread.is_locked:
            return _("This thread is locked: no new replies.")
        return _("This thread is closed.")
    return None


def can_reply(user: User, thread: Thread) -> bool:
    return reply_refusal(user, thread) is None


def can_moderate(user: User, community: Community) -> bool:
    return community_permissions.can_moderate(user, community)


@dataclass(frozen=True, slots=True)
class Standing:
    """What the per-post rules need to know about a viewer in one community, found once
    for a page of posts rather than once per post and rule: why they may not act there
    (`act_refusal`, None when they may) and whether they moderate it."""

    user_id: int | None
    refusal: str | None
    moderator: bool


def standing_in(user: User, community: Community) -> Standing:
    return Standing(
        user_id=user.pk if user.is_authenticated else None,
        refusal=act_refusal(user, community),
        moderator=can_moderate(user, community),
    )


def _standing(user: User, post: Post, standing: Standing | None) -> Standing:
    return standing if standing is not None else standing_in(user, post.thread.community)


_DELETED = gettext_lazy("This post was deleted.")
_NOT_YOURS_TO_EDIT = gettext_lazy("You cannot edit this post.")
_LOCKED = gettext_lazy("This thread is locked: posts in it can no longer be edited.")
_ALREADY_DELETED = gettext_lazy("This post was already deleted.")
_NOT_YOURS_TO_DELETE = gettext_lazy("You cannot delete this post.")


# The rules return their reasons untranslated: a page asks `can_edit_post` and
# `can_delete_post` of every post it shows, and only a refusal that is shown is translated.
def _edit_refusal(user: User, post: Post, standing: Standing | None) -> str | None:
    if post.is_deleted:
        return _DELETED
    standing = _standing(user, post, standing)
    if standing.refusal:
        return standing.refusal
    if standing.moderator:
        return None
    if post.author_id != standing.user_id:
        return _NOT_YOURS_TO_EDIT
    if post.thread.is_locked:
        return _LOCKED
    return None


def _delete_refusal(user: User, post: Post, standing: Standing | None) -> str | None:
    if post.is_deleted:
        return _ALREADY_DELETED
    standing = _standing(user, post, standing)
    if standing.refusal:
        return standing.refusal
    if post.author_id != standing.user_id and not standing.moderator:
        return _NOT_YOURS_TO_DELETE
    return None


def edit_refusal(user: User, post: Post, standing: Standing | None = None) -> str | None:
    """Why `user` may not edit `post`, or None: moderators always, the author while the
    thread is not locked, both only with the standing to act in the community now.
    `standing` is `standing_in(user, post's community)` when the caller has it."""
    refusal = _edit_refusal(user, post, standing)
    return None if refusal is None else str(refusal)


def can_edit_post(user: User, post: Post, standing: Standing | None = None) -> bool:
    return _edit_refusal(user, post, standing) is None


def delete_refusal(user: User, post: Post, standing: Standing | None = None) -> str | None:
    refusal = _delete_refusal(user, post, standing)
    return None if refusal is None else str(refusal)


def can_delete_post(user: User, post: Post, standing: Standing | None = None) -> bool:
    return _delete_refusal(user, post, standing) is None


def can_see_revisions(user: User, post: Post, standing: Standing | None = None) -> bool:
    if not user.is_authenticated:
        return False
    return post.author_id == user.pk or _standing(user, post, standing).moderator


def accept_refusal(user: User, thread: Thread) -> str | None:
    refusal = act_refusal(user, thread.community)
    if refusal:
        return refusal
    if thread.author_id != user.pk and not can_moderate(user, thread.community):
        return _("Only the person who asked or a moderator can accept an answer.")
    return None


def can_accept_answer(user: User, thread: Thread) -> bool:
    return accept_refusal(user, thread) is None


def react_refusal(user: User, post: Post, standing: Standing | None = None) -> str | None:
    if post.is_deleted:
        return _("This post was deleted.")
    standing = _standing(user, post, standing)
    if (
        post.review_state != ReviewState.PUBLISHED
        and post.author_id != standing.user_id
        and not standing.moderator
    ):
        return _("This post is waiting for the moderators.")
    return standing.refusal


def can_react(user: User, post: Post, standing: Standing | None = None) -> bool:
    return react_refusal(user, post, standing) is None


def follow_refusal(user: User, thread: Thread) -> str | None:
    """Why `user` may not start following `thread`. Stopping is left to every reader: it
    only takes away what they receive."""
    return act_refusal(user, thread.community)


def can_follow(user: User, thread: Thread) -> bool:
    return follow_refusal(user, thread) is None


def move_refusal(by: User, thread: Thread, target: Community) -> str | None:
    """Why `by` may not move `thread` to `target`, or None when they may.

    The mover moderates both communities, and the target's audience may see the thread:
    a thread of a public community may go anywhere; otherwise the target must be open
    only to member types the thread's community is open to.
    """
    source = thread.community
    if not can_moderate(by, source) or not can_moderate(by, target):
        return _("You can only move threads between communities you moderate.")
    if target.pk == source.pk:
        return _("The thread is already in this community.")
    if source.visibility != Visibility.PUBLIC and community_permissions.audience_wider(
        source, target
    ):
        return _(
            "%(target)s is open to people who may not see this thread: its community is "
            "not public and is open to fewer member types."
        ) % {"target": target.name}
    return None


# -- ideas --------------------------------------------------------------------------------


def vote_refusal(user: User, idea: Idea) -> str | None:
    refusal = post_refusal(user, idea.community)
    if refusal:
        return refusal
    if not idea.community.lets_vote_on_ideas(user.member_type):
        return _("In this community, %(type)s members may comment on ideas but not vote.") % {
            "type": user.get_member_type_display().lower() if user.member_type else "?"
        }
    if idea.merged_into_id:
        return _("This idea was merged into another; vote there.")
    return None


def can_vote_on_idea(user: User, idea: Idea) -> bool:
    return vote_refusal(user, idea) is None


def withdraw_refusal(user: User, idea: Idea) -> str | None:
    """Why `user` may not take back their vote: only the standing to act counts, not
    whether their member type may still vote."""
    return act_refusal(user, idea.community)


def can_withdraw_vote(user: User, idea: Idea) -> bool:
    return withdraw_refusal(user, idea) is None


def can_manage_ideas(user: User, community: Community) -> bool:
    """Idea managers: the community's moderators and its purpose's owners (who need not
    be members), unless banned from the community."""
    if can_moderate(user, community):
        return True
    return (
        user.is_authenticated
        and is_purpose_owner(user, community.purpose)
        and not community_permissions.is_banned(user, community)
    )


# -- decisions ----------------------------------------------------------------------------

DECISION_VOTER_FIELDS = member_type_fields("{types}_may_vote")


def decision_vote_refusal(user: User, decision: Decision) -> str | None:
    refusal = post_refusal(user, decision.thread.community)
    if refusal:
        return refusal
    if decision.is_voting_over(timezone.now()):
        return _("Voting on this decision has closed.")
    field = DECISION_VOTER_FIELDS.get(user.member_type)
    if not field or not getattr(decision, field):
        return _("This decision is voted on by other member types.")
    return None


def can_vote_on_decision(user: User, decision: Decision) -> bool:
    return decision_vote_refusal(user, decision) is None


def close_refusal(user: User, decision: Decision) -> str | None:
    """Why `user` may not close `decision` or record its outcome, or None when they may:
    its author or a moderator, with the standing to act in the community now."""
    community = decision.thread.community
    refusal = act_refusal(user, community)
    if refusal:
        return refusal
    if decision.thread.author_id != user.pk and not can_moderate(user, community):
        return _("Only the person who opened this decision or a moderator can close it.")
    return None


def can_close_decision(user: User, decision: Decision) -> bool:
    return close_refusal(user, decision) is None


def can_see_decision_results(user: User, decision: Decision) -> bool:
    return (
        decision.is_closed
        or decision.show_results_before_close
        or can_close_decision(user, decision)
    )


# -- raising checks for services ------------------------------------------------------------


def require_read(user: User, thread: Thread) -> None:
    if not can_read_thread(user, thread):
        raise PermissionDenied


def require_moderate(user: User, community: Community) -> None:
    if not can_moderate(user, community):
        raise PermissionDenied(_("Only the community's moderators can do this."))


def require_manage_ideas(user: User, community: Community) -> None:
    if not can_manage_ideas(user, community):
        raise PermissionDenied(
            _("Only the community's moderators and the purpose's owners can manage ideas.")
        )


# -- people ---------------------------------------------------------------------------------


def _shares_a_community_with(viewer: User) -> Exists:
    """Correlated on the person: one index probe per person, never a scan of everyone."""
    return Exists(
        Membership.objects.filter(
            user=OuterRef("pk"),
            community__in=community_permissions.communities_member_of(viewer).values("pk"),
        )
    )


def _posted_where_readable_by(viewer: User) -> Exists:
    return Exists(posts_visible_to(viewer).filter(author=OuterRef("pk")))


def people_visible_to(viewer: User) -> QuerySet[User]:
    """Whose profiles `viewer` may open: their own; anyone's for administrators; for
    signed-in people, those they share a community with or who posted where the viewer
    can read; for visitors, people with posts in public communities. Everyone else's
    profile answers 404, so nobody can walk the ids to list the site's people."""
    people = User.objects.filter(is_active=True)
    if is_administrator(viewer):
        return people
    shown = Q(_posted_where_readable_by(viewer))
    if viewer.is_authenticated:
        shown |= Q(pk=viewer.pk) | Q(_shares_a_community_with(viewer))
    return people.filter(shown)


def can_see_person(viewer: User, person: User) -> bool:
    """Same rule as `people_visible_to`, for one person."""
    return people_visible_to(viewer).filter(pk=person.pk).exists()
