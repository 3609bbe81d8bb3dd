"""Rows of a thread list, built in Python.

Thread lists are the busiest pages: a template per row (a dozen conditions, a plural, a
localised date and a name each) cost several times more than the page's queries. This
builds the same markup from `ThreadRow`s with every label translated once per list.
"""

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from accounts.templatetags.people import name_html
from core.formatting import time_element
from discussions.models import ThreadKind
from discussions.selectors.threads import ThreadRow

register = template.Library()


def _badge(css: str, label: str) -> str:
    return f'<span class="badge {css}">{label}</span>'


@register.simple_tag
def thread_rows(
    threads: list[ThreadRow], community_slug: str, show_tags: bool = False
) -> SafeString:
    """`<li>` rows for `threads` of the community at `community_slug`, with their flags,
    author, category, reply count, last activity and (with `show_tags`) tag links."""
    list_url = reverse("thread_list", args=[community_slug])
    flags = {
        "pinned": _badge("badge-status thread-flag", escape(gettext("Pinned"))),
        "new": _badge("badge-new", escape(gettext("New"))),
        "new_posts": _badge("badge-new", escape(gettext("New posts"))),
        "locked": _badge("badge-closed thread-flag", escape(gettext("Locked"))),
        "closed": _badge("badge-closed thread-flag", escape(gettext("Closed"))),
        "answered": _badge("badge-open", escape(gettext("Answered"))),
    }
    kinds = {
        kind: _badge(f"badge-kind badge-kind-{kind}", escape(label))
        for kind, label in ThreadKind.choices
        if kind != ThreadKind.DISCUSSION
    }
    former_member = escape(gettext("A former member"))
    last_activity = escape(gettext("last activity"))
    tags_label = escape(gettext("Tags"))
    rows = []
    for thread in threads:
        title = [flags["pinned"]] if thread.is_pinned else []
        if thread.kind in kinds:
            title.append(kinds[thread.kind])
        title.append(f'<a href="{list_url}{thread.pk}/">{escape(thread.title)}</a>')
        if thread.is_new:
            title.append(flags["new"])
        elif thread.has_new_posts:
            title.append(flags["new_posts"])
        if thread.is_locked:
            title.append(flags["locked"])
        if thread.is_closed:
            title.append(flags["closed"])
        if thread.is_answered:
            title.append(flags["answered"])

        meta = [name_html(thread.author) if thread.author else former_member]
        if thread.category_name:
            meta.append(escape(thread.category_name))
        replies = ngettext("%(count)s reply", "%(count)s replies", thread.reply_count)
        meta.append(escape(replies % {"count": thread.reply_count}))
        meta.append(f"{last_activity} {time_element(thread.last_activity_at)}")

        tags = ""
        if show_tags and thread.tag_names:
            links = "".join(
                f'<li><a class="tag" href="{list_url}?tag={quote(name, safe="")}">'
                f"{escape(name)}</a></li>"
                for name in thread.tag_names
            )
            tags = f'<ul class="tag-list" aria-label="{tags_label}">{links}</ul>'

        pinned = " thread-pinned" if thread.is_pinned else ""
        rows.append(
            f'<li class="thread-row{pinned}"><div class="thread-row-main">'
            f'<p class="thread-row-title">{" ".join(title)}</p>'
            f'<p class="muted thread-row-meta">{" · ".join(meta)}</p>'
            f"{tags}</div></li>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
