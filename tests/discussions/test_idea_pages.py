"""What people see of ideas: the list's rows, the vote widget, an idea's panel, the htmx
answers to votes, the similar ideas, the merge and status pages and the purpose page's
linked ideas, for visitors, members who may vote, members who may not and managers, with
every value people typed (titles, tags, names, challenges, responses, goals) shown as
the text it is.

The thread page and the purpose page still include the Django-template copies of the
panel and the linked ideas while their own pages move to Jinja2; the panel tests read
both the page and the Jinja2 partial.
"""

import datetime
from urllib.parse import quote

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from communities.models import Community, Role
from communities.selectors import get_community_for
from discussions import fragments
from discussions.models import Idea, IdeaStatus, Thread
from discussions.selectors.ideas import idea_panel_context, purpose_ideas
from discussions.services import ideas as services
from tests.communities.factories import owner_of
from tests.core.elements import Element, parse
from tests.discussions.factories import PostFactory, member_of
from tests.discussions.test_ideas_factories import (
    challenge_of,
    goal_of,
    idea_in,
    open_community,
    people_in,
    vote_by,
)

pytestmark = pytest.mark.django_db

CREATED_AT = datetime.datetime(2026, 3, 4, 9, 5, tzinfo=datetime.UTC)
HOSTILE_TITLE = '<script>alert("x")</script> & more'
HOSTILE_TAG = '<img src=x onerror="x">&'
HOSTILE_CHALLENGE = "Fewer <b>\"cars\"</b> & 'vans'"
HOSTILE_NAME = 'Ann "<i>the</i>" O’Neil'
REFUSAL = "In this community, customer members may comment on ideas but not vote."


class Scene:
    """A community whose customers may comment on ideas but not vote, with three ideas:
    one answering a challenge with two tags, one with a hostile title and two comments,
    one planned."""

    def __init__(self) -> None:
        community: Community = open_community(slug="fleet")
        Community.objects.filter(pk=community.pk).update(ideas_vote_customers=False)
        community.refresh_from_db()
        self.community = community
        self.owner = owner_of(community)
        type(self.owner).objects.filter(pk=self.owner.pk).update(display_name=HOSTILE_NAME)
        self.challenge = challenge_of(community, opens_in_days=-1, closes_in_days=5)
        self.challenge.title = HOSTILE_CHALLENGE
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

    def vote_url(self, idea: Idea) -> str:
        return reverse("idea_vote", args=[self.community.slug, idea.thread_id])


@pytest.fixture
def scene() -> Scene:
    return Scene()


def rows_by_title(html: str) -> dict[str, Element]:
    return {row.one("h2").text: row for row in parse(html).all("li", cls="idea-row")}


def vote_widget(html: str, idea: Idea) -> Element:
    return parse(html).one(id=f"idea-vote-{idea.pk}")


def read_widget(widget: Element) -> dict:
    """What a vote widget tells and offers: the count, "You voted", the button (its
    accessible name), links, why not, and an alert."""
    button = widget.all("button")
    return {
        "count": widget.one(cls="idea-vote-count").text,
        "voted": widget.texts(cls="idea-voted"),
        "button": button[0].text if button else None,
        "links": [(link.text, link.get("href")) for link in widget.all("a")],
        "refusal": widget.texts(cls="idea-vote-refusal"),
        "alert": widget.texts(role="alert"),
    }


def vote_form(widget: Element, scene: Scene, idea: Idea, document: Element | None = None) -> dict:
    """The widget's form: where it posts (with and without htmx) and what it sends. Its
    CSRF field is inside it (a vote's htmx answer) or, on the idea list, whose rows come
    from the cache, linked to it by its id from elsewhere on the page (`document`)."""
    form = widget.one("form")
    assert form.get("method") == "post"
    assert form.get("action") == form.get("hx-post") == scene.vote_url(idea)
    assert form.get("hx-target") == f"#idea-vote-{idea.pk}"
    sent = form.fields()
    linked = []
    if document is not None and form.get("id"):
        linked = document.all("input", name="csrfmiddlewaretoken", form=form.get("id"))
    tokens = [sent.pop("csrfmiddlewaretoken", None)] + [field.get("value") for field in linked]
    assert len([token for token in tokens if token]) == 1
    return sent


