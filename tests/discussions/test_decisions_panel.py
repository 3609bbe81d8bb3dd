"""What people see of a decision: its options with their buttons and results, the state of
voting, who may vote, the outcome, the goals it serves and the messages after an htmx
vote, with option labels, outcomes, names and goals people typed shown as text.

The thread page still includes the Django-template copy of the panel while it moves to
Jinja2; these tests read the page, the Jinja2 partial rendered with the page's context
and the htmx answers (Jinja2).
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from communities.models import Role
from communities.selectors import get_community_for
from discussions.models import Decision, Thread
from discussions.selectors.decisions import decision_panel_context
from discussions.services import decisions as services
from discussions.services.ideas import link_goal
from tests.communities.factories import CommunityFactory, owner_of
from tests.core.elements import Element, parse
from tests.discussions.decisions_support import open_decision, option
from tests.discussions.factories import member_of
from tests.purposes.factories import GoalFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
QUOTED = 'Say "yes" & mean it'
APOSTROPHE = "O'Brien's <b>plan</b>"
HOSTILE_NAME = 'Ann "<i>the</i>" O’Neil'


@pytest.fixture
def community():
    return CommunityFactory(visibility="public", audience=("employee", "customer"))


def hostile_decision(community, **fields) -> Decision:
    return open_decision(community, options=(SCRIPT, QUOTED, APOSTROPHE), **fields)


def action(name: str, decision: Decision) -> str:
    return reverse(name, args=[decision.thread.community.slug, decision.thread_id])


def panel_html(client, viewer: User | None, decision: Decision, how: str) -> str:
    """The decision's panel as `viewer` reads it: on the thread page, or the Jinja2
    partial rendered with what the thread page gives it."""
    url = decision.thread.get_absolute_url()
    if how == "page":
        if viewer is not None:
            client.force_login(viewer)
        return client.get(url).text
    request = RequestFactory().get(url)
    request.user = viewer or AnonymousUser()
    thread = Thread.objects.get(pk=decision.thread_id)
    thread.community = get_community_for(user=request.user, slug=thread.community.slug)
    context = decision_panel_context(user=request.user, thread=thread)
    template = engines["jinja2"].get_template("discussions/decisions/_panel.html")
    return template.render(context, request)


def panel_of(html: str) -> Element:
    return parse(html).one("section", id="decision")


def options_of(panel: Element) -> list[dict]:
    """Each option as a person reads it: its label, "Your choice", its result and the
    button next to it (whose description is the option's label)."""
    read = []
    for item in panel.all("li", cls="decision-option"):
        label = item.one(cls="decision-option-label")
        buttons = item.all("button")
        for button in buttons:
            assert button.get("aria-describedby") == label.get("id")
        read.append(
            {
                "label": label.text,
                "mine": item.texts(cls="badge") == ["Your choice"],
                "result": " ".join(item.texts(cls="decision-count")),
                "button": buttons[0].text if buttons else None,
            }
        )
    return read


BOTH = pytest.mark.parametrize("how", ["page", "partial"])


@BOTH
def test_options_are_shown_as_typed_with_a_button_each(client, community, how):
    decision = hostile_decision(community)

    html = panel_html(client, member_of(community), decision, how)
    panel = panel_of(html)

    assert options_of(panel) == [
        {"label": label, "mine": False, "result": "0 votes · 0%", "button": "Vote for this"}
        for label in (SCRIPT, QUOTED, APOSTROPHE)
    ]
    assert panel.one("h2", id="decision-heading").text == "Decision Single choice"
    state = panel.one(cls="decision-state")
    assert state.text.startswith("Open Voting closes on ")
    assert state.text.endswith("· 0 people have voted.")
    assert state.one("time").get("datetime")
    assert "Choose one option; you can change your vote until voting closes." in panel.text
    form = panel.all("form")[0]
    assert form.get("action") == form.get("hx-post") == action("decision_vote", decision)
    assert form.fields().keys() == {"csrfmiddlewaretoken", "option", "choose"}
    for markup in (SCRIPT, "<b>plan</b>"):
        assert markup not in html


@BOTH
def test_a_visitor_reads_the_options_without_buttons(client, community, how):
    decision = hostile_decision(community)

    panel = panel_of(panel_html(client, None, decision, how))

    assert [item["button"] for item in options_of(panel)] == [None, None, None]
    assert panel.all("form") == []


def test_voting_with_htmx_answers_with_the_panel_and_a_message(client, community):
    decision = hostile_decision(community)
    client.force_login(member_of(community))

    response = client.post(
        action("decision_vote", decision),
        {"option": option(decision, SCRIPT).pk, "choose": "1"},
        headers={"HX-Request": "true"},
    )
    panel = panel_of(response.text)

    assert panel.one(role="status").text == f"Your vote for “{SCRIPT}” is recorded."
    assert options_of(panel) == [
        {"label": SCRIPT, "mine": True, "result": "1 vote · 100%", "button": "Remove my vote"},
        {
            "label": QUOTED,
            "mine": False,
            "result": "0 votes · 0%",
            "button": "Change my vote to this",
        },
        {
            "label": APOSTROPHE,
            "mine": False,
            "result": "0 votes · 0%",
            "button": "Change my vote to this",
        },
    ]
    assert [bar.get("value") for bar in panel.all("progress")] == ["100", "0", "0"]
    assert panel.one(cls="decision-state").text.endswith("· 1 person has voted.")
    assert SCRIPT not in response.text

    refused = client.post(
        action("decision_vote", decision), {"option": "0"}, headers={"HX-Request": "true"}
    )
    assert panel_of(refused.text).one(role="alert").text == "Choose one of the options."


@BOTH
def test_several_choices_each_keep_their_own_button(client, community, how):
    decision = hostile_decision(community, mode="multiple")
    voter = member_of(community)
    services.choose_option(user=voter, decision=decision, option=option(decision, QUOTED))

    panel = panel_of(panel_html(client, voter, decision, how))

    assert [(item["mine"], item["button"]) for item in options_of(panel)] == [
        (False, "Vote for this"),
        (True, "Remove my vote"),
        (False, "Vote for this"),
    ]
    assert "Choose as many options as you support" in panel.text


@BOTH
def test_hidden_results_and_who_may_vote(client, community, how):
    decision = hostile_decision(
        community, show_results_before_close=False, voter_types=["employee"]
    )
    services.choose_option(
        user=member_of(community), decision=decision, option=option(decision, QUOTED)
    )

    panel = panel_of(
        panel_html(client, member_of(community, member_type="customer"), decision, how)
    )

    assert panel.one(cls="decision-hidden").text == "Results are hidden until voting closes."
    assert [item["result"] for item in options_of(panel)] == ["", "", ""]
    assert panel.all("progress") == []
    assert panel.one(cls="decision-header").texts("p", cls="muted") == ["Who may vote: Employees"]
    assert panel.one(cls="decision-refusal").text == (
        "This decision is voted on by other member types."
    )
    assert panel.one(cls="decision-state").text.endswith("· 1 person has voted.")


@BOTH
def test_the_outcome_comes_first_with_who_recorded_it(client, community, how):
    author = member_of(community)
    User.objects.filter(pk=author.pk).update(display_name=HOSTILE_NAME)
    decision = hostile_decision(community, author=author)
    services.close_decision(by=author, decision=decision)
    services.record_outcome(by=author, decision=decision, outcome=f"**{QUOTED}** wins. {SCRIPT}")

    html = panel_html(client, author, decision, how)
    panel = panel_of(html)

    assert panel.all("h2")[0].text == "Outcome"
    outcome = panel.one(cls="decision-outcome")
    assert outcome.one(cls="prose").text == f"{QUOTED} wins. {SCRIPT}"
    assert outcome.one(cls="prose").one("strong").text == QUOTED
    by = outcome.one(cls="decision-outcome-by")
    assert by.text == f"Recorded by {HOSTILE_NAME} Employee · Edit the outcome"
    assert by.all("a")[-1].get("href") == action("decision_outcome", decision)
    state = panel.one(cls="decision-state")
    assert state.text.startswith("Closed Voting closed on ")
    assert state.one("time").get("datetime")
    assert [item["button"] for item in options_of(panel)] == [None, None, None]
    assert panel.all("form") == []
    for markup in (SCRIPT, "<i>the</i>"):
        assert markup not in html


@BOTH
def test_the_author_may_close_and_then_record_the_outcome(client, community, how):
    author = owner_of(community)
    decision = hostile_decision(community, author=author)

    open_panel = panel_of(panel_html(client, author, decision, how))
    close = open_panel.one("form", cls="decision-close")
    assert close.get("action") == action("decision_close", decision)
    assert close.get("hx-confirm") == "Close voting now? Nobody can vote after this."
    assert close.one("button").text == "Close voting now"

    services.close_decision(by=author, decision=decision)
    closed = panel_of(panel_html(client, author, decision, how))
    record = closed.one("form", cls="decision-outcome-form")
    assert record.get("action") == action("decision_outcome", decision)
    assert record.one("label").text == "Record the outcome"
    assert closed.all("form", cls="decision-close") == []


@BOTH
def test_goals_the_decision_serves(client, community, how):
    linked = GoalFactory(purpose=community.purpose, metric='CO2 <b>"t"</b>')
    GoalFactory(purpose=community.purpose, metric="Riders & <em>drivers</em>")
    decision = hostile_decision(community)
    link_goal(
        thread=decision.thread, goal=linked, by=owner_of(community), expected_impact="<u>-5%</u>"
    )

    html = panel_html(client, member_of(community, role=Role.MODERATOR), decision, how)
    goals = panel_of(html).one(cls="decision-goals")

    [item] = goals.one("ul").all("li")
    assert item.text == 'CO2 <b>"t"</b> — <u>-5%</u> Unlink CO2 <b>"t"</b>'
    assert goals.one("select", name="goal").texts("option") == ["Riders & <em>drivers</em>"]
    assert goals.all("button")[-1].text == "Link"
    for markup in ("<b>", "<em>drivers", "<u>"):
        assert markup not in html

    member_view = panel_of(panel_html(client, member_of(community), decision, how))
    assert member_view.one(cls="decision-goals").text == (
        'Goals this decision serves CO2 <b>"t"</b> — <u>-5%</u>'
    )


def test_the_decision_form_and_its_refusal(client, community):
    client.force_login(member_of(community))
    page = parse(client.get(reverse("decision_create", args=[community.slug])).text)
    assert page.one("h1").text == "Open a decision"
    assert [button.text for button in page.one("form", cls="decision-form").all("button")] == [
        "Open the decision"
    ]

    client.force_login(member_of(CommunityFactory(visibility="public")))
    refused = client.get(reverse("decision_create", args=[community.slug]))
    assert refused.status_code == 403
    assert parse(refused.text).one(role="alert").text


def test_the_outcome_form_says_when_voting_is_still_open(client, community):
    author = owner_of(community)
    decision = hostile_decision(community, author=author, title=f"Pick {SCRIPT}")
    client.force_login(author)

    html = client.get(action("decision_outcome", decision)).text
    page = parse(html)

    assert page.one("h1").text == "Record the outcome"
    assert page.one("p", cls="eyebrow").text == f"Pick {SCRIPT}"
    assert "Voting is still open. Close it before recording the outcome." in page.text
    assert SCRIPT not in html


def test_the_panel_renders_from_what_the_selector_prepared(community, django_assert_num_queries):
    author = owner_of(community)
    decision = hostile_decision(community, author=author)
    link_goal(thread=decision.thread, goal=GoalFactory(purpose=community.purpose), by=author)
    services.close_decision(by=author, decision=decision)
    services.record_outcome(by=author, decision=decision, outcome="Done.")
    request = RequestFactory().get(decision.thread.get_absolute_url())
    request.user = author
    thread = Thread.objects.get(pk=decision.thread_id)
    thread.community = get_community_for(user=author, slug=community.slug)
    context = decision_panel_context(user=author, thread=thread)
    template = engines["jinja2"].get_template("discussions/decisions/_panel.html")

    with django_assert_num_queries(0):
        html = template.render(context, request)

    assert "Done." in html
