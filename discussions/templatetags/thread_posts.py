"""The posts of a thread page, built in Python.

A page shows thirty posts, and for a signed-in member each carries four reaction forms,
its actions (quote, edit, accept, delete) and their permission-dependent markup. As
included templates that cost several times more than the page's queries; this builds the
same markup from the posts `discussions.selectors.threads.thread_posts` decorates, with
every label translated, every address reversed and the CSRF field rendered once per page.

Every value from people (names, quote excerpts, deletion reasons) is escaped here; post
bodies are the stored, sanitised `body_html` and go out as they are, as before.
"""

import datetime

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from accounts.templatetags.people import avatar, name_html
from core.formatting import time_element
from discussions.models import Post, Thread

register = template.Library()

_PLACEHOLDER = 987654321


def _post_address(name: str, slug: str, thread_id: int) -> tuple[str, str]:
    """The address of a post's action as (before, after) the post id: one reverse() per
    page instead of one per post. The id is the path's last number, so the split is
    taken at the last occurrence of the placeholder (a slug may hold digits)."""
    url = reverse(name, args=[slug, thread_id, _PLACEHOLDER])
    before, _found, after = url.rpartition(str(_PLACEHOLDER))
    return before, after


class PostMarkup:
    """What every post of one page shares: addresses, labels, the CSRF field, the viewer.

    Built once per page from the template context (`thread`, `community`, `user`,
    `can_reply`, `csrf_token`).
    """

    def __init__(self, context: template.Context) -> None:
        thread: Thread = context["thread"]
        community = context["community"]
        user = context.get("user")
        self.viewer_id = user.pk if user is not None and user.is_authenticated else None
        self.can_reply = bool(context.get("can_reply"))
        self.thread_url = thread.get_absolute_url()
        slug, thread_id = community.slug, thread.pk
        self.react = _post_address("post_react", slug, thread_id)
        self.edit = _post_address("post_edit", slug, thread_id)
        self.revisions = _post_address("post_revisions", slug, thread_id)
        self.accept = _post_address("post_accept", slug, thread_id)
        self.delete = _post_address("post_delete", slug, thread_id)
        self.csrf = CsrfTokenNode().render(context)
        self.names: dict[tuple, str] = {}
        self.escaped: dict[str, str] = {}
        # Literal gettext() calls, so that makemessages finds them.
        label = {
            "former_member": gettext("A former member"),
            "a_former_member": gettext("a former member"),
            "edited": gettext("edited"),
            "new": gettext("New"),
            "accepted": gettext("Accepted answer"),
            "deleted_by": gettext("Deleted by"),
            "reason_colon": gettext("reason:"),
            "show_deleted": gettext("Show the deleted text"),
            "was_deleted": gettext("This post was deleted."),
            "quoted_deleted": gettext("Quoted a post that was deleted."),
            "wrote": gettext("wrote"),
            "quote": gettext("Quote"),
            "edit": gettext("Edit"),
            "unmark": gettext("Unmark as answer"),
            "accept": gettext("Accept as answer"),
            "delete": gettext("Delete"),
            "reason": gettext("Reason"),
            "optional": gettext("(optional)"),
            "delete_post": gettext("Delete this post"),
            "see_in_thread": gettext("see it in the thread"),
        }
        label = {key: escape(text) for key, text in label.items()}
        self.label = label
        self.badges = {
            "new": f'<span class="badge badge-new">{label["new"]}</span>',
            "accepted": f'<span class="badge badge-open">{label["accepted"]}</span>',
        }

    def text(self, value: str) -> str:
        """`value` escaped, once per page (reaction kinds and labels repeat on every post)."""
        if value not in self.escaped:
            self.escaped[value] = escape(value)
        return self.escaped[value]

    def time(self, moment: datetime.datetime) -> str:
        return time_element(moment)

    def name(self, person, *, link: bool = True, picture: bool = True) -> str:
        """`person_name` of a post's author (or deleter), once per person and style."""
        key = (person.pk, link, picture)
        if key not in self.names:
            self.names[key] = name_html(
                person, link=link, picture=avatar(person, "sm") if picture else ""
            )
        return self.names[key]

    def post_link(self, post_id: int) -> str:
        """The page starting at a post, scrolled to it."""
        return f"{self.thread_url}?after={post_id - 1}#post-{post_id}"