# -- the list -------------------------------------------------------------------------------------


def test_a_visitor_reads_each_idea_and_is_asked_to_sign_in_to_vote(client, scene):
    html = client.get(scene.list_url).text
    rows = rows_by_title(html)

    assert list(rows) == ["Bike lanes", HOSTILE_TITLE, "Night buses"]
    for title, idea in (("Night buses", scene.first), (HOSTILE_TITLE, scene.hostile)):
        assert rows[title].one("h2").one("a").get("href") == idea.thread.get_absolute_url()
    statuses = {title: row.one(cls="idea-status").text for title, row in rows.items()}
    assert statuses == {"Bike lanes": "Planned", HOSTILE_TITLE: "New", "Night buses": "New"}

    night = rows["Night buses"]
    assert night.one(cls="idea-challenge").text == f"Challenge: {HOSTILE_CHALLENGE}"
    assert [(tag.text, tag.get("href")) for tag in night.all("a", cls="idea-tag")] == [
        (f"#{HOSTILE_TAG}", f"?tag={quote(HOSTILE_TAG, safe='/')}"),
        ("#transport", "?tag=transport"),
    ]
    assert rows["Bike lanes"].all(cls="idea-challenge") == []

    byline = rows[HOSTILE_TITLE].one(cls="idea-summary").one("p", cls="muted")
    assert byline.text == f"{HOSTILE_NAME} Employee · March 4, 2026 · 2 comments"
    assert byline.one("a").get("href") == f"/people/{scene.owner.pk}/"
    assert byline.one("time").get("datetime") == "2026-03-04T09:05:00+00:00"
    assert night.one(cls="idea-summary").one("p", cls="muted").text.endswith("· 0 comments")

    for row in rows.values():
        assert read_widget(row.one(cls="idea-vote")) == {
            "count": "0 votes",
            "voted": [],
            "button": None,
            "links": [("Sign in to vote", f"/accounts/login/?next={quote(scene.list_url)}")],
            "refusal": [],
            "alert": [],
        }
    # Every typed value is text, never markup.
    for markup in ("<script>alert", "<img src=x", "<b>", "<i>the</i>"):
        assert markup not in html


def test_the_sign_in_link_comes_back_to_the_same_filters(client, scene):
    url = f"{scene.list_url}?sort=newest&tag=transport"
    rows = rows_by_title(client.get(url).text)

    assert list(rows) == ["Night buses"]
    assert read_widget(rows["Night buses"].one(cls="idea-vote"))["links"] == [
        ("Sign in to vote", f"/accounts/login/?next={quote(url, safe='/')}")
    ]


def test_a_member_sees_their_vote_and_may_vote_for_the_others(client, scene):
    member = member_of(scene.community)
    services.vote(user=member, idea=scene.first)
    client.force_login(member)

    for html in (
        client.get(scene.list_url).text,
        # The htmx page of rows (filters, the next page) is the same rows alone.
        client.get(scene.list_url, HTTP_HX_REQUEST="true").text,
    ):
        rows, document = rows_by_title(html), parse(html)
        night = rows["Night buses"].one(cls="idea-vote")
        assert read_widget(night) == {
            "count": "1 vote",
            "voted": ["You voted"],
            "button": "Withdraw vote for “Night buses”",
            "links": [],
            "refusal": [],
            "alert": [],
        }
        assert vote_form(night, scene, scene.first, document) == {
            "action": "withdraw",
            "next": scene.list_url,
        }
        hostile = rows[HOSTILE_TITLE].one(cls="idea-vote")
        assert read_widget(hostile)["voted"] == []
        assert read_widget(hostile)["button"] == f"Vote for “{HOSTILE_TITLE}”"
        assert read_widget(hostile)["count"] == "0 votes"
        assert vote_form(hostile, scene, scene.hostile, document) == {"next": scene.list_url}
    assert html.lstrip().startswith('<div id="idea-rows">')


