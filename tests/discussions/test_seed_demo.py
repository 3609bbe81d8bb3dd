import pytest
from django.core.management import call_command

from discussions.models import Decision, GoalLink, Idea, IdeaVote, Post, Thread

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Thread, Post, Idea, IdeaVote, Decision, GoalLink)
    )


def test_demo_data_includes_discussions_ideas_and_a_decision_and_runs_twice(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")

    # With the moderation demo's thread held for approval and its two replies by Victor.
    assert counts() == first == (6, 11, 2, 5, 1, 1)
    planned = Idea.objects.get(thread__title="Cargo bikes for the city centre")
    assert (planned.status, planned.vote_count) == ("planned", 3)
    question = Thread.objects.get(kind="question")
    assert question.accepted_answer.author.email == "ana@northwind.example"
