"""The exact markup of the idea list and of the vote widget, per viewer.

Rows and the vote widget are built in Python (discussions.templatetags.idea_markup); these
tests pin what people see on the list (htmx page too), on an idea's panel and in the htmx
response to a vote: the vote count, what the viewer may do (vote, withdraw, sign in, or
why not), status, challenge, tags, author, date and comment count, with every
person-supplied value escaped. Whitespace between tags is normalised: the markup, not the
indentation, is pinned.
"""

import datetime
import re
from html import escape
from urllib.parse import quote

import pytest
from django.urls import reverse

from accounts.models import User
from communities.models import Community
from discussions.models import Idea, IdeaStatus
from discussions.services import ideas as services
from tests.communities.factories import owner_of
from tests.discussions.factories import PostFactory, member_of
from tests.discussions.test_ideas_factories import challenge_of, idea_in, open_community

pytestmark = pytest.mark.django_db

CREATED_AT = datetime.datetime(2026, 3, 4, 9, 5, tzinfo=datetime.UTC)
CREATED = '<time datetime="2026-03-04T09:05:00+00:00">March 4, 2026</time>'
TOKEN = '<input type="hidden" name="csrfmiddlewaretoken" value="TOKEN">'
HOSTILE_TITLE = '<script>alert("x")</script> & more'
HOSTILE_TAG = '<img src=x onerror="x">&'
REFUSAL = "In this community, customer members may comment on ideas but not vote."


