"""Threads and posts: starting, replying, editing, deleting, reacting, answers, following,
read markers and moderation. Ideas and decisions start their threads here too.

Every function checks the rules of `discussions.permissions` first and writes in one
transaction. Markdown is rendered once, here, when a post is saved; pages show the stored
HTML. Counters on `Thread` change with single `F()` updates, never read-modify-write.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from communities import permissions as community_permissions
from communities.models import Category, Community
from core import audit, events
from core.markdown import mention_handles, render_markdown
from core.text import require_single_line
from discussions import permissions
from discussions.models import (
    Activity,
    ActivityKind,
    GoalLink,
    Idea,
    Mention,
    Post,
    PostRevision,
    Reaction,
    ReactionKind,
    ReviewState,
    Tag,
    Thread,
    ThreadKind,
    ThreadSubscription,
)
from discussions.selectors import ideas, search

TITLE_MAX_LENGTH = 200
TAG_MAX_LENGTH = 40
MAX_TAGS = 10
DELETION_REASON_MAX_LENGTH = 300

# -- checks on text ---------------------------------------------------------------------------


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > settings.POST_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("A post can be at most %(limit)d characters; this one has %(size)d.")
                % {"limit": settings.POST_MAX_LENGTH, "size": len(body)}
            }
        )
    return body


def _check_title(title: str) -> str:
    require_single_line(title=title)
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Give your thread a title.")})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            {
                "title": _("A title can be at most %(limit)d characters.")
                % {"limit": TITLE_MAX_LENGTH}
            }
        )
    return title


def _check_tags(tags: Iterable[str]) -> list[str]:
    tags = list(tags)
    require_single_line(tags=tags)
    names = sorted({" ".join(name.split()).lower() for name in tags if name.strip()})
    if len(names) > MAX_TAGS:
        raise ValidationError(
            {"tags": _("Use at most %(limit)d tags.") % {"limit": MAX_TAGS}},
        )
    too_long = [name for name in names if len(name) > TAG_MAX_LENGTH]
    if too_long:
        raise ValidationError(
            {
                "tags": _("A tag can be at most %(limit)d characters: “%(tag)s” is longer.")
                % {"limit": TAG_MAX_LENGTH, "tag": too_long[0]}
            }
        )
    return names


def rate_window() -> str:
    """The calendar minute posts are counted in."""
    return f"{timezone.now():%Y%m%d%H%M}"


def _check_post_rate(user: User) -> None:
    """At most POSTS_PER_MINUTE new posts (threads and replies) a minute per person.

    Counted in the cache per calendar minute, so the check costs no query and holds
    across web processes sharing the cache.
    """
    limit = settings.POSTS_PER_MINUTE
    key = f"posts-written:{user.pk}:{rate_window()}"
    cache.add(key, 0, timeout=120)
    if cache.incr(key) > limit:
        cache.decr(key)
        raise ValidationError(
            ngettext(
                "You are posting very quickly: at most %(limit)d post a minute. "
                "Wait a minute, then send it again.",
                "You are posting very quickly: at most %(limit)d posts a minute. "
                "Wait a minute, then send it again.",
                limit,
            )
            % {"limit": limit}
        )


# -- mentions -------------------------------------------------------------------------------

MAX_MENTIONS_PER_POST = 30


def _resolve_names(candidates: set[str], readers) -> dict[str, User]:
    """Lower-cased shown names that name exactly one reader.

    A person's shown name is their display name, or their email's local part when they
    have none (`User.name_of`); the local part of someone who has a display name is
    never matched, so a mention cannot reveal it.
    """
    if not candidates:
        return {}
    by_email = Q()
    for candidate in candidates:
        if " " not in candidate:
            by_email |= Q(display_name="", email__istartswith=f"{candidate}@")
    people = list(
        readers.annotate(lower_name=Lower("display_name"))
        .filter(Q(lower_name__in=candidates) | by_email)
        .only("pk", "display_name", "email")[:200]
    )
    names: dict[str, list[User]] = {}
    locals_: dict[str, list[User]] = {}
    for person in people:
        if person.display_name:
            names.setdefault(person.display_name.lower(), []).append(person)
        else:
            locals_.setdefault(person.email.split("@")[0].lower(), []).append(person)
    resolved: dict[str, User] = {}
    for candidate in candidates:
        # A display name first; an email's local part when no one has that name. A name
        # two readers share names neither of them.
        for table in (names, locals_):
            matches = table.get(candidate, [])
            if matches:
                if len(matches) == 1:
                    resolved[candidate] = matches[0]
                break
    return resolved


def render_post(body: str, community: Community) -> tuple[str, set[int]]:
    """The post's safe HTML with @mentions linked, and the ids of the people mentioned.

    A mention names someone only when they may read the community's content
    (`communities.permissions.audience_for`); anything else stays plain text. The
    handles of the first MAX_MENTIONS_PER_POST "@"s are looked up in one query.
    """
    handles = mention_handles(body, limit=MAX_MENTIONS_PER_POST)
    people = _resolve_names(
        {handle.lower() for handle in handles}, community_permissions.audience_for(community)
    )
    mentioned: set[int] = set()

    def link(handle: str) -> tuple[str, str] | None:
        person = people.get(handle.lower())
        if person is None:
            return None
        # The renderer links every handle this answers: everyone added here is shown.
        mentioned.add(person.pk)
        return reverse("person_detail", args=[person.pk]), f"@{handle}"

    return render_markdown(body, mention=link), mentioned


def _save_mentions(post: Post, people: set[int], *, replace: bool = False) -> None:
    if replace:
        Mention.objects.filter(post=post).exclude(user_id__in=people).delete()
    if people:
        Mention.objects.bulk_create(
            [Mention(post=post, user_id=person) for person in sorted(people)],
            ignore_conflicts=True,
        )


# -- activity, following, reading ------------------------------------------------------------


def record_activity(*, thread: Thread, actor: User | None, kind: str, detail: str = "") -> None:
    Activity.objects.create(
        community_id=thread.community_id, thread=thread, actor=actor, kind=kind, detail=detail
    )


def follow(*, user: User, thread: Thread, following: bool = True) -> None:
    """Follow (or stop following) a thread. Callers have checked the person may read it."""
    defaults = {"following": following, "updated_at": timezone.now()}
    if following:
        defaults["muted"] = False  # following a thread is hearing from it again
    ThreadSubscription.objects.update_or_create(thread=thread, user=user, defaults=defaults)


@transaction.atomic
def set_muted(*, user: User, thread: Thread, muted: bool) -> None:
    """Mute a thread (nothing from it reaches the person, mentions aside if they keep
    them) or go back to normal. Any reader may: it only takes away what they receive."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to take part."))
    permissions.require_read(user, thread)
    defaults = {"muted": muted, "updated_at": timezone.now()}
    if muted:
        defaults["following"] = False
    ThreadSubscription.objects.update_or_create(thread=thread, user=user, defaults=defaults)