def _reactions(post: Post, parts: PostMarkup, error: str | None = None) -> str:
    """The reaction counts of a post: a form per kind for people who may react, the
    non-zero counts for others."""
    pk = post.pk
    html = [f'<div class="reactions" id="reactions-{pk}">\n']
    if error:
        html.append(f'<p class="message message-error" role="alert">{escape(error)}</p>\n')
    if post.can_react:
        url = f"{parts.react[0]}{pk}{parts.react[1]}"
        form = (
            f'<form method="post" action="{url}" class="inline-form" hx-post="{url}" '
            f'hx-target="#reactions-{pk}" hx-swap="outerHTML">\n{parts.csrf}\n'
        )
        for reaction in post.reaction_list:
            label = parts.text(reaction.label)
            mine = reaction.mine
            html.append(
                f'{form}<input type="hidden" name="kind" value="{parts.text(reaction.kind)}">\n'
                f'<button type="submit" class="reaction{" reaction-mine" if mine else ""}" '
                f'aria-pressed="{"true" if mine else "false"}" title="{label}">'
                f'<span aria-hidden="true">{reaction.symbol}</span>'
                f'<span class="visually-hidden">{label}</span> '
                f'<span class="reaction-count">{reaction.count}</span></button>\n</form>\n'
            )
    else:
        html.extend(
            f'<span class="reaction" title="{parts.text(reaction.label)}">'
            f'<span aria-hidden="true">{reaction.symbol}</span>'
            f'<span class="visually-hidden">{parts.text(reaction.label)}</span> '
            f'<span class="reaction-count">{reaction.count}</span></span>'
            for reaction in post.reaction_list
            if reaction.count
        )
        html.append("\n")
    html.append("</div>")
    return "".join(html)


def _deleted(post: Post, parts: PostMarkup) -> str:
    label = parts.label
    if not post.show_deletion_details:
        return f'<p class="muted post-deletion">{label["was_deleted"]}</p>\n'
    by = parts.name(post.deleted_by, picture=False) if post.deleted_by else label["a_former_member"]
    reason = (
        f" — {label['reason_colon']} {escape(post.deletion_reason)}" if post.deletion_reason else ""
    )
    return (
        f'<p class="notice post-deletion" role="note">{label["deleted_by"]} {by} '
        f"{parts.time(post.deleted_at)}{reason}</p>\n"
        f'<details class="post-deleted-text"><summary>{label["show_deleted"]}</summary>'
        f'<div class="prose">{post.body_html}</div></details>\n'
    )


def _quote(post: Post, parts: PostMarkup) -> str:
    label = parts.label
    if not post.quote_excerpt:
        return (
            f'<blockquote class="post-quote">\n<p class="muted">{label["quoted_deleted"]}</p>\n'
            "</blockquote>\n"
        )
    author = post.quoted_post.author
    by = parts.name(author, link=False, picture=False) if author else label["former_member"]
    return (
        f'<blockquote class="post-quote">\n<p class="post-quote-by">{by} '
        f'<a href="{parts.post_link(post.quoted_post_id)}">{label["wrote"]}</a>:</p>\n'
        f"<p>{escape(post.quote_excerpt)}</p>\n</blockquote>\n"
    )