def test_a_member_who_may_not_vote_is_told_why(client, scene):
    client.force_login(member_of(scene.community, member_type="customer"))

    rows = rows_by_title(client.get(f"{scene.list_url}?challenge={scene.challenge.pk}").text)

    assert list(rows) == ["Night buses"]
    assert read_widget(rows["Night buses"].one(cls="idea-vote")) == {
        "count": "0 votes",
        "voted": [],
        "button": None,
        "links": [],
        "refusal": [REFUSAL],
        "alert": [],
    }


def test_an_empty_list_says_why(client, scene):
    filtered = parse(client.get(f"{scene.list_url}?tag=nothing", HTTP_HX_REQUEST="true").text)
    assert filtered.one(id="idea-rows").text == "No idea matches these filters."

    empty = open_community(slug="quiet")
    page = parse(client.get(reverse("idea_list", args=[empty.slug])).text)
    assert page.one(id="idea-rows").text == "No ideas yet. Be the first to suggest one."


def test_the_filters_offer_the_challenges_and_tags_and_keep_the_choice(client, scene):
    page = parse(client.get(f"{scene.list_url}?tag=transport&status=new").text)

    def options(name):
        select = page.one("select", name=name)
        chosen = [option.text for option in select.all("option") if "selected" in option.attrs]
        return [option.text for option in select.all("option")], chosen

    assert options("sort") == (["Trending", "Top", "Newest"], ["Trending"])
    assert options("tag") == (["Any", HOSTILE_TAG, "transport"], ["transport"])
    assert options("challenge") == (["Any", HOSTILE_CHALLENGE], [])
    labels, chosen = options("status")
    assert labels[0] == "All but duplicates" and chosen == ["New"]


# -- voting with htmx -----------------------------------------------------------------------------


def test_the_htmx_vote_answers_with_the_widget(client, scene):
    client.force_login(member_of(scene.community))
    vote_url = scene.vote_url(scene.hostile)
    back = f'{scene.list_url}?x=1&y=<2>"'

    widget = parse(client.post(vote_url, {"next": back}, HTTP_HX_REQUEST="true").text)
    assert read_widget(widget.one(cls="idea-vote")) == {
        "count": "1 vote",
        "voted": ["You voted"],
        "button": f"Withdraw vote for “{HOSTILE_TITLE}”",
        "links": [],
        "refusal": [],
        "alert": [],
    }
    assert vote_form(widget, scene, scene.hostile) == {"action": "withdraw", "next": back}

    again = parse(client.post(vote_url, {"next": back}, HTTP_HX_REQUEST="true").text)
    assert read_widget(again)["alert"] == ["You have already voted for this idea."]
    assert read_widget(again)["count"] == "1 vote"

    withdrawn = parse(client.post(vote_url, {"action": "withdraw"}, HTTP_HX_REQUEST="true").text)
    assert read_widget(withdrawn)["voted"] == []
    assert read_widget(withdrawn)["button"] == f"Vote for “{HOSTILE_TITLE}”"
    assert read_widget(withdrawn)["count"] == "0 votes"
    # Without a safe `next`, a vote without htmx comes back to the idea.
    assert vote_form(withdrawn, scene, scene.hostile) == {
        "next": scene.hostile.thread.get_absolute_url()
    }


def test_a_refused_htmx_vote_says_why_in_the_widget(client, scene):
    client.force_login(member_of(scene.community, member_type="customer"))

    html = client.post(
        scene.vote_url(scene.hostile), {"next": scene.list_url}, HTTP_HX_REQUEST="true"
    ).text

    assert read_widget(parse(html)) == {
        "count": "0 votes",
        "voted": [],
        "button": None,
        "links": [],
        "refusal": [REFUSAL],
        "alert": [REFUSAL],
    }


# -- an idea's panel ------------------------------------------------------------------------------


def panel_html(client, viewer, idea: Idea, how: str) -> str:
    """The idea's panel as `viewer` reads it: on the thread page, or the Jinja2 partial
    rendered with what the thread page gives it."""
    url = idea.thread.get_absolute_url()
    if how == "page":
        if viewer is not None:
            client.force_login(viewer)
        return client.get(url).text
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get(url)
    request.user = viewer or AnonymousUser()
    thread = Thread.objects.get(pk=idea.thread_id)
    thread.community = get_community_for(user=request.user, slug=idea.community.slug)
    context = idea_panel_context(user=request.user, thread=thread)
    return engines["jinja2"].get_template("discussions/ideas/_panel.html").render(context, request)


