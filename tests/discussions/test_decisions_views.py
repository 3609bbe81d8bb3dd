"""Decision pages: opening, voting (with and without htmx), closing, outcome, goal links."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Role
from communities.selectors import get_community_for
from discussions.models import Decision, DecisionVote, GoalLink, Thread
from discussions.selectors.decisions import decision_panel_context
from discussions.services import decisions as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.decisions_support import counts, open_decision, option
from tests.discussions.factories import member_of
from tests.purposes.factories import GoalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(visibility="public", audience=("employee", "customer"))


def url(name: str, decision: Decision, **extra) -> str:
    return reverse(
        name,
        kwargs={"slug": decision.thread.community.slug, "thread_id": decision.thread_id, **extra},
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def closing_field(delta: datetime.timedelta) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


# -- opening ----------------------------------------------------------------------------------


def test_a_member_opens_a_poll_from_the_form(client, community):
    ana = member_of(community)
    client.force_login(ana)
    create = reverse("decision_create", kwargs={"slug": community.slug})

    assert client.get(create).status_code == 200
    response = client.post(
        create,
        {
            "title": "Where do we meet?",
            "body": "Pick a place.",
            "mode": "multiple",
            "options": "Office\nPark\n\nCafé",
            "closes_at": closing_field(datetime.timedelta(days=2)),
            "voter_types": ["employee"],
            "show_results_before_close": "",
        },
    )

    decision = Decision.objects.get()
    assert response.status_code == 302
    assert response.url == decision.thread.get_absolute_url()
    assert list(decision.options.values_list("label", flat=True)) == ["Office", "Park", "Café"]
    assert (decision.mode, decision.show_results_before_close, decision.customers_may_vote) == (
        "multiple",
        False,
        False,
    )
    assert decision.thread.author == ana


def test_a_closing_time_in_the_past_is_refused_on_the_form(client, community):
    client.force_login(member_of(community))

    response = client.post(
        reverse("decision_create", kwargs={"slug": community.slug}),
        {
            "title": "Too late",
            "body": "Pick.",
            "mode": "single",
            "options": "A\nB",
            "closes_at": closing_field(datetime.timedelta(hours=-1)),
        },
    )

    assert response.status_code == 200
    assert "The closing time must be in the future." in response.text
    assert (Thread.objects.count(), Decision.objects.count()) == (0, 0)


def test_people_who_may_not_post_see_why_and_cannot_open(client, community):
    client.force_login(UserFactory(member_type="employee"))
    create = reverse("decision_create", kwargs={"slug": community.slug})

    response = client.post(
        create,
        {
            "title": "Mine",
            "body": "Pick.",
            "mode": "single",
            "options": "A\nB",
            "closes_at": closing_field(datetime.timedelta(days=1)),
        },
    )

    assert response.status_code == 403
    assert "Join the community to take part." in response.text
    assert Decision.objects.count() == 0


def test_a_secret_community_is_a_404_to_outsiders(client):
    secret = CommunityFactory(visibility="secret", join_policy="invitation")
    decision = open_decision(secret)
    client.force_login(UserFactory(member_type="employee"))

    assert client.get(reverse("decision_create", kwargs={"slug": secret.slug})).status_code == 404
    response = client.post(
        url("decision_vote", decision), {"option": option(decision, "Red").pk, "choose": "1"}
    )
    assert response.status_code == 404
    assert counts(decision)["voters"] == 0


def test_visitors_are_sent_to_sign_in(client, community):
    decision = open_decision(community)

    response = client.post(
        url("decision_vote", decision), {"option": option(decision, "Red").pk, "choose": "1"}
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert counts(decision)["voters"] == 0


# -- voting -----------------------------------------------------------------------------------


def test_voting_and_changing_the_vote_through_the_page(client, community):
    decision = open_decision(community)
    ana = member_of(community)
    client.force_login(ana)

    response = client.post(
        url("decision_vote", decision), {"option": option(decision, "Red").pk, "choose": "1"}
    )
    assert response.status_code == 302
    assert response.url == decision.thread.get_absolute_url() + "#decision"
    assert messages_of(response) == ["Your vote for “Red” is recorded."]

    client.post(
        url("decision_vote", decision), {"option": option(decision, "Green").pk, "choose": "1"}
    )
    assert counts(decision) == {"Red": 0, "Green": 1, "Blue": 0, "voters": 1}


def test_voting_twice_gets_a_clear_message_and_changes_nothing(client, community):
    decision = open_decision(community)
    client.force_login(member_of(community))
    data = {"option": option(decision, "Red").pk, "choose": "1"}
    client.post(url("decision_vote", decision), data)

    response = client.post(url("decision_vote", decision), data)

    # The first vote's message was never shown (the redirect was not followed).
    assert messages_of(response) == [
        "Your vote for “Red” is recorded.",
        "You have already chosen this option.",
    ]
    assert counts(decision) == {"Red": 1, "Green": 0, "Blue": 0, "voters": 1}


def test_voting_on_a_closed_decision_gets_a_clear_message(client, community):
    decision = open_decision(community)
    services.close_decision(by=owner_of(community), decision=decision)
    client.force_login(member_of(community))

    response = client.post(
        url("decision_vote", decision), {"option": option(decision, "Red").pk, "choose": "1"}
    )

    assert messages_of(response) == ["Voting on this decision has closed."]
    assert counts(decision)["voters"] == 0


def test_an_unknown_option_gets_a_clear_message(client, community):
    decision, other = open_decision(community), open_decision(community)
    client.force_login(member_of(community))

    response = client.post(
        url("decision_vote", decision), {"option": option(other, "Red").pk, "choose": "1"}
    )

    assert messages_of(response) == ["Choose one of the options."]
    assert DecisionVote.objects.count() == 0


def test_htmx_votes_get_the_panel_back(client, community):
    decision = open_decision(community, mode="multiple")
    client.force_login(member_of(community))

    response = client.post(
        url("decision_vote", decision),
        {"option": option(decision, "Blue").pk, "choose": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="decision"')
    assert "Your vote for “Blue” is recorded." in response.text
    assert "Your choice" in response.text
    assert "Remove my vote" in response.text

    response = client.post(
        url("decision_vote", decision),
        {"option": option(decision, "Blue").pk, "choose": "0"},
        headers={"HX-Request": "true"},
    )
    assert "You no longer vote for “Blue”." in response.text
    assert counts(decision) == {"Red": 0, "Green": 0, "Blue": 0, "voters": 0}


def test_the_thread_page_shows_the_panel_with_hidden_results(client, community):
    decision = open_decision(community, show_results_before_close=False)
    services.choose_option(
        user=member_of(community), decision=decision, option=option(decision, "Red")
    )
    client.force_login(member_of(community))

    text = client.get(decision.thread.get_absolute_url()).text

    assert 'id="decision"' in text
    assert "Results are hidden until voting closes." in text
    assert "1 person has voted." in text
    assert "1 vote" not in text
    assert "Vote for this" in text


def test_a_customer_sees_why_they_cannot_vote_on_an_employee_decision(client, community):
    decision = open_decision(community, voter_types=["employee"])
    client.force_login(member_of(community, member_type="customer"))

    text = client.get(decision.thread.get_absolute_url()).text

    assert "This decision is voted on by other member types." in text
    assert "Vote for this" not in text


# -- closing and the outcome ------------------------------------------------------------------


def test_only_the_author_or_a_moderator_may_close(client, community):
    decision = open_decision(community)
    client.force_login(member_of(community))

    refused = client.post(url("decision_close", decision))
    assert refused.status_code == 403
    assert "Only the person who opened this decision or a moderator can close it." in refused.text
    decision.refresh_from_db()
    assert decision.closed_at is None

    client.force_login(member_of(community, role=Role.MODERATOR))
    response = client.post(url("decision_close", decision))
    assert messages_of(response) == ["Voting is closed. Record the outcome next."]
    decision.refresh_from_db()
    assert decision.is_closed


def test_the_outcome_is_recorded_and_shown_at_the_top_of_the_thread(client, community):
    author = member_of(community)
    decision = open_decision(community, author=author, body="The proposal text.")
    client.force_login(author)
    client.post(url("decision_close", decision))
    page = client.get(decision.thread.get_absolute_url()).text
    assert "Record the outcome" in page

    response = client.post(url("decision_outcome", decision), {"outcome": "We chose **red**."})

    assert response.status_code == 302
    client.force_login(member_of(community))
    page = client.get(decision.thread.get_absolute_url()).text
    assert "<p>We chose <strong>red</strong>.</p>" in page
    assert page.index("We chose <strong>red</strong>") < page.index("The proposal text.")
    assert "Record the outcome" not in page


def test_an_empty_outcome_gets_a_message(client, community):
    decision = open_decision(community)
    client.force_login(owner_of(community))
    client.post(url("decision_close", decision))

    response = client.post(url("decision_outcome", decision), {"outcome": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.text or "Write what was decided." in response.text
    decision.refresh_from_db()
    assert decision.outcome == ""


def test_other_members_cannot_open_the_outcome_form(client, community):
    decision = open_decision(community)
    services.close_decision(by=owner_of(community), decision=decision)
    client.force_login(member_of(community))

    assert client.get(url("decision_outcome", decision)).status_code == 403
    assert client.post(url("decision_outcome", decision), {"outcome": "Mine"}).status_code == 403
    decision.refresh_from_db()
    assert decision.outcome == ""


# -- goals ------------------------------------------------------------------------------------


def test_a_moderator_links_a_decision_to_a_goal_of_the_purpose(client, community):
    goal = GoalFactory(purpose=community.purpose, metric="CO2 per delivery")
    foreign = GoalFactory(metric="Other purpose's goal")
    decision = open_decision(community)
    client.force_login(member_of(community, role=Role.MODERATOR))

    response = client.post(
        url("decision_link_goal", decision), {"goal": goal.pk, "expected_impact": "-5%"}
    )
    assert messages_of(response) == ["Linked to the goal “CO2 per delivery”."]
    refused = client.post(url("decision_link_goal", decision), {"goal": foreign.pk})
    assert messages_of(refused)[-1] == "Choose a goal of this purpose."

    assert list(GoalLink.objects.values_list("thread", "goal", "expected_impact")) == [
        (decision.thread_id, goal.pk, "-5%")
    ]
    text = client.get(decision.thread.get_absolute_url()).text
    assert "CO2 per delivery" in text and "-5%" in text

    client.post(url("decision_unlink_goal", decision, goal_id=goal.pk))
    assert GoalLink.objects.count() == 0


def test_plain_members_cannot_link_goals(client, community):
    goal = GoalFactory(purpose=community.purpose)
    decision = open_decision(community)
    client.force_login(member_of(community))

    assert client.post(url("decision_link_goal", decision), {"goal": goal.pk}).status_code == 404
    assert GoalLink.objects.count() == 0


# -- query budget -----------------------------------------------------------------------------


def _decision_of_size(community, size: int) -> tuple[Decision, list]:
    for _index in range(3):
        GoalFactory(purpose=community.purpose)
    decision = open_decision(
        community, mode="multiple", options=tuple(f"Option {n}" for n in range(size))
    )
    voters = [member_of(community) for _index in range(size)]
    for voter in voters:
        services.choose_option(
            user=voter, decision=decision, option=option(decision, f"Option {size - 1}")
        )
    return decision, voters


@pytest.mark.parametrize(
    ("size", "role", "budget"),
    [(2, "member", 3), (20, "member", 3), (2, "moderator", 3), (20, "moderator", 3)],
)
def test_the_panel_costs_a_constant_number_of_queries(community, size, role, budget):
    decision, voters = _decision_of_size(community, size)
    viewer = voters[0] if role == "member" else member_of(community, role=Role.MODERATOR)
    thread = Thread.objects.get(pk=decision.thread_id)
    # Loaded as the thread page loads it: with the viewer's role and ban annotated.
    thread.community = get_community_for(user=viewer, slug=community.slug)

    with CaptureQueriesContext(connection) as queries:
        panel = decision_panel_context(user=viewer, thread=thread)["decision_panel"]

    assert len(panel["options"]) == size
    assert panel["options"][-1].vote_count == size
    assert panel["options"][-1].is_mine is (role == "member")
    # Options with their decision and the viewer's choices, the goal links, then for a
    # member whether they own the purpose, for a moderator the goals they may link.
    assert len(queries) == budget


@pytest.mark.parametrize("size", [2, 20])
def test_the_decision_thread_page_fits_the_member_budget(client, community, size):
    decision, voters = _decision_of_size(community, size)
    client.force_login(voters[0])
    client.get(decision.thread.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        response = client.get(decision.thread.get_absolute_url())

    assert response.status_code == 200
    assert response.text.count("decision-option-mine") == 1
    assert len(queries) <= 12, [query["sql"] for query in queries]
