"""A thread page's posts, a thread list's rows and an idea list's rows, rendered once and
kept in the cache for every reader who sees the same markup.

Rendering thirty posts is most of a thread page's time, and the rows most of a list's.
Each entry's key is a digest of every value its markup shows or decides by, read from
the selectors' rows, with the language and the time zone: any change to a row, and any
difference between two readers that the markup would show, gives another key. Readers
who would see the same share one entry.

What a post looks like depends on the post, its author, its reactions, the reader's
rights on it (react, edit, flag, accept, delete, see revisions and deletion details) and
whether it is new to the reader; a thread row shows only its `ThreadRow` (the reader's
unread markers included); an idea row shows the idea and the reader's vote state. The
markup carries nothing of the reader's own beyond what the key holds: the forms' CSRF
fields are added by the page around it (`post_form_tokens`, `vote_form_tokens`) and
linked to the forms by their ids.
"""

from markupsafe import Markup

from accounts.models import User
from core.shown_cache import rendered, shown_key, templates_digest
from discussions.forms import ReplyForm
from discussions.models import Post, Thread
from discussions.selectors.ideas import IdeaRow
from discussions.selectors.threads import ThreadRow

POST_LIST_TEMPLATE = "discussions/threads/_post_list.html"
THREAD_ROWS_TEMPLATE = "discussions/threads/_thread_rows.html"
IDEA_ROWS_TEMPLATE = "discussions/ideas/_idea_list_rows.html"
REPLY_FIELDS_TEMPLATE = "discussions/threads/_reply_fields.html"
# The templates whose markup the entries hold: an edit to any of them starts new keys.
_TEMPLATES = (
    POST_LIST_TEMPLATE,
    THREAD_ROWS_TEMPLATE,
    IDEA_ROWS_TEMPLATE,
    "discussions/macros/threads.html",
    "discussions/macros/ideas.html",
    "macros/people.html",
    "macros/time.html",
    REPLY_FIELDS_TEMPLATE,
    "macros/forms.html",
)


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
    return _key(
        "posts",
        thread.community.slug,
        thread.pk,
        can_reply,
        (accepted.pk, _person(accepted.author), accepted.body_html) if accepted else None,
        tuple(_post_values(post, viewer_id) for post in posts),
    )


def _key(kind: str, *values) -> str:
    """The entry's key: what it shows, and the templates that wrote it."""
    return shown_key(kind, templates_digest(_TEMPLATES), *values)


def post_list(
    *,
    thread: Thread,
    posts: list[Post],
    accepted: Post | None,
    viewer: User,
    can_reply: bool,
) -> Markup:
    """The markup of `posts` (the `post_list` macro) for `viewer`, from the cache when a
    reader who sees the same has had it rendered (`core.shown_cache`)."""
    if not posts:
        return Markup()
    viewer_id = viewer.pk if viewer.is_authenticated else None
    key = post_list_key(
        thread=thread, posts=posts, accepted=accepted, viewer_id=viewer_id, can_reply=can_reply
    )
    return rendered(
        key,
        POST_LIST_TEMPLATE,
        {
            "posts": posts,
            "accepted": accepted,
            "thread": thread,
            "viewer_id": viewer_id,
            "can_reply": can_reply,
        },
    )


def reply_fields(form: ReplyForm) -> Markup:
    """The fields of a thread page's reply form (the `form_fields` macro). An empty form
    is the same for every reader but for the post it quotes: it is rendered once per
    quoted post (and language), since Django's field templates cost a member's thread
    page more than its posts' markup from the cache. A submitted form, with the reader's
    text and errors, is rendered for them alone."""
    key = None if form.is_bound else _key("reply-fields", form.initial.get("quoted_post"))
    return rendered(key, REPLY_FIELDS_TEMPLATE, {"form": form})


def thread_rows(rows: list[ThreadRow], community_slug: str, *, show_tags: bool) -> Markup:
    """The `<li>` rows of `rows` (the `thread_rows` macro), from the cache when a reader
    with the same rows (unread markers included) has had them rendered."""
    if not rows:
        return Markup()
    # A ThreadRow's repr names every field it holds, so every value a row shows.
    key = _key("thread-rows", community_slug, show_tags, tuple(repr(row) for row in rows))
    return rendered(
        key,
        THREAD_ROWS_TEMPLATE,
        {"rows": rows, "community_slug": community_slug, "show_tags": show_tags},
    )


def idea_values(idea: IdeaRow) -> tuple:
    """Every value of `idea` (an `idea_page` row) its row shows or decides by."""
    topic = idea.thread
    challenge = idea.shown_challenge
    refusal = idea.viewer_vote_refusal
    return (
        idea.pk,
        idea.community.slug,
        idea.thread_id,
        topic.title,
        topic.post_count,
        tuple(topic.author) if topic.author is not None else None,
        idea.created_at,
        idea.vote_count,
        idea.status,
        (challenge.pk, challenge.title) if challenge is not None else None,
        tuple(idea.tag_names),
        idea.viewer_voted,
        idea.viewer_can_vote,
        idea.viewer_can_withdraw,
        str(refusal) if refusal is not None else None,
    )


def idea_rows(ideas: list[IdeaRow], viewer: User, next_url: str) -> Markup:
    """The `<li>` rows of a page of ideas (the `idea_rows` macro) for `viewer`, coming back
    to `next_url` after a vote, from the cache when a reader who sees the same rows has
    had them rendered."""
    if not ideas:
        return Markup()
    key = _key(
        "idea-rows",
        viewer.is_authenticated,
        next_url,
        tuple(idea_values(idea) for idea in ideas),
    )
    return rendered(
        key, IDEA_ROWS_TEMPLATE, {"ideas": ideas, "viewer": viewer, "next_url": next_url}
    )