BOTH = pytest.mark.parametrize("how", ["page", "partial"])


@BOTH
def test_the_panel_shows_votes_status_and_the_challenge(client, scene, how):
    idea = scene.first
    url = idea.thread.get_absolute_url()

    visitor = parse(panel_html(client, None, idea, how)).one(cls="idea-panel")
    assert read_widget(visitor.one(cls="idea-vote"))["links"] == [
        ("Sign in to vote", f"/accounts/login/?next={quote(url)}")
    ]
    assert visitor.one(cls="idea-meta").text == "New since March 4, 2026"
    assert f"Answers the challenge “{HOSTILE_CHALLENGE}”: What would move" in visitor.text

    member = member_of(scene.community)
    services.vote(user=member, idea=idea)
    panel = parse(panel_html(client, member, idea, how)).one(cls="idea-panel")
    widget = panel.one(cls="idea-vote")
    assert read_widget(widget)["count"] == "1 vote"
    assert read_widget(widget)["voted"] == ["You voted"]
    assert read_widget(widget)["button"] == "Withdraw vote for “Night buses”"
    assert vote_form(widget, scene, idea) == {"action": "withdraw", "next": url}
    # Not a manager: no status change, no goal linking.
    assert panel.all("details", cls="idea-manage") == []
    assert panel.all("form", action=reverse("idea_link_goal", args=["fleet", idea.thread_id])) == []


@BOTH
def test_the_official_response_and_history_are_shown_escaped(client, scene, how):
    idea = scene.third
    services.change_status(
        idea=idea,
        by=scene.owner,
        status=IdeaStatus.IN_PROGRESS,
        response='Started <script>alert("r")</script> with **two** "crews" & more.',
    )

    html = panel_html(client, None, idea, how)
    panel = parse(html).one(cls="idea-panel")

    assert panel.one(cls="idea-status").text == "In progress"
    response = panel.one("article", cls="official-response")
    assert response.one("h3").text == "Official response"
    assert response.one(cls="prose").one("strong").text == "two"
    assert (
        response.one(cls="prose").text
        == 'Started <script>alert("r")</script> with two "crews" & more.'
    )
    assert response.all("script") == []
    byline = response.one("p", cls="muted")
    assert byline.text.startswith(f"{HOSTILE_NAME} Employee · ")
    assert byline.one("time").get("datetime")
    history = panel.one("details", cls="idea-history")
    assert history.one("summary").text == "Status history (2 changes)"
    assert [item.all("strong")[0].text for item in history.all("li")] == [
        "Planned → In progress",
        "New → Planned",
    ]
    assert 'alert("r")</script>' not in html
    assert "<i>the</i>" not in html


@BOTH
def test_support_by_member_type_keeps_small_groups_private(client, scene, how):
    idea = scene.hostile
    vote_by(idea, people_in(scene.community, 6) + people_in(scene.community, 5, "vendor"))

    panel = parse(panel_html(client, None, idea, how)).one(cls="idea-panel")

    support = panel.one("dl", cls="idea-support")
    assert [(row.one("dt").text, row.one("dd").text) for row in support.all("div")] == [
        ("Employees", "6"),
        ("Customers", "fewer than 5"),
        ("Vendors", "5"),
        ("Partners", "fewer than 5"),
    ]
    assert read_widget(panel.one(cls="idea-vote"))["count"] == "11 votes"


