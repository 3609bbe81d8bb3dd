"""A thread page's posts, rendered once and kept in the cache for every reader who sees
the same markup.

Rendering thirty posts is most of a thread page's time. What a post looks like depends on
the post, its author, its reactions, the reader's rights on it (react, edit, flag,
accept, delete, see revisions and deletion details), whether it is new to the reader,
the language and the time zone. The cache key is a digest of all of those values, read
from the decorated posts (`selectors.threads.thread_posts`): any change to a post, its
reactions or its author, and any difference between two readers that the markup would
show, gives another key. Readers whose posts would look the same share one entry. The
markup carries nothing of the reader's own beyond what the key holds: the forms' CSRF
fields are added by the page around it (`post_form_tokens`).
"""

import hashlib
from functools import lru_cache

from django.core.cache import cache
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone, translation
from markupsafe import Markup

from accounts.models import User
from discussions.models import Post, Thread

POST_LIST_TEMPLATE = "discussions/threads/_post_list.html"
# The templates whose markup the entries hold: an edit to any of them starts new keys.
_TEMPLATES = (
    POST_LIST_TEMPLATE,
    "discussions/macros/threads.html",
    "macros/people.html",
    "macros/time.html",
)
CACHE_SECONDS = 10 * 60


@lru_cache(maxsize=1)
def _templates_digest() -> str:
    environment = engines["jinja2"].env
    digest = hashlib.blake2b(digest_size=8)
    for name in _TEMPLATES:
        source, _filename, _uptodate = environment.loader.get_source(environment, name)
        digest.update(source.encode())
    return digest.hexdigest()


def _person(person: User | None) -> tuple | None:
    if person is None:
        return None
    return (person.pk, person.display_name, person.email, person.member_type, str(person.avatar))


def _post_values(post: Post, viewer_id: int | None) -> tuple:
    """Every value of `post` the post macro shows or decides by."""
    quoted = getattr(post, "quoted_post", None) if post.quoted_post_id else None
    return (
        post.pk,
        post.is_first,
        post.created_at,
        post.edited_at,
        post.review_state,
        post.review_note,
        post.author_id == viewer_id,
        post.deleted_at,
        post.deletion_reason,
        _person(post.deleted_by) if post.deleted_by_id else None,
        post.body_html,
        _person(post.author),
        post.quoted_post_id,
        post.quote_excerpt,
        _person(quoted.author) if quoted is not None else None,
        tuple((reaction.kind, reaction.count, reaction.mine) for reaction in post.reaction_list),
        post.is_new,
        post.is_accepted,
        post.can_react,
        post.can_edit,
        post.can_flag,
        post.can_accept,
        post.can_delete,
        post.can_see_revisions,
        post.show_deletion_details,
    )


def post_list_key(
    *,
    thread: Thread,
    posts: list[Post],
    accepted: Post | None,
    viewer_id: int | None,
    can_reply: bool,
) -> str:
    values = (
        _templates_digest(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        thread.community.slug,
        thread.pk,
        can_reply,
        (accepted.pk, _person(accepted.author), accepted.body_html) if accepted else None,
        tuple(_post_values(post, viewer_id) for post in posts),
    )
    digest = hashlib.blake2b(repr(values).encode(), digest_size=20).hexdigest()
    return f"posts:{digest}"


def post_list(
    *,
    thread: Thread,
    posts: list[Post],
    accepted: Post | None,
    viewer: User,
    can_reply: bool,
) -> Markup:
    """The markup of `posts` (the `post_list` macro) for `viewer`, from the cache when a
    reader who sees the same has had it rendered in the last `CACHE_SECONDS`."""
    if not posts:
        return Markup()
    viewer_id = viewer.pk if viewer.is_authenticated else None
    key = post_list_key(
        thread=thread, posts=posts, accepted=accepted, viewer_id=viewer_id, can_reply=can_reply
    )
    markup = cache.get(key)
    if markup is None:
        markup = render_to_string(
            POST_LIST_TEMPLATE,
            {
                "posts": posts,
                "accepted": accepted,
                "thread": thread,
                "viewer_id": viewer_id,
                "can_reply": can_reply,
            },
        )
        cache.set(key, markup, CACHE_SECONDS)
    # The template engine wrote it, escaping every value: it is markup, not text.
    return Markup(markup)  # noqa: S704
