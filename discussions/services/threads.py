"""Starting threads and replying. Ideas and decisions start their threads here too."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from communities.models import Category, Community
from core.markdown import render_markdown
from discussions import permissions
from discussions.models import (
    Activity,
    Post,
    Tag,
    Thread,
    ThreadKind,
    ThreadSubscription,
)


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
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Give your thread a title.")})
    if len(title) > 200:
        raise ValidationError({"title": _("A title can be at most 200 characters.")})
    return title


def record_activity(*, thread: Thread, actor: User | None, kind: str, detail: str = "") -> None:
    Activity.objects.create(
        community_id=thread.community_id, thread=thread, actor=actor, kind=kind, detail=detail
    )


def follow(*, user: User, thread: Thread, following: bool = True) -> None:
    ThreadSubscription.objects.update_or_create(
        thread=thread, user=user, defaults={"following": following, "updated_at": timezone.now()}
    )


def _new_post(*, thread: Thread, author: User, body: str, is_first: bool, **extra) -> Post:
    post = Post.objects.create(
        thread=thread,
        author=author,
        body=body,
        body_html=render_markdown(body),
        search_text=(f"{thread.title}\n{body}" if is_first else body),
        is_first=is_first,
        **extra,
    )
    Thread.objects.filter(pk=thread.pk).update(
        post_count=F("post_count") + 1,
        last_activity_at=post.created_at,
        last_post_id_cache=post.pk,
    )
    return post


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
) -> Thread:
    """A new thread with its first post; the author follows it."""
    refusal = permissions.post_refusal(author, community)
    if refusal:
        raise PermissionDenied(refusal)
    if kind not in ThreadKind.values:
        raise ValidationError({"kind": _("Choose a valid kind of thread.")})
    title, body = _check_title(title), _check_body(body)
    if category is not None and category.community_id != community.pk:
        raise ValidationError({"category": _("Choose a category of this community.")})
    thread = Thread.objects.create(
        community=community, category=category, kind=kind, title=title, author=author
    )
    names = {name.strip().lower()[:40] for name in tags if name.strip()}
    if names:
        Tag.objects.bulk_create(
            [Tag(community=community, name=name) for name in names], ignore_conflicts=True
        )
        thread.tags.set(Tag.objects.filter(community=community, name__in=names))
    _new_post(thread=thread, author=author, body=body, is_first=True)
    follow(user=author, thread=thread)
    thread.refresh_from_db()
    return thread


@transaction.atomic
def post_reply(*, author: User, thread: Thread, body: str, quoted_post: Post | None = None) -> Post:
    """A reply; the author follows the thread from now on."""
    thread = Thread.objects.select_for_update().select_related("community").get(pk=thread.pk)
    refusal = permissions.reply_refusal(author, thread)
    if refusal:
        raise ValidationError(refusal)
    body = _check_body(body)
    if quoted_post is not None and quoted_post.thread_id != thread.pk:
        raise ValidationError(_("You can only quote posts of the same thread."))
    post = _new_post(
        thread=thread, author=author, body=body, is_first=False, quoted_post=quoted_post
    )
    follow(user=author, thread=thread)
    return post