@BOTH
def test_a_manager_links_goals_and_changes_the_status(client, scene, how):
    idea = scene.first
    linked = goal_of(scene.community, metric='CO2 <b>"saved"</b>')
    goal_of(scene.community, metric="Riders & <em>drivers</em>")
    services.link_goal(
        thread=idea.thread, goal=linked, by=scene.owner, expected_impact="<u>Less</u> & less"
    )
    moderator = member_of(scene.community, role=Role.MODERATOR)

    html = panel_html(client, moderator, idea, how)
    panel = parse(html).one(cls="idea-panel")

    [goal] = panel.one("ul", cls="idea-goals").all("li")
    purpose_url = reverse("purpose_detail", args=[scene.community.purpose.slug])
    assert goal.one("a").get("href") == f"{purpose_url}#goal-{linked.pk}"
    assert goal.one("a").text == 'CO2 <b>"saved"</b>'
    assert goal.one("span", cls="muted").text == "— <u>Less</u> & less"
    assert goal.one("button").text == 'Unlink CO2 <b>"saved"</b>'
    link_form = panel.one("form", action=reverse("idea_link_goal", args=["fleet", idea.thread_id]))
    assert link_form.texts("option") == ["Riders & <em>drivers</em>"]
    assert link_form.one("button").text == "Link to goal"

    manage = panel.one("details", cls="idea-manage")
    assert manage.one("summary").text == "Change status"
    assert manage.texts("option") == [
        label
        for value, label in IdeaStatus.choices
        if value not in (IdeaStatus.DUPLICATE, IdeaStatus.NEW)
    ]
    assert manage.one("a").get("href") == reverse("idea_merge", args=["fleet", idea.thread_id])
    for markup in ("<b>", "<em>drivers", "<u>"):
        assert markup not in html


@BOTH
def test_a_merged_idea_names_its_original(client, scene, how):
    services.merge_ideas(duplicate=scene.first, original=scene.hostile, by=scene.owner)
    duplicate = Idea.objects.get(pk=scene.first.pk)

    panel = parse(panel_html(client, None, duplicate, how)).one(cls="idea-panel")

    note = panel.one(role="note")
    assert note.text == (
        f"This idea was merged into #{scene.hostile.thread_id} {HOSTILE_TITLE}. "
        "Its votes count there."
    )
    assert note.one("a").get("href") == scene.hostile.thread.get_absolute_url()
    assert panel.one(cls="idea-status").text == "Duplicate"


# -- submitting, similar ideas, merging, status ---------------------------------------------------


def test_similar_ideas_are_listed_as_the_title_is_typed(client, scene):
    vote_by(scene.hostile, people_in(scene.community, 2))
    url = reverse("idea_similar", args=["fleet"])

    html = client.get(url, {"title": "alert x more"}).text
    found = parse(html).one(id="similar-ideas")

    assert found.one("h2").text == "Similar ideas"
    [item] = found.all("li")
    assert item.one("a").text == HOSTILE_TITLE
    assert item.one("a").get("href") == scene.hostile.thread.get_absolute_url()
    assert item.one("span", cls="muted").text == "· 2 votes · New"
    assert "<script>alert" not in html

    assert parse(client.get(url, {"title": "zzz"}).text).one(id="similar-ideas").text == ""


def test_the_form_shows_similar_ideas_before_posting(client, scene):
    client.force_login(member_of(scene.community))

    html = client.post(
        reverse("idea_create", args=["fleet"]),
        {"title": "Night buses please", "description": "After midnight.", "tags": ""},
    ).text
    page = parse(html)

    assert page.one("h1").text == "Submit an idea"
    assert page.one(id="similar-ideas").texts("a") == ["Night buses"]
    assert [button.text for button in page.one("form", cls="idea-form").all("button")] == [
        "Post anyway"
    ]
    assert page.one("input", name="title").get("value") == "Night buses please"


def test_the_merge_page_offers_candidates_escaped(client, scene):
    duplicate = idea_in(scene.community, title='<script>alert("x")</script> & more, again')
    vote_by(duplicate, people_in(scene.community, 1))
    client.force_login(scene.owner)

    html = client.get(reverse("idea_merge", args=["fleet", duplicate.thread_id])).text
    page = parse(html)

    assert page.one("h1").text == f"Merge idea #{duplicate.thread_id} into its original"
    assert "Its 1 vote moves to the original" in page.text
    candidates = page.one("section", aria_labelledby="candidates-heading")
    [candidate] = candidates.all("li")
    assert candidate.text.startswith(f"#{scene.hostile.thread_id} {HOSTILE_TITLE} · 0 votes")
    assert candidate.one("a", cls="button").text == f"Choose #{scene.hostile.thread_id}"
    assert "<script>alert" not in html