def squeeze(html: str) -> str:
    """Whitespace runs as one space, and the per-request CSRF token as TOKEN."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=)"[^"]+"', r'\1"TOKEN"', html)
    return re.sub(r"\s+", " ", html).strip()


def rows(page: str) -> list[str]:
    return [squeeze(row) for row in re.findall(r'<li class="card idea-row">.*?</li>', page, re.S)]


def widget(page: str, idea: Idea) -> str:
    match = re.search(rf'<div class="idea-vote" id="idea-vote-{idea.pk}">.*?\n</div>', page, re.S)
    assert match, f"no vote widget for idea {idea.pk}"
    return squeeze(match.group(0))


def vote(idea: Idea, state: str, *, next_url: str = "/communities/fleet/ideas/", problem=""):
    """The expected vote widget: `state` is voted, can_vote, visitor or refused."""
    count = idea.vote_count
    label = "vote" if count == 1 else "votes"
    url = f"/communities/fleet/ideas/{idea.thread_id}/vote/"
    hidden = f'<span class="visually-hidden"> for “{escape(idea.thread.title)}”</span>'
    form = (
        f'<form method="post" action="{url}" hx-post="{url}" hx-target="#idea-vote-{idea.pk}" '
        f'hx-swap="outerHTML"> {TOKEN} '
    )
    next_field = f'<input type="hidden" name="next" value="{escape(next_url)}">'
    body = {
        "voted": f'{form}<input type="hidden" name="action" value="withdraw"> {next_field} '
        '<p class="idea-voted">You voted</p> '
        f'<button type="submit" class="button button-secondary button-small">Withdraw vote'
        f"{hidden}</button> </form>",
        "can_vote": f'{form}{next_field} <button type="submit" class="button button-primary '
        f'button-small">Vote{hidden}</button> </form>',
        "visitor": '<p class="muted"><a href="/accounts/login/?next='
        f'{escape(quote(next_url, safe="/"))}">Sign in to vote</a></p>',
        "refused": f'<p class="muted idea-vote-refusal">{REFUSAL}</p>',
    }[state]
    error = f' <p class="message message-error" role="alert">{problem}</p>' if problem else ""
    return (
        f'<div class="idea-vote" id="idea-vote-{idea.pk}"> <p class="idea-vote-count">'
        f"<strong>{count}</strong> <span>{label}</span></p> {body}{error} </div>"
    )


def row(idea: Idea, state: str, *, author: User, comments: str, meta: str = "", **vote_args):
    status = (
        f'<span class="badge idea-status idea-status-{idea.status}">'
        f"{IdeaStatus(idea.status).label}</span>"
    )
    person = (
        f'<span class="person"><a href="/people/{author.pk}/">{escape(author.display_name)}</a> '
        '<span class="badge badge-employee">Employee</span></span>'
    )
    return (
        f'<li class="card idea-row"> {vote(idea, state, **vote_args)} <div class="idea-summary"> '
        f'<h2 class="idea-title"><a href="/communities/fleet/threads/{idea.thread_id}/">'
        f"{escape(idea.thread.title)}</a></h2> "
        f'<p class="idea-meta"> {status} {meta}</p> '
        f'<p class="muted"> {person} · {CREATED} · {comments} </p> </div> </li>'
    )


class Scene:
    def __init__(self) -> None:
        community: Community = open_community(slug="fleet")
        Community.objects.filter(pk=community.pk).update(ideas_vote_customers=False)
        community.refresh_from_db()
        self.community = community
        self.owner = owner_of(community)
        self.challenge = challenge_of(community, opens_in_days=-1, closes_in_days=5)
        self.challenge.title = "Fewer <b>cars</b>"
        self.challenge.save()
        self.first = idea_in(
            community,
            title="Night buses",
            challenge=self.challenge,
            tags=["transport", HOSTILE_TAG],
        )
        self.hostile = idea_in(community, title=HOSTILE_TITLE)
        PostFactory(thread=self.hostile.thread, author=self.owner, body="A comment.")
        PostFactory(thread=self.hostile.thread, author=self.owner, body="Another.")
        self.third = idea_in(community, title="Bike lanes")
        services.change_status(
            idea=self.third, by=self.owner, status=IdeaStatus.PLANNED, response="Soon."
        )
        Idea.objects.filter(community=community).update(
            created_at=CREATED_AT, status_changed_at=CREATED_AT
        )
        self.list_url = reverse("idea_list", args=[community.slug])

    def fresh(self) -> tuple[Idea, Idea, Idea]:
        return tuple(
            Idea.objects.select_related("thread").get(pk=idea.pk)
            for idea in (self.third, self.hostile, self.first)
        )

    def expected_rows(self, states: tuple[str, str, str], **vote_args) -> list[str]:
        third, hostile, first = self.fresh()
        tags = (
            f'<a class="idea-tag" href="?tag={escape(quote(HOSTILE_TAG, safe="/"))}">'
            f"#{escape(HOSTILE_TAG)}</a> "
            '<a class="idea-tag" href="?tag=transport">#transport</a> '
        )
        challenge = (
            '<span class="badge idea-challenge">Challenge: Fewer &lt;b&gt;cars&lt;/b&gt;</span> '
        )
        return [
            row(third, states[0], author=self.owner, comments="0 comments", **vote_args),
            row(hostile, states[1], author=self.owner, comments="2 comments", **vote_args),
            row(
                first,
                states[2],
                author=self.owner,
                comments="0 comments",
                meta=challenge + tags,
                **vote_args,
            ),
        ]


@pytest.fixture
def scene() -> Scene:
    return Scene()


def test_visitor_rows(client, scene):
    page = client.get(scene.list_url).content.decode()
    assert rows(page) == scene.expected_rows(("visitor",) * 3)
    assert "<script>alert" not in page
    assert "<img src=x" not in page


def test_visitor_rows_keep_the_query_in_the_sign_in_link(client, scene):
    url = f"{scene.list_url}?sort=new&tag=transport"
    page = client.get(url).content.decode()
    [first] = scene.fresh()[2:]
    assert rows(page) == [scene.expected_rows(("visitor",) * 3, next_url=url)[2]]
    assert widget(page, first) == vote(first, "visitor", next_url=url)


def test_member_rows_voted_and_can_vote(client, scene):
    member = member_of(scene.community, display_name="Mo <b>Member</b>")
    services.vote(user=member, idea=scene.first)
    client.force_login(member)
    page = client.get(scene.list_url).content.decode()
    assert rows(page) == scene.expected_rows(("can_vote", "can_vote", "voted"))
    # The htmx page of rows (filters, next page) is the same markup.
    partial = client.get(scene.list_url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="idea-rows">')
    assert rows(partial) == scene.expected_rows(("can_vote", "can_vote", "voted"))


def test_member_refused_by_the_voter_rule(client, scene):
    customer = member_of(scene.community, member_type="customer")
    client.force_login(customer)
    url = f"{scene.list_url}?challenge={scene.challenge.pk}"
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    [first] = scene.fresh()[2:]
    assert rows(partial) == [scene.expected_rows(("refused",) * 3)[2]]
    assert widget(partial, first) == vote(first, "refused")


def test_empty_list(client, scene):
    partial = client.get(f"{scene.list_url}?tag=nothing", HTTP_HX_REQUEST="true")
    assert squeeze(partial.content.decode()) == (
        '<div id="idea-rows"> <p class="empty-state">No idea matches these filters.</p> </div>'
    )


def test_the_panel_shows_the_same_widget(client, scene):
    hostile = scene.fresh()[1]
    url = hostile.thread.get_absolute_url()
    assert widget(client.get(url).content.decode(), hostile) == vote(
        hostile, "visitor", next_url=url
    )
    client.force_login(member_of(scene.community))
    page = client.get(url).content.decode()
    assert widget(page, hostile) == vote(hostile, "can_vote", next_url=url)
    assert (
        '<p class="idea-meta"> <span class="badge idea-status idea-status-new">New</span> '
        '<span class="muted">since March 4, 2026</span> </p>'
    ) in squeeze(page)


def test_vote_htmx_responses(client, scene):
    client.force_login(member_of(scene.community))
    vote_url = reverse("idea_vote", args=[scene.community.slug, scene.hostile.thread_id])
    back = f"{scene.list_url}?x=1&y=<2>"

    response = client.post(vote_url, {"next": back}, HTTP_HX_REQUEST="true")
    hostile = scene.fresh()[1]
    assert squeeze(response.content.decode()) == vote(hostile, "voted", next_url=back)

    response = client.post(vote_url, {"next": scene.list_url}, HTTP_HX_REQUEST="true")
    assert squeeze(response.content.decode()) == vote(
        hostile, "voted", problem="You have already voted for this idea."
    )

    response = client.post(vote_url, {"action": "withdraw"}, HTTP_HX_REQUEST="true")
    hostile = scene.fresh()[1]
    assert squeeze(response.content.decode()) == vote(
        hostile, "can_vote", next_url=hostile.thread.get_absolute_url()
    )


def test_refused_vote_htmx_response(client, scene):
    client.force_login(member_of(scene.community, member_type="customer"))
    vote_url = reverse("idea_vote", args=[scene.community.slug, scene.hostile.thread_id])
    response = client.post(vote_url, {"next": scene.list_url}, HTTP_HX_REQUEST="true")
    hostile = scene.fresh()[1]
    assert squeeze(response.content.decode()) == vote(hostile, "refused", problem=REFUSAL)
