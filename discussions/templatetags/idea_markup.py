"""The rows of a community's idea list and the vote widget, built in Python.

The idea list shows a page of ideas, each with its vote widget (a form with a CSRF field
for people who may vote), status, challenge, tags, author, date and comment count. As
included templates that cost as much as the page's queries; this builds the same markup
with every label translated, every address reversed and the CSRF field rendered once per
page. The vote widget has this one builder: the list, the idea page's panel and the htmx
response to a vote (`discussions/ideas/_vote.html`) all use it, so they cannot drift apart.

Every value from people (titles, tags, names, challenge titles) is escaped here.
"""

from urllib.parse import quote

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from accounts.templatetags.people import name_html
from core.formatting import date_element
from discussions.models import Idea, IdeaStatus

register = template.Library()

_PLACEHOLDER = 987654321


def _address(name: str, slug: str) -> tuple[str, str]:
    """The address of a thread's page or action as (before, after) its id: one reverse()
    per page instead of one per idea (split at the placeholder's last occurrence, as a
    slug may hold digits)."""
    url = reverse(name, args=[slug, _PLACEHOLDER])
    before, _found, after = url.rpartition(str(_PLACEHOLDER))
    return before, after


def _status_badge(status: str) -> str:
    label = escape(IdeaStatus(status).label)
    return f'<span class="badge idea-status idea-status-{escape(status)}">{label}</span>'


class VoteMarkup:
    """What every vote widget of one page shares: its address, labels, the CSRF field,
    the `next` field and the viewer.

    Built once per page from the template context (`community`, `user`, `request`,
    `csrf_token` and, for htmx responses, `next_url`).
    """

    def __init__(self, context: template.Context) -> None:
        community = context["community"]
        user = context.get("user")
        request = context.get("request")
        full_path = request.get_full_path() if request is not None else ""
        self.signed_in = user is not None and user.is_authenticated
        self.vote = _address("idea_vote", community.slug)
        self.csrf = CsrfTokenNode().render(context)
        self.next = escape(context.get("next_url") or full_path)
        login = reverse("account_login")
        sign_in = escape(gettext("Sign in to vote"))
        self.sign_in = (
            f'<p class="muted"><a href="{login}?next={escape(quote(full_path, safe="/"))}">'
            f"{sign_in}</a></p>"
        )
        self.label = {
            "voted": escape(gettext("You voted")),
            "withdraw": escape(gettext("Withdraw vote")),
            "vote": escape(gettext("Vote")),
            "for": escape(gettext("for “%(title)s”")),
        }

    def widget(self, idea: Idea, problem: str | None = None) -> str:
        """The vote count and what the viewer may do: withdraw, vote, sign in, or why not."""
        pk, label = idea.pk, self.label
        votes = escape(ngettext("vote", "votes", idea.vote_count))
        html = [
            f'<div class="idea-vote" id="idea-vote-{pk}">',
            f'<p class="idea-vote-count"><strong>{idea.vote_count}</strong> '
            f"<span>{votes}</span></p>",
        ]
        if idea.viewer_can_withdraw or idea.viewer_can_vote:
            url = f"{self.vote[0]}{idea.thread_id}{self.vote[1]}"
            html.append(
                f'<form method="post" action="{url}" hx-post="{url}" '
                f'hx-target="#idea-vote-{pk}" hx-swap="outerHTML">'
            )
            if self.csrf:
                html.append(self.csrf)
            hidden = label["for"] % {"title": escape(idea.thread.title)}
            if idea.viewer_voted:
                html.append('<input type="hidden" name="action" value="withdraw">')
            html.append(f'<input type="hidden" name="next" value="{self.next}">')
            if idea.viewer_voted:
                html.append(f'<p class="idea-voted">{label["voted"]}</p>')
                style, text = "button-secondary", label["withdraw"]
            else:
                style, text = "button-primary", label["vote"]
            html.append(
                f'<button type="submit" class="button {style} button-small">{text}'
                f'<span class="visually-hidden"> {hidden}</span></button>'
            )
            html.append("</form>")
        elif not self.signed_in:
            html.append(self.sign_in)
        elif idea.viewer_vote_refusal:
            if idea.viewer_voted:
                html.append(f'<p class="idea-voted">{label["voted"]}</p>')
            html.append(
                f'<p class="muted idea-vote-refusal">{escape(idea.viewer_vote_refusal)}</p>'
            )
        if problem:
            html.append(f'<p class="message message-error" role="alert">{escape(problem)}</p>')
        html.append("</div>")
        return "\n".join(html)


@register.simple_tag(takes_context=True)
def idea_vote(context, idea: Idea) -> SafeString:
    """An idea's vote widget; `problem` in the context is shown under it (htmx updates)."""
    html = VoteMarkup(context).widget(idea, context.get("problem"))
    return mark_safe(html)  # noqa: S308 - every value above is escaped


@register.simple_tag
def idea_status_badge(idea: Idea) -> SafeString:
    return mark_safe(_status_badge(idea.status))  # noqa: S308 - escaped above


@register.simple_tag(takes_context=True)
def idea_rows(context, ideas: list[Idea]) -> SafeString:
    """`<li>` rows for a page of the community's `ideas`: vote widget, title, status,
    challenge, tag links, author, date and comment count."""
    votes = VoteMarkup(context)
    thread = _address("thread_detail", context["community"].slug)
    badges = {value: _status_badge(value) for value in IdeaStatus.values}
    challenge_label = escape(gettext("Challenge: %(title)s"))
    names: dict[int, str] = {}
    rows = []
    for idea in ideas:
        topic = idea.thread
        meta = [badges[idea.status]]
        if idea.shown_challenge:
            title = escape(idea.shown_challenge.title)
            meta.append(
                f'<span class="badge idea-challenge">{challenge_label % {"title": title}}</span>'
            )
        meta.extend(
            f'<a class="idea-tag" href="?tag={escape(quote(tag.name, safe="/"))}">'
            f"#{escape(tag.name)}</a>"
            for tag in topic.tag_list
        )
        byline = ""
        if topic.author:
            if topic.author_id not in names:
                names[topic.author_id] = name_html(topic.author)
            byline = f"{names[topic.author_id]} · "
        comments = topic.post_count - 1
        count = escape(ngettext("%(count)s comment", "%(count)s comments", comments))
        rows.append(
            f'<li class="card idea-row">\n{votes.widget(idea)}\n<div class="idea-summary">\n'
            f'<h2 class="idea-title"><a href="{thread[0]}{topic.pk}{thread[1]}">'
            f"{escape(topic.title)}</a></h2>\n"
            f'<p class="idea-meta">\n{" ".join(meta)}\n</p>\n'
            f'<p class="muted">\n{byline}{date_element(idea.created_at)}\n'
            f"· {count % {'count': comments}}\n</p>\n</div>\n</li>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
