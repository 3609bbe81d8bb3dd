"""The purpose page's list of ideas linked to its goals, built in Python.

The page lists up to `PURPOSE_IDEAS_LIMIT` linked ideas; a template per row (a link, a
plural, a loop over goals) cost more than the page's queries. This builds the same markup
from `discussions.selectors.ideas.LinkedIdea` rows, translating each label once per page
and reversing one thread address per community. (`html.escape` is what Django's `escape`
does, without its lazy-string wrapper: it runs a few hundred times per page.)
"""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from discussions.selectors.ideas import LinkedIdea

register = template.Library()

_PLACEHOLDER = 987654321


def _thread_address(slug: str) -> tuple[str, str]:
    """A community's thread address as (before, after) the thread id."""
    url = reverse("thread_detail", kwargs={"slug": slug, "thread_id": _PLACEHOLDER})
    before, _found, after = url.rpartition(str(_PLACEHOLDER))
    return before, after


@register.simple_tag
def linked_idea_groups(by_status: list[tuple[str, list[LinkedIdea]]]) -> SafeString:
    """A section per status (its label and how many), listing each idea with a link to its
    thread, its community, its votes and the goals it is linked to."""
    communities: dict[str, tuple[str, str, str]] = {}  # slug: address parts, name
    votes: dict[int, str] = {}
    metrics: dict[int, str] = {}
    sections = []
    for number, (status, entries) in enumerate(by_status, start=1):
        rows = []
        for entry in entries:
            slug = entry.community_slug
            if slug not in communities:
                communities[slug] = (*_thread_address(slug), escape(entry.community_name))
            before, after, community = communities[slug]
            count = entry.vote_count
            if count not in votes:
                text = ngettext("%(count)s vote", "%(count)s votes", count) % {"count": count}
                votes[count] = escape(text)
            for goal in entry.goals:
                if goal.pk not in metrics:
                    metrics[goal.pk] = escape(goal.metric)
            goals = ", ".join(metrics[goal.pk] for goal in entry.goals)
            rows.append(
                f'<li>\n<a href="{before}{entry.thread_id}{after}">{escape(entry.title)}</a>\n'
                f'<span class="muted">· {community} · {votes[count]} · '
                f"{goals}</span>\n</li>\n"
            )
        sections.append(
            f'<section class="card purpose-ideas-group" aria-labelledby="purpose-ideas-{number}">\n'
            f'<h3 id="purpose-ideas-{number}">{escape(str(status))} '
            f'<span class="muted">({len(entries)})</span></h3>\n'
            f'<ul class="plain-list">\n{"".join(rows)}</ul>\n</section>'
        )
    return mark_safe("\n".join(sections))  # noqa: S308 - every value above is escaped
