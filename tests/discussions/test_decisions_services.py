"""Decisions through their services: opening, voting in each mode, closing, outcomes."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from communities.models import Role
from discussions import tasks
from discussions.models import (
    Activity,
    ActivityKind,
    Decision,
    DecisionOption,
    DecisionVote,
    Thread,
    ThreadKind,
)
from discussions.selectors.decisions import decision_panel_context
from discussions.services import decisions as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.discussions.decisions_support import counts, open_decision, option
from tests.discussions.factories import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(
        visibility="public", audience=("employee", "customer", "vendor", "partner")
    )


def panel(user, decision):
    return decision_panel_context(user=user, thread=Thread.objects.get(pk=decision.thread_id))[
        "decision_panel"
    ]


# -- opening ----------------------------------------------------------------------------------


def test_opening_a_poll_creates_its_thread_options_and_activity(community):
    author = member_of(community)

    decision = open_decision(
        community,
        author=author,
        options=("  Red ", "Green", "", "Blue"),
        title="Bike colour",
        body="Pick **one**.",
    )

    thread = decision.thread
    assert (thread.kind, thread.title, thread.author, thread.post_count) == (
        ThreadKind.DECISION,
        "Bike colour",
        author,
        1,
    )
    assert thread.posts.get().body_html == "<p>Pick <strong>one</strong>.</p>\n"
    assert list(decision.options.values_list("label", "position", "vote_count")) == [
        ("Red", 0, 0),
        ("Green", 1, 0),
        ("Blue", 2, 0),
    ]
    assert (decision.mode, decision.voter_count, decision.closed_at) == ("single", 0, None)
    assert list(Activity.objects.values_list("kind", "actor", "thread", "community")) == [
        (ActivityKind.DECISION_OPENED, author.pk, thread.pk, community.pk)
    ]


def test_consent_always_offers_agree_abstain_disagree_and_block(community):
    decision = open_decision(community, mode="consent", options=("Ignored", "Also ignored"))

    assert list(decision.options.values_list("label", flat=True)) == [
        "Agree",
        "Abstain",
        "Disagree",
        "Block",
    ]


def test_voter_types_are_stored_as_flags_and_none_means_everyone(community):
    restricted = open_decision(community, voter_types=["employee", "partner"])
    everyone = open_decision(community, voter_types=[])

    assert (
        restricted.employees_may_vote,
        restricted.customers_may_vote,
        restricted.vendors_may_vote,
        restricted.partners_may_vote,
    ) == (True, False, False, True)
    assert (
        everyone.employees_may_vote,
        everyone.customers_may_vote,
        everyone.vendors_may_vote,
        everyone.partners_may_vote,
    ) == (True, True, True, True)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"closes_in": datetime.timedelta(minutes=-1)}, "closes_at", "must be in the future"),
        ({"closes_in": datetime.timedelta(days=400)}, "closes_at", "at most a year"),
        ({"options": ("Only one",)}, "options", "at least two options"),
        ({"options": ("Same", "same")}, "options", "Each option must be different."),
        ({"options": ("x" * 201, "y")}, "options", "at most 200 characters"),
        ({"options": tuple(f"O{n}" for n in range(21))}, "options", "at most 20 options"),
        ({"mode": "ranked"}, "mode", "Choose single choice"),
        ({"voter_types": ["robot"]}, "voter_types", "valid member types"),
        ({"title": "   "}, "title", "Give your thread a title."),
        ({"body": "x" * 1_000_001}, "body", "at most"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_creates_nothing(community, fields, field, message):
    with pytest.raises(ValidationError) as caught:
        open_decision(community, **fields)

    assert message in " ".join(caught.value.message_dict[field])
    assert (Thread.objects.count(), Decision.objects.count(), Activity.objects.count()) == (
        0,
        0,
        0,
    )


def test_people_who_may_not_post_cannot_open_a_decision(community):
    outsider = UserFactory(member_type="employee")

    with pytest.raises(PermissionDenied):
        open_decision(community, author=outsider)

    assert (Thread.objects.count(), Decision.objects.count()) == (0, 0)


# -- voting -----------------------------------------------------------------------------------


def test_single_choice_vote_replaces_the_previous_choice(community):
    decision = open_decision(community)
    ana = member_of(community)

    services.choose_option(user=ana, decision=decision, option=option(decision, "Red"))
    assert counts(decision) == {"Red": 1, "Green": 0, "Blue": 0, "voters": 1}

    services.choose_option(user=ana, decision=decision, option=option(decision, "Blue"))
    assert counts(decision) == {"Red": 0, "Green": 0, "Blue": 1, "voters": 1}
    assert list(DecisionVote.objects.values_list("user", "option__label")) == [(ana.pk, "Blue")]


def test_choosing_the_same_option_twice_is_refused_and_changes_nothing(community):
    decision = open_decision(community)
    ana = member_of(community)
    services.choose_option(user=ana, decision=decision, option=option(decision, "Red"))

    with pytest.raises(ValidationError) as caught:
        services.choose_option(user=ana, decision=decision, option=option(decision, "Red"))

    assert caught.value.messages == ["You have already chosen this option."]
    assert counts(decision) == {"Red": 1, "Green": 0, "Blue": 0, "voters": 1}
    assert DecisionVote.objects.count() == 1


def test_multiple_choice_adds_and_removes_choices_and_counts_voters_once(community):
    decision = open_decision(community, mode="multiple")
    ana, bo = member_of(community), member_of(community)

    services.choose_option(user=ana, decision=decision, option=option(decision, "Red"))
    services.choose_option(user=ana, decision=decision, option=option(decision, "Green"))
    services.choose_option(user=bo, decision=decision, option=option(decision, "Green"))
    assert counts(decision) == {"Red": 1, "Green": 2, "Blue": 0, "voters": 2}

    services.unchoose_option(user=ana, decision=decision, option=option(decision, "Red"))
    assert counts(decision) == {"Red": 0, "Green": 2, "Blue": 0, "voters": 2}

    services.unchoose_option(user=ana, decision=decision, option=option(decision, "Green"))
    assert counts(decision) == {"Red": 0, "Green": 1, "Blue": 0, "voters": 1}

    with pytest.raises(ValidationError) as caught:
        services.unchoose_option(user=ana, decision=decision, option=option(decision, "Green"))
    assert caught.value.messages == ["You had not chosen this option."]
    assert counts(decision) == {"Red": 0, "Green": 1, "Blue": 0, "voters": 1}


def test_withdrawing_a_single_choice_leaves_no_vote(community):
    decision = open_decision(community)
    ana = member_of(community)
    services.choose_option(user=ana, decision=decision, option=option(decision, "Green"))

    services.unchoose_option(user=ana, decision=decision, option=option(decision, "Green"))

    assert counts(decision) == {"Red": 0, "Green": 0, "Blue": 0, "voters": 0}
    assert DecisionVote.objects.count() == 0


def test_consent_votes_and_blocks_are_shown_in_the_panel(community):
    decision = open_decision(community, mode="consent")
    ana, bo, cy = (member_of(community) for _ in range(3))
    services.choose_option(user=ana, decision=decision, option=option(decision, "Agree"))
    services.choose_option(user=bo, decision=decision, option=option(decision, "Block"))
    services.choose_option(user=cy, decision=decision, option=option(decision, "Agree"))
    services.choose_option(user=cy, decision=decision, option=option(decision, "Abstain"))

    assert counts(decision) == {"Agree": 1, "Abstain": 1, "Disagree": 0, "Block": 1, "voters": 3}
    context = panel(ana, decision)
    assert context["block_count"] == 1
    assert [(o.label, o.percent, o.is_mine) for o in context["options"]] == [
        ("Agree", 33, True),
        ("Abstain", 33, False),
        ("Disagree", 0, False),
        ("Block", 33, False),
    ]


def test_an_option_of_another_decision_is_refused(community):
    decision, other = open_decision(community), open_decision(community)
    ana = member_of(community)

    with pytest.raises(ValidationError):
        services.choose_option(user=ana, decision=decision, option=option(other, "Red"))

    assert DecisionVote.objects.count() == 0
    assert set(DecisionOption.objects.values_list("vote_count", flat=True)) == {0}


@pytest.mark.parametrize(
    ("member_type", "allowed"),
    [("employee", True), ("customer", False), ("vendor", False), ("partner", True)],
)
def test_only_the_chosen_member_types_may_vote(community, member_type, allowed):
    decision = open_decision(community, voter_types=["employee", "partner"])
    person = member_of(community, member_type=member_type)

    assert panel(person, decision)["can_vote"] is allowed
    if allowed:
        services.choose_option(user=person, decision=decision, option=option(decision, "Red"))
        assert counts(decision)["voters"] == 1
    else:
        with pytest.raises(ValidationError) as caught:
            services.choose_option(user=person, decision=decision, option=option(decision, "Red"))
        assert caught.value.messages == ["This decision is voted on by other member types."]
        assert counts(decision) == {"Red": 0, "Green": 0, "Blue": 0, "voters": 0}


@pytest.mark.parametrize("who", ["outsider", "banned", "anonymous"])
def test_people_outside_the_community_cannot_vote(community, who):
    from django.contrib.auth.models import AnonymousUser

    from tests.communities.factories import ban

    decision = open_decision(community)
    person = AnonymousUser() if who == "anonymous" else UserFactory(member_type="employee")
    if who == "banned":
        ban(community, person)

    with pytest.raises(ValidationError):
        services.choose_option(user=person, decision=decision, option=option(decision, "Red"))

    assert counts(decision) == {"Red": 0, "Green": 0, "Blue": 0, "voters": 0}


# -- closing ----------------------------------------------------------------------------------


def test_voting_after_closing_is_refused_with_a_clear_message(community):
    decision = open_decision(community)
    ana = member_of(community)
    services.choose_option(user=ana, decision=decision, option=option(decision, "Red"))
    services.close_decision(by=owner_of(community), decision=decision)

    for action in (services.choose_option, services.unchoose_option):
        target = "Green" if action is services.choose_option else "Red"
        with pytest.raises(ValidationError) as caught:
            action(user=ana, decision=decision, option=option(decision, target))
        assert caught.value.messages == ["Voting on this decision has closed."]

    assert counts(decision) == {"Red": 1, "Green": 0, "Blue": 0, "voters": 1}


def test_voting_is_refused_once_the_closing_time_passed_even_before_the_sweep(community):
    decision = open_decision(community)
    Decision.objects.filter(pk=decision.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    ana = member_of(community)

    with pytest.raises(ValidationError) as caught:
        services.choose_option(user=ana, decision=decision, option=option(decision, "Red"))

    assert caught.value.messages == ["Voting on this decision has closed."]
    assert counts(decision)["voters"] == 0


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("author", True), (Role.MODERATOR, True), (Role.OWNER, True), (Role.MEMBER, False)],
)
def test_the_author_or_a_moderator_closes_a_decision(community, role, allowed):
    author = member_of(community)
    decision = open_decision(community, author=author)
    person = author if role == "author" else member_of(community, role=role)

    if allowed:
        services.close_decision(by=person, decision=decision)
        decision.refresh_from_db()
        assert decision.is_closed
        assert list(
            Activity.objects.filter(kind=ActivityKind.DECISION_CLOSED).values_list(
                "actor", "thread"
            )
        ) == [(person.pk, decision.thread_id)]
    else:
        with pytest.raises(PermissionDenied):
            services.close_decision(by=person, decision=decision)
        decision.refresh_from_db()
        assert decision.closed_at is None
        assert not Activity.objects.filter(kind=ActivityKind.DECISION_CLOSED).exists()


def test_closing_twice_is_refused(community):
    decision = open_decision(community)
    services.close_decision(by=owner_of(community), decision=decision)

    with pytest.raises(ValidationError) as caught:
        services.close_decision(by=owner_of(community), decision=decision)

    assert caught.value.messages == ["This decision is already closed."]
    assert Activity.objects.filter(kind=ActivityKind.DECISION_CLOSED).count() == 1


def test_hidden_results_show_to_voters_only_after_closing(community):
    author = member_of(community)
    decision = open_decision(community, author=author, show_results_before_close=False)
    ana = member_of(community)
    services.choose_option(user=ana, decision=decision, option=option(decision, "Red"))

    assert panel(ana, decision)["results_visible"] is False
    assert panel(author, decision)["results_visible"] is True

    services.close_decision(by=author, decision=decision)

    assert panel(ana, decision)["results_visible"] is True


# -- closing due decisions: the beat task -------------------------------------------------------


def _due(community, *, seconds_ago: int) -> Decision:
    decision = open_decision(community)
    Decision.objects.filter(pk=decision.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=seconds_ago)
    )
    return decision


def test_close_due_decisions_closes_only_due_ones_and_is_idempotent(community):
    first, second = _due(community, seconds_ago=120), _due(community, seconds_ago=1)
    future = open_decision(community)
    already = _due(community, seconds_ago=300)
    services.close_decision(by=owner_of(community), decision=already)
    closed_before = Decision.objects.get(pk=already.pk).closed_at

    assert services.close_due_decisions() == 2
    assert services.close_due_decisions() == 0

    closed = dict(Decision.objects.values_list("pk", "closed_at"))
    assert closed[first.pk] is not None and closed[second.pk] is not None
    assert closed[future.pk] is None
    assert closed[already.pk] == closed_before
    assert sorted(
        Activity.objects.filter(kind=ActivityKind.DECISION_CLOSED, actor=None).values_list(
            "thread", flat=True
        )
    ) == sorted([first.thread_id, second.thread_id])


def test_close_due_decisions_works_through_batches(community, monkeypatch):
    monkeypatch.setattr(services, "CLOSE_BATCH_SIZE", 2)
    due = [_due(community, seconds_ago=10 + n) for n in range(5)]

    assert services.close_due_decisions() == 5

    assert Decision.objects.filter(pk__in=[d.pk for d in due], closed_at=None).count() == 0
    assert Activity.objects.filter(kind=ActivityKind.DECISION_CLOSED).count() == 5


def test_the_task_calls_the_service(community):
    decision = _due(community, seconds_ago=5)

    assert tasks.close_due_decisions.delay().get() == 1

    decision.refresh_from_db()
    assert decision.is_closed


def test_beat_runs_the_task_every_minute():
    recorded = MigrationRecorder.Migration.objects.filter(
        app="discussions", name="0003_close_decisions_schedule"
    )
    assert recorded.exists()
    migration = importlib.import_module("discussions.migrations.0003_close_decisions_schedule")
    # Tables are emptied between transactional tests, so the row is written again here
    # by the migration's own function (twice: it must not duplicate anything).
    migration.schedule(django_apps, None)
    migration.schedule(django_apps, None)

    task = PeriodicTask.objects.get(task="discussions.close_due_decisions")
    assert (task.enabled, task.interval.every, task.interval.period) == (
        True,
        1,
        IntervalSchedule.MINUTES,
    )
    assert PeriodicTask.objects.filter(task="discussions.close_due_decisions").count() == 1


# -- outcome ----------------------------------------------------------------------------------


def test_the_author_records_the_outcome_after_closing(community):
    author = member_of(community)
    decision = open_decision(community, author=author)
    services.close_decision(by=author, decision=decision)

    services.record_outcome(
        by=author, decision=decision, outcome="We go **green**. <script>alert(1)</script>"
    )

    decision.refresh_from_db()
    assert decision.outcome_by == author
    assert decision.outcome_html == (
        "<p>We go <strong>green</strong>. &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )
    assert panel(member_of(community), decision)["decision"].outcome_html == decision.outcome_html


@pytest.mark.parametrize(
    ("state", "outcome", "error"),
    [
        ("open", "We go green.", "Close the decision before recording its outcome."),
        ("closed", "   ", "Write what was decided."),
        ("closed", "x" * 1_000_001, "An outcome can be at most"),
    ],
)
def test_bad_outcomes_are_refused(community, state, outcome, error):
    decision = open_decision(community)
    if state == "closed":
        services.close_decision(by=owner_of(community), decision=decision)

    with pytest.raises(ValidationError) as caught:
        services.record_outcome(by=owner_of(community), decision=decision, outcome=outcome)

    assert error in " ".join(caught.value.messages)
    decision.refresh_from_db()
    assert (decision.outcome, decision.outcome_html, decision.outcome_by) == ("", "", None)


def test_members_who_did_not_author_cannot_record_the_outcome(community):
    decision = open_decision(community)
    services.close_decision(by=owner_of(community), decision=decision)

    with pytest.raises(PermissionDenied):
        services.record_outcome(by=member_of(community), decision=decision, outcome="No.")

    decision.refresh_from_db()
    assert decision.outcome == ""
