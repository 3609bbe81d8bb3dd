"""A decision closed with its outcome is told once: one notification and one email that
say it closed and what was decided. An outcome recorded later is told on its own, once,
however often it is edited."""

import pytest
from django.urls import reverse

from discussions.services import decisions as decision_services
from notifications.models import Notification
from notifications.selectors import describe
from tests.communities.factories import CommunityFactory, owner_of
from tests.core.reading import visible_text
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import member_of
from tests.notifications.support import set_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def depot(run):
    community = CommunityFactory(visibility="listed", name="Depot")
    owner = owner_of(community)
    watcher = member_of(community, email="wes@example.org", display_name="Wes Watcher")
    set_level(community, watcher, "all")
    decision = run(lambda: open_decision(community, author=owner, title="Van colour"))
    return community, owner, watcher, decision


def decision_news(person) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=person, kind="decision")
        .exclude(event__kind="decision_closing")
        .order_by("pk")
    )


def test_closing_with_the_outcome_sends_one_email_saying_both(run, depot, smtp_mailbox):
    _community, owner, watcher, decision = depot

    run(
        lambda: decision_services.close_decision(
            by=owner, decision=decision, outcome="We take **the green** vans."
        )
    )

    [told] = decision_news(watcher)
    described = describe(told)
    assert described.headline == "The decision “Van colour” has closed: here is what was decided"
    assert described.excerpt == "We take the green vans."
    # The author closed it and gave the outcome: nobody is told of their own action.
    [message] = smtp_mailbox.wait_for(1)
    assert smtp_mailbox.to("wes@example.org") == [message]
    assert decision_news(owner) == []
    assert "has closed: here is what was decided" in message["Subject"]
    assert "We take the green vans." in smtp_mailbox.text(message)
    assert "We take the green vans." in smtp_mailbox.html(message)

    # Editing the outcome afterwards tells nobody again.
    run(lambda: decision_services.record_outcome(by=owner, decision=decision, outcome="Blue."))
    assert len(decision_news(watcher)) == 1
    assert len(smtp_mailbox.to("wes@example.org")) == 1


def test_an_outcome_recorded_later_is_told_on_its_own_once(run, depot, smtp_mailbox):
    _community, owner, watcher, decision = depot

    run(lambda: decision_services.close_decision(by=owner, decision=decision))
    run(lambda: decision_services.record_outcome(by=owner, decision=decision, outcome="Green."))
    run(lambda: decision_services.record_outcome(by=owner, decision=decision, outcome="Blue."))

    closed, outcome = decision_news(watcher)
    assert describe(closed).headline == "Voting on the decision “Van colour” has closed"
    assert describe(outcome).headline == "The outcome of the decision “Van colour” is recorded"
    assert describe(outcome).excerpt == "Blue."
    smtp_mailbox.wait_for(3)
    subjects = [m["Subject"] for m in smtp_mailbox.to("wes@example.org")]
    assert len(subjects) == 2
    assert any("has closed" in subject for subject in subjects)
    assert any("is recorded" in subject for subject in subjects)


def test_the_close_form_takes_the_outcome(client, run, depot):
    community, owner, watcher, decision = depot
    client.force_login(owner)
    thread_url = decision.thread.get_absolute_url()
    form_page = client.get(thread_url).text
    assert "Outcome (optional)" in visible_text(form_page)

    url = reverse("decision_close", args=[community.slug, decision.thread_id])
    response = run(lambda: client.post(url, {"outcome": "We take the green vans."}, follow=True))

    text = visible_text(response.content.decode())
    assert "Voting is closed and the outcome is recorded." in text
    assert "We take the green vans." in text
    [told] = decision_news(watcher)
    assert told.event.kind == "decision_decided"
    client.force_login(watcher)
    listed = visible_text(client.get(reverse("notification_list")).text)
    # Grouped with the decision's opening; the newest tells what was decided.
    assert "2 notifications about “Van colour” We take the green vans." in listed
