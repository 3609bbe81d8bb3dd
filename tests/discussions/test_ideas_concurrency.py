"""Votes arriving at the same moment, each in its own connection.

On PostgreSQL the writers really overlap; SQLite (a file database here) serialises them
with its write lock, which still checks that retries and duplicates never double count.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from discussions.models import Idea, IdeaVote
from discussions.services import ideas as services
from tests.communities.factories import owner_of
from tests.discussions.test_ideas_factories import idea_in, open_community, people_in, vote_by

pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(jobs) -> list:
    """Run each job in its own thread and connection, released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            job()
            outcomes[index] = "ok"
        except ValidationError as error:
            outcomes[index] = error.messages[0]
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            outcomes[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_votes_and_double_clicks_count_each_person_once():
    community = open_community()
    idea = idea_in(community)
    people = people_in(community, 8)
    # Everyone clicks twice at once.
    jobs = [lambda person=person: services.vote(user=person, idea=idea) for person in people] * 2

    outcomes = _run_together(jobs)

    assert sorted(outcomes) == ["You have already voted for this idea."] * 8 + ["ok"] * 8
    idea.refresh_from_db()
    assert idea.vote_count == 8 == IdeaVote.objects.filter(idea=idea).count()
    assert idea.trending_score == pytest.approx(
        services.trending_score_for(created_at=idea.created_at, votes=8)
    )


def test_concurrent_votes_withdrawals_and_a_merge_keep_counts_exact():
    community = open_community()
    original, duplicate = idea_in(community), idea_in(community)
    shared = people_in(community, 3)
    leaving = people_in(community, 3)
    vote_by(original, shared + leaving)
    vote_by(duplicate, shared)
    arriving = people_in(community, 4)

    jobs = [lambda p=p: services.withdraw_vote(user=p, idea=original) for p in leaving]
    jobs += [lambda p=p: services.vote(user=p, idea=original) for p in arriving]
    jobs.append(
        lambda: services.merge_ideas(
            duplicate=Idea.objects.select_related("community").get(pk=duplicate.pk),
            original=Idea.objects.select_related("community").get(pk=original.pk),
            by=owner_of(community),
        )
    )

    outcomes = _run_together(jobs)

    assert outcomes == ["ok"] * len(jobs)
    original.refresh_from_db()
    # The three shared voters are counted once, the leavers are gone, the arrivals count.
    assert original.vote_count == 3 + 4 == IdeaVote.objects.filter(idea=original).count()
    assert Idea.objects.get(pk=duplicate.pk).vote_count == 0