def test_the_status_page_shows_the_current_status(client, scene):
    client.force_login(scene.owner)

    page = parse(client.get(reverse("idea_status", args=["fleet", scene.third.thread_id])).text)

    assert page.one("h1").text == "Change the idea's status"
    assert page.one(cls="idea-status").text == "Planned"
    assert page.one("p", cls="eyebrow").texts("a")[1] == "Bike lanes"


# -- the purpose page's linked ideas --------------------------------------------------------------


def linked_ideas_partial(scene: Scene) -> str:
    purpose = scene.community.purpose
    goals = list(purpose.goals.order_by("position", "pk"))
    ideas = purpose_ideas(user=scene.owner, purpose=purpose, goals=goals)
    template = engines["jinja2"].get_template("discussions/ideas/_purpose_ideas.html")
    return template.render({"purpose_ideas": ideas})


def test_linked_ideas_are_grouped_by_status_with_votes_and_goals(client, scene):
    emissions = goal_of(scene.community, metric='CO2 <b>"t"</b>')
    riders = goal_of(scene.community, metric="Riders")
    for idea, goals in ((scene.hostile, [emissions, riders]), (scene.third, [riders])):
        for goal in goals:
            services.link_goal(thread=idea.thread, goal=goal, by=scene.owner)
    vote_by(scene.hostile, people_in(scene.community, 2))

    for html in (
        client.get(scene.community.purpose.get_absolute_url()).text,
        linked_ideas_partial(scene),
    ):
        section = parse(html).one("section", aria_labelledby="purpose-ideas-heading")
        groups = section.all("section", cls="purpose-ideas-group")
        assert [group.one("h3").text for group in groups] == ["Planned (1)", "New (1)"]
        [planned], [new] = (group.all("li") for group in groups)
        assert planned.text == "Bike lanes · " + scene.community.name + " · 0 votes · Riders"
        assert new.one("a").text == HOSTILE_TITLE
        assert new.one("a").get("href") == scene.hostile.thread.get_absolute_url()
        assert new.one("span").text == (
            f'· {scene.community.name} · 2 votes · CO2 <b>"t"</b>, Riders'
        )
        assert "<script>alert" not in html and "<b>" not in html


# -- templates read no database -------------------------------------------------------------------


def test_the_partials_render_from_what_the_selectors_prepared(scene, django_assert_num_queries):
    from discussions.selectors import ideas as selectors

    goal = goal_of(scene.community, metric="Riders")
    for idea in (scene.first, scene.third):
        services.link_goal(thread=idea.thread, goal=goal, by=scene.owner)
    manager = member_of(scene.community, role=Role.MODERATOR)
    services.vote(user=manager, idea=scene.first)
    request = RequestFactory().get(scene.list_url)
    request.user = manager
    community = get_community_for(user=manager, slug=scene.community.slug)
    thread = Thread.objects.get(pk=scene.third.thread_id)
    thread.community = community
    filters = selectors.IdeaFilters.from_query({})
    page = selectors.idea_page(user=manager, community=community, filters=filters)
    linked = selectors.purpose_ideas(
        user=manager, purpose=community.purpose, goals=list(community.purpose.goals.all())
    )
    renders = [
        # The rows (kept in the cache), and the list part around them.
        (
            "discussions/ideas/_idea_list_rows.html",
            {"ideas": page.items, "viewer": manager, "next_url": scene.list_url},
        ),
        (
            "discussions/ideas/_idea_rows.html",
            {
                "page": page,
                "filters": filters,
                "idea_rows_html": fragments.idea_rows(page.items, manager, scene.list_url),
            },
        ),
        ("discussions/ideas/_panel.html", idea_panel_context(user=manager, thread=thread)),
        ("discussions/ideas/_purpose_ideas.html", {"purpose_ideas": linked}),
    ]
    for name, context in renders:
        template = engines["jinja2"].get_template(name)
        with django_assert_num_queries(0):
            html = template.render(context, request)
        assert "Bike lanes" in html, name