def _actions(post: Post, parts: PostMarkup) -> str:
    label, pk = parts.label, post.pk
    html = ['<div class="post-actions">\n']
    if parts.can_reply:
        html.append(f'<a href="{parts.thread_url}?quote={pk}#reply">{label["quote"]}</a>\n')
    if post.can_edit:
        html.append(f'<a href="{parts.edit[0]}{pk}{parts.edit[1]}">{label["edit"]}</a>\n')
    if post.can_accept:
        if post.is_accepted:
            button = (
                '<input type="hidden" name="action" value="clear">'
                f'<button type="submit" class="link-button">{label["unmark"]}</button>'
            )
        else:
            button = f'<button type="submit" class="link-button">{label["accept"]}</button>'
        html.append(
            f'<form method="post" action="{parts.accept[0]}{pk}{parts.accept[1]}" '
            f'class="inline-form">\n{parts.csrf}\n{button}\n</form>\n'
        )
    if post.can_delete:
        own = post.author_id == parts.viewer_id
        html.append(
            f'<details class="post-delete">\n<summary>{label["delete"]}</summary>\n'
            f'<form method="post" action="{parts.delete[0]}{pk}{parts.delete[1]}" class="form">\n'
            f"{parts.csrf}\n"
            f'<div class="field"><label for="reason-{pk}">{label["reason"]}'
            f"{' ' + label['optional'] if own else ''}</label>"
            f'<input id="reason-{pk}" name="reason" maxlength="300"{"" if own else " required"}>'
            "</div>\n"
            '<div class="form-actions"><button type="submit" class="button button-danger">'
            f"{label['delete_post']}</button></div>\n</form>\n</details>\n"
        )
    html.append("</div>\n")
    return "".join(html)


def _article(post: Post, parts: PostMarkup) -> str:
    """One post: who wrote it when, its flags, its text (or why it is gone), its
    reactions and what the viewer may do with it."""
    label, pk = parts.label, post.pk
    classes = "post"
    if post.is_first:
        classes += " post-first"
    if post.is_new:
        classes += " post-new"
    if post.is_accepted:
        classes += " post-accepted"
    deleted = post.is_deleted
    if deleted:
        classes += " post-deleted"
    author = (
        parts.name(post.author)
        if post.author
        else f'<span class="person">{label["former_member"]}</span>'
    )
    header = [
        f'<article class="{classes}" id="post-{pk}" aria-labelledby="post-{pk}-by">\n'
        f'<header class="post-header">\n<p class="post-by" id="post-{pk}-by">\n{author}\n'
        f'<a class="muted post-time" href="{parts.post_link(pk)}">'
        f"{parts.time(post.created_at)}</a>\n"
    ]
    if post.edited_at and not deleted:
        edited = label["edited"]
        if post.can_see_revisions:
            edited = f'<a href="{parts.revisions[0]}{pk}{parts.revisions[1]}">{edited}</a>'
        header.append(f'<span class="muted">· {edited}</span>\n')
    if post.is_new:
        header.append(f"{parts.badges['new']}\n")
    if post.is_accepted:
        header.append(f"{parts.badges['accepted']}\n")
    header.append("</p>\n</header>\n")
    if deleted:
        body = _deleted(post, parts)
    else:
        body = (
            f"{_quote(post, parts) if post.quoted_post_id else ''}"
            f'<div class="prose post-body">{post.body_html}</div>\n'
            f'<footer class="post-footer">\n{_reactions(post, parts)}\n'
            f"{_actions(post, parts)}</footer>\n"
        )
    return f"{''.join(header)}{body}</article>"


def _accepted_answer(accepted: Post, parts: PostMarkup) -> str:
    """The accepted answer, shown again under the question."""
    label = parts.label
    by = parts.name(accepted.author, picture=False) if accepted.author else label["former_member"]
    return (
        '<section class="card accepted-answer" aria-labelledby="accepted-heading">\n'
        f'<h2 id="accepted-heading">{label["accepted"]}</h2>\n'
        f'<p class="muted">{by} · '
        f'<a href="{parts.post_link(accepted.pk)}">{label["see_in_thread"]}</a></p>\n'
        f'<div class="prose">{accepted.body_html}</div>\n</section>'
    )


@register.simple_tag(takes_context=True)
def thread_post_list(context, posts: list[Post], accepted: Post | None = None) -> SafeString:
    """Every post of the page, with the accepted answer repeated under the question."""
    parts = PostMarkup(context)
    html = []
    for post in posts:
        html.append(_article(post, parts))
        if post.is_first and accepted:
            html.append(_accepted_answer(accepted, parts))
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped


@register.simple_tag(takes_context=True)
def post_reactions(context, post: Post) -> SafeString:
    """A post's reactions; `error` in the context is shown above them (htmx updates)."""
    html = _reactions(post, PostMarkup(context), context.get("error"))
    return mark_safe(html)  # noqa: S308 - every value above is escaped