@transaction.atomic
def set_following(*, user: User, thread: Thread, following: bool) -> None:
    """Follow or unfollow from the thread page.

    Following needs the standing to act in the thread's community now; any reader may
    stop following.
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to take part."))
    permissions.require_read(user, thread)
    if following:
        refusal = permissions.follow_refusal(user, thread)
        if refusal:
            raise PermissionDenied(refusal)
    follow(user=user, thread=thread, following=following)


def _follow_as_author(user: User, thread: Thread, post: Post) -> None:
    """The author of a post follows the thread and has read it up to their own post."""
    ThreadSubscription.objects.update_or_create(
        thread=thread,
        user=user,
        defaults={
            "following": True,
            "last_read_post_id": post.pk,
            "updated_at": timezone.now(),
        },
    )


def record_read(*, user: User, thread: Thread, post_id: int, known: int | None) -> None:
    """Remember that `user` has read `thread` up to `post_id`.

    `known` is the last read post id the caller loaded with the page (None when the
    person has no subscription row yet). One statement, no transaction: the marker only
    moves forwards, and a concurrent visit that wins the race leaves a marker at least as
    far on. Callers have checked the person may read the thread.
    """
    if not user.is_authenticated or not post_id:
        return
    if known is None:
        ThreadSubscription.objects.bulk_create(
            [ThreadSubscription(thread=thread, user=user, last_read_post_id=post_id)],
            ignore_conflicts=True,
        )
    elif post_id > known:
        ThreadSubscription.objects.filter(
            thread=thread, user=user, last_read_post_id__lt=post_id
        ).update(last_read_post_id=post_id)


# -- starting and replying --------------------------------------------------------------------


def holds_post(author: User, community: Community) -> bool:
    """Whether a new post of `author` in `community` waits for a moderator's approval:
    the community holds new members' first posts, and none of the author's posts there
    has been published yet (moderators are never held)."""
    if not community.hold_first_posts or permissions.can_moderate(author, community):
        return False
    return not Post.objects.filter(
        community=community, author=author, review_state=ReviewState.PUBLISHED
    ).exists()


def _new_post(
    *,
    thread: Thread,
    community: Community,
    author: User,
    body: str,
    is_first: bool,
    quoted_post: Post | None = None,
    held: bool = False,
) -> Post:
    body_html, mentioned = render_post(body, community)
    post = Post.objects.create(
        review_state=ReviewState.HELD if held else ReviewState.PUBLISHED,
        thread=thread,
        community=community,
        author=author,
        body=body,
        body_html=body_html,
        search_text=(f"{thread.title}\n{body}" if is_first else body),
        is_first=is_first,
        quoted_post=quoted_post,
    )
    _save_mentions(post, mentioned)
    Thread.objects.filter(pk=thread.pk).update(
        post_count=F("post_count") + 1,
        last_activity_at=post.created_at,
        last_post_id_cache=post.pk,
    )
    _follow_as_author(author, thread, post)
    # A held post is told of when it is approved (`publish_post`), as if written then.
    events.publish("post_held" if held else "post_created", post.pk)
    return post


def _set_tags(thread: Thread, community: Community, names: list[str]) -> None:
    if not names:
        thread.tags.clear()
        return
    Tag.objects.bulk_create(
        [Tag(community=community, name=name) for name in names], ignore_conflicts=True
    )
    thread.tags.set(Tag.objects.filter(community=community, name__in=names))


@transaction.atomic
def start_thread(
    *,
    author: User,
    community: Community,
    kind: str,
    title: str,
    body: str,
    category: Category | None = None,
    tags: Iterable[str] = (),
    rate_limit: bool = True,
) -> Thread:
    """A new thread with its first post; the author follows it.

    Raises PermissionDenied when `author` may not post in `community`, ValidationError for
    bad input or when the author has posted POSTS_PER_MINUTE times this minute
    (`rate_limit=False` skips that check, for seeds and test factories). A discussion or a
    question records a `thread_started` activity; ideas and decisions record their own.
    """
    refusal = permissions.post_refusal(author, community)
    if refusal:
        raise PermissionDenied(refusal)
    if kind not in ThreadKind.values:
        raise ValidationError({"kind": _("Choose a valid kind of thread.")})
    title, body = _check_title(title), _check_body(body)
    if category is not None and category.community_id != community.pk:
        raise ValidationError({"category": _("Choose a category of this community.")})
    names = _check_tags(tags)
    if rate_limit:
        _check_post_rate(author)
    held = holds_post(author, community)
    thread = Thread.objects.create(
        community=community,
        category=category,
        kind=kind,
        title=title,
        author=author,
        review_state=ReviewState.HELD if held else ReviewState.PUBLISHED,
    )
    _set_tags(thread, community, names)
    _new_post(
        thread=thread, community=community, author=author, body=body, is_first=True, held=held
    )
    if kind in (ThreadKind.DISCUSSION, ThreadKind.QUESTION):
        record_activity(
            thread=thread, actor=author, kind=ActivityKind.THREAD_STARTED, detail=title[:200]
        )
    thread.refresh_from_db()
    thread.community = community
    return thread


@transaction.atomic
def post_reply(
    *,
    author: User,
    thread: Thread,
    body: str,
    quoted_post: Post | None = None,
    rate_limit: bool = True,
) -> Post:
    """A reply, optionally quoting a post of the same thread; the author follows the thread.

    Raises ValidationError when the author may not reply (not a member, banned, the thread
    locked or closed), for bad text, a quote from elsewhere, or posting too quickly.
    """
    community = thread.community
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.community_id == community.pk:
        thread.community = community  # The caller's, with what it knows of the viewer.
    else:  # Moved meanwhile: the reply goes, and is checked, where the thread is now.
        community = thread.community
    refusal = permissions.reply_refusal(author, thread)
    if refusal:
        raise ValidationError(refusal)
    body = _check_body(body)
    if quoted_post is not None and quoted_post.thread_id != thread.pk:
        raise ValidationError(_("You can only quote posts of the same thread."))
    if rate_limit:
        _check_post_rate(author)
    return _new_post(
        thread=thread,
        community=community,
        author=author,
        body=body,
        is_first=False,
        quoted_post=quoted_post,
        held=holds_post(author, community),
    )


# -- editing and deleting ---------------------------------------------------------------------


@transaction.atomic
def edit_post(*, by: User, post: Post, body: str, title: str | None = None) -> Post:
    """Change a post's text, keeping the previous text as a `PostRevision`.

    `title` renames the thread when `post` is its first post. The author may edit while
    the thread is not locked; moderators always. `post.thread.community` must be loaded.
    """
    thread = post.thread
    community = thread.community
    refusal = permissions.edit_refusal(by, post)
    if refusal:
        raise PermissionDenied(refusal)
    body = _check_body(body)
    new_title = _check_title(title) if (title is not None and post.is_first) else None
    current = Post.objects.select_for_update().get(pk=post.pk)
    if current.is_deleted:
        raise ValidationError(_("This post was deleted."))
    if current.body == body and (new_title is None or new_title == thread.title):
        return post
    PostRevision.objects.create(
        post=current, body=current.body, body_html=current.body_html, edited_by=by
    )
    if new_title is not None and new_title != thread.title:
        Thread.objects.filter(pk=thread.pk).update(title=new_title)
        thread.title = new_title
        ideas.forget_purpose_links()
    body_html, mentioned = render_post(body, community)
    now = timezone.now()
    Post.objects.filter(pk=post.pk).update(
        body=body,
        body_html=body_html,
        search_text=(f"{thread.title}\n{body}" if post.is_first else body),
        edited_at=now,
        revision_count=F("revision_count") + 1,
    )
    _save_mentions(post, mentioned, replace=True)
    search.forget_rankings()
    if current.review_state == ReviewState.HIDDEN:
        # Back to the moderators, who may show it again.
        events.publish("hidden_post_edited", post.pk)
    post.refresh_from_db()
    post.thread = thread
    return post


@transaction.atomic
def delete_post(*, by: User, post: Post, reason: str = "") -> Post:
    """Hide a post, keeping who deleted it and why (moderators still see both).

    The author may delete their own post; moderators any post, giving a reason when the
    post is someone else's. An accepted answer that is deleted stops being accepted.
    """
    refusal = permissions.delete_refusal(by, post)
    if refusal:
        raise PermissionDenied(refusal)
    reason = " ".join(reason.split())
    if len(reason) > DELETION_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("A reason can be at most %(limit)d characters.")
                % {"limit": DELETION_REASON_MAX_LENGTH}
            }
        )
    if post.author_id != by.pk and not reason:
        raise ValidationError({"reason": _("Say why you delete someone else's post.")})
    now = timezone.now()
    updated = Post.objects.filter(pk=post.pk, deleted_at__isnull=True).update(
        deleted_at=now, deleted_by=by, deletion_reason=reason
    )
    if not updated:
        raise ValidationError(_("This post was already deleted."))
    Thread.objects.filter(pk=post.thread_id, accepted_answer=post).update(accepted_answer=None)
    post.deleted_at, post.deleted_by, post.deletion_reason = now, by, reason
    return post


# -- reactions and answers --------------------------------------------------------------------


@transaction.atomic
def toggle_reaction(*, user: User, post: Post, kind: str) -> bool:
    """Add `user`'s reaction of `kind` to `post`, or take it back. True when added.

    The unique (post, user, kind) constraint settles two clicks racing each other.
    """
    if kind not in ReactionKind.values:
        raise ValidationError(_("Choose one of the offered reactions."))
    refusal = permissions.react_refusal(user, post)
    if refusal:
        raise PermissionDenied(refusal)
    deleted, _rows = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
    if deleted:
        return False
    Reaction.objects.bulk_create([Reaction(post=post, user=user, kind=kind)], ignore_conflicts=True)
    return True


@transaction.atomic
def set_reaction(*, user: User, post: Post, kind: str, present: bool) -> bool:
    """Give (`present`) or take back `user`'s reaction of `kind` to `post`, whatever was
    there before: sending it twice changes nothing. True when something changed. Taking
    a reaction back is refused only for a deleted post, as adding one is."""
    if kind not in ReactionKind.values:
        raise ValidationError({"kind": _("Choose one of the offered reactions.")})
    refusal = permissions.react_refusal(user, post)
    if refusal:
        raise PermissionDenied(refusal)
    if not present:
        deleted, _rows = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
        return bool(deleted)
    _reaction, created = Reaction.objects.get_or_create(post=post, user=user, kind=kind)
    return created


@transaction.atomic
def accept_answer(*, by: User, thread: Thread, post: Post | None) -> None:
    """Mark `post` as the accepted answer of a question (None takes the mark away).

    The asker or a moderator may; the answer must be a visible reply in the thread.
    """
    permissions.require_read(by, thread)
    refusal = permissions.accept_refusal(by, thread)
    if refusal:
        raise PermissionDenied(refusal)
    if thread.kind != ThreadKind.QUESTION:
        raise ValidationError(_("Only questions have accepted answers."))
    if post is not None and (post.thread_id != thread.pk or post.is_first or post.is_deleted):
        raise ValidationError(_("Choose a reply in this question as its answer."))
    Thread.objects.filter(pk=thread.pk).update(accepted_answer=post)
    thread.accepted_answer = post


# -- moderation -------------------------------------------------------------------------------


@transaction.atomic
def set_thread_state(
    *,
    by: User,
    thread: Thread,
    pinned: bool | None = None,
    locked: bool | None = None,
    closed: bool | None = None,
) -> Thread:
    """Pin, lock or close a thread (or undo it). Moderators only; None leaves a flag alone."""
    permissions.require_moderate(by, thread.community)
    changes = {
        field: value
        for field, value in (("is_pinned", pinned), ("is_locked", locked), ("is_closed", closed))
        if value is not None
    }
    if changes:
        Thread.objects.filter(pk=thread.pk).update(**changes)
        for field, value in changes.items():
            setattr(thread, field, value)
    return thread


@transaction.atomic
def move_thread(
    *, by: User, thread: Thread, target: Community, confirm_wider: bool = False
) -> Thread:
    """Move a thread, with everything that points at its community, to `target`.

    When more people would be able to read it there (`readers_wider` in the access
    module), the mover must confirm. The category is dropped (categories belong to one
    community), tags are re-created in the target, its posts (which carry their
    community for the access rule), the feed's activity and the notifications about it
    follow the thread, and goal links to another purpose's goals
    are removed.
    """
    refusal = permissions.move_refusal(by, thread, target)
    if refusal:
        raise PermissionDenied(refusal)
    source = thread.community
    if community_permissions.readers_wider(source, target) and not confirm_wider:
        raise ValidationError(
            {
                "confirm": _(
                    "More people can read %(target)s than %(source)s. Confirm the move to "
                    "show them this thread."
                )
                % {"target": target.name, "source": source.name}
            }
        )
    names = list(thread.tags.values_list("name", flat=True))
    Thread.objects.filter(pk=thread.pk).update(community=target, category=None, moved_from=source)
    # After the thread's row, whose lock a reply takes first: a reply written meanwhile
    # is either here already or written after the move, into the target.
    Post.objects.filter(thread=thread).update(community=target)
    _set_tags(thread, target, names)
    Activity.objects.filter(thread=thread).update(community=target)
    Idea.objects.filter(thread=thread).update(community=target)
    if target.purpose_id != source.purpose_id:
        Idea.objects.filter(thread=thread).exclude(challenge__purpose_id=target.purpose_id).update(
            challenge=None
        )
        GoalLink.objects.filter(thread=thread).exclude(goal__purpose_id=target.purpose_id).delete()
    thread.community, thread.category, thread.moved_from = target, None, source
    thread.category_id = None
    # Notifications about the thread follow it too: their list and emails check the
    # access rule of the community it is in now.
    events.publish("thread_moved", thread.pk)
    audit.record(
        actor=by,
        action="thread_move",
        community=source,
        target=thread,
        target_label=thread.title,
        subject=thread.author,
        before={"community": source.slug},
        after={"community": target.slug},
    )
    return thread


# -- review by moderators ---------------------------------------------------------------------


def set_review_state(*, post: Post, state: str, note: str = "") -> None:
    """Hide, hold or publish a post; a thread's first post takes its thread along (the
    thread is what lists show). Called by the moderation services, which check who acts
    and record it; `note` is shown to the author of a hidden post."""
    Post.objects.filter(pk=post.pk).update(review_state=state, review_note=note[:500])
    if post.is_first:
        Thread.objects.filter(pk=post.thread_id).update(review_state=state)
    post.review_state, post.review_note = state, note[:500]
    # A post shown again is found again at once.
    search.forget_rankings()


def publish_post(*, post: Post) -> None:
    """Publish a held post: its notifications then go out as for a post written now."""
    set_review_state(post=post, state=ReviewState.PUBLISHED)
    events.publish("post_created", post.pk)
