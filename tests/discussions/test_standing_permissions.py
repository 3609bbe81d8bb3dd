"""Authors who were banned or removed keep no write power over what they wrote earlier.

Through the real pages: a banned author of a public community (who may still read it) and
a removed author of a private community (who may no longer read it) try every write on
their own earlier posts, question, idea and decision. Each attempt is refused — 403 with
the reason (or the page's own error message) for the banned author, 404 for the removed
one — and a snapshot of everything those writes touch is unchanged afterwards. The
expected answers come from the issue, not from the code.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from communities import services as community_services
from communities.models import Membership, Visibility
from discussions.models import (
    Decision,
    DecisionVote,
    IdeaVote,
    Post,
    PostRevision,
    Reaction,
    Thread,
    ThreadKind,
    ThreadSubscription,
)
from discussions.services import decisions as decision_services
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from tests.communities.factories import CommunityFactory, ban, owner_of
from tests.discussions.decisions_support import open_decision, option
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.django_db

REMOVED = "You are banned from this community permanently."
# The refusal also tells the person why they were banned.
REMOVED_WITH_REASON = f"{REMOVED} Reason: Spam"


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def scene():
    """Factory for a community where `author` wrote a question (with a reply by someone
    else), a reply of their own, an idea they voted for, and a decision they opened and
    voted in, followed one thread and not another; then lost their membership."""

    def build(visibility: str, *, banned: bool):
        community = CommunityFactory(visibility=visibility, audience=["employee"])
        author = member_of(community)
        other = member_of(community)
        question = ThreadFactory(
            community=community, author=author, kind=ThreadKind.QUESTION, title="Which tyres?"
        )
        answer = PostFactory(thread=question, author=other, body="Winter tyres.")
        own_reply = PostFactory(thread=question, author=author, body="My own words.")
        others_thread = ThreadFactory(community=community, author=other, title="Depots")
        others_post = PostFactory(thread=others_thread, author=other, body="Open late.")
        thread_services.set_following(user=author, thread=others_thread, following=False)
        idea = idea_services.submit_idea(
            author=author, community=community, title="Bike racks", description="At depots."
        )
        idea_services.vote(user=author, idea=idea)
        others_idea = idea_services.submit_idea(
            author=other, community=community, title="Night shifts", description="Quieter."
        )
        decision = open_decision(community, author=author)
        decision_services.choose_option(
            user=author, decision=decision, option=option(decision, "Red")
        )
        closed = open_decision(community, author=author, title="Which day?")
        decision_services.close_decision(by=owner_of(community), decision=closed)
        membership = Membership.objects.get(community=community, user=author)
        if banned:
            ban_by = owner_of(community)
            community_services.remove_member(
                membership=membership, by=ban_by, ban=True, reason="Spam"
            )
        else:
            community_services.remove_member(membership=membership, by=owner_of(community))
        return {
            "community": community,
            "author": author,
            "question": question,
            "answer": answer,
            "own_reply": own_reply,
            "others_thread": others_thread,
            "others_post": others_post,
            "idea": idea,
            "others_idea": others_idea,
            "decision": decision,
            "closed": closed,
        }

    return build


def snapshot() -> dict:
    """Everything the refused writes could touch."""
    return {
        "posts": sorted(
            Post.objects.values_list("pk", "body", "deleted_at", "revision_count", "edited_at")
        ),
        "revisions": PostRevision.objects.count(),
        "titles": sorted(Thread.objects.values_list("pk", "title", "accepted_answer_id")),
        "reactions": sorted(Reaction.objects.values_list("post_id", "user_id", "kind")),
        "idea_votes": sorted(IdeaVote.objects.values_list("idea_id", "user_id")),
        "idea_counts": sorted(
            Thread.objects.filter(kind="idea").values_list("pk", "idea__vote_count")
        ),
        "decision_votes": sorted(DecisionVote.objects.values_list("option_id", "user_id")),
        "decisions": sorted(
            Decision.objects.values_list("pk", "closed_at", "outcome", "voter_count")
        ),
        "follows": sorted(
            ThreadSubscription.objects.values_list("thread_id", "user_id", "following")
        ),
    }


def _writes(s: dict) -> dict[str, tuple[str, dict]]:
    """Every write the author might try, as (address, form data)."""
    slug = s["community"].slug
    question, own_reply = s["question"], s["own_reply"]
    decision, closed = s["decision"], s["closed"]
    return {
        "edit reply": (
            reverse("post_edit", args=[slug, question.pk, own_reply.pk]),
            {"body": "Rewritten."},
        ),
        "edit question": (
            reverse("post_edit", args=[slug, question.pk, question.posts.first().pk]),
            {"body": "Rewritten.", "title": "New title"},
        ),
        "delete": (
            reverse("post_delete", args=[slug, question.pk, own_reply.pk]),
            {"reason": ""},
        ),
        "react": (
            reverse("post_react", args=[slug, question.pk, s["answer"].pk]),
            {"kind": "thanks"},
        ),
        "accept": (reverse("post_accept", args=[slug, question.pk, s["answer"].pk]), {}),
        "vote on an idea": (
            reverse("idea_vote", args=[slug, s["others_idea"].thread_id]),
            {},
        ),
        "withdraw an idea vote": (
            reverse("idea_vote", args=[slug, s["idea"].thread_id]),
            {"action": "withdraw"},
        ),
        "change a decision vote": (
            reverse("decision_vote", args=[slug, decision.thread_id]),
            {"option": option(decision, "Green").pk, "choose": "1"},
        ),
        "withdraw a decision vote": (
            reverse("decision_vote", args=[slug, decision.thread_id]),
            {"option": option(decision, "Red").pk, "choose": "0"},
        ),
        "close a decision": (reverse("decision_close", args=[slug, decision.thread_id]), {}),
        "record an outcome": (
            reverse("decision_outcome", args=[slug, closed.thread_id]),
            {"outcome": "We chose red."},
        ),
        "follow": (
            reverse("thread_follow", args=[slug, s["others_thread"].pk]),
            {"following": "1"},
        ),
    }


WRITES = [
    "edit reply",
    "edit question",
    "delete",
    "react",
    "accept",
    "vote on an idea",
    "withdraw an idea vote",
    "change a decision vote",
    "withdraw a decision vote",
    "close a decision",
    "record an outcome",
    "follow",
]
# Writes whose page answers 403 with the reason; the others redirect back to the thread
# with the reason as the page's error message.
FORBIDDEN_PAGES = {"edit reply", "edit question", "close a decision", "record an outcome", "follow"}


@pytest.mark.parametrize("write", WRITES)
def test_a_banned_author_of_a_public_community_is_refused_every_write(client, scene, write):
    s = scene(Visibility.PUBLIC, banned=True)
    url, data = _writes(s)[write]
    client.force_login(s["author"])
    before = snapshot()

    response = client.post(url, data)

    assert snapshot() == before
    if write in FORBIDDEN_PAGES:
        assert response.status_code == 403
        assert REMOVED in response.content.decode()
    else:
        assert response.status_code == 302
        assert _messages(response) == [REMOVED_WITH_REASON]


def test_a_banned_author_cannot_open_the_edit_form_or_the_outcome_form(client, scene):
    s = scene(Visibility.PUBLIC, banned=True)
    client.force_login(s["author"])
    slug = s["community"].slug

    edit = client.get(reverse("post_edit", args=[slug, s["question"].pk, s["own_reply"].pk]))
    outcome = client.get(reverse("decision_outcome", args=[slug, s["closed"].thread_id]))

    for response in (edit, outcome):
        assert response.status_code == 403
        assert REMOVED in response.content.decode()
        assert 'name="body"' not in response.content.decode()
        assert 'name="outcome"' not in response.content.decode()


def test_a_banned_author_sees_their_posts_without_any_write_buttons(client, scene):
    s = scene(Visibility.PUBLIC, banned=True)
    client.force_login(s["author"])
    slug = s["community"].slug

    question_page = client.get(s["question"].get_absolute_url()).content.decode()
    decision_page = client.get(s["decision"].thread.get_absolute_url()).content.decode()
    closed_page = client.get(s["closed"].thread.get_absolute_url()).content.decode()
    idea_page = client.get(s["idea"].thread.get_absolute_url()).content.decode()
    others_page = client.get(s["others_thread"].get_absolute_url()).content.decode()

    assert "My own words." in question_page
    for action in ("post_edit", "post_delete", "post_accept", "post_react"):
        for post in (s["own_reply"], s["answer"]):
            assert reverse(action, args=[slug, s["question"].pk, post.pk]) not in question_page
    assert reverse("decision_close", args=[slug, s["decision"].thread_id]) not in decision_page
    assert reverse("decision_vote", args=[slug, s["decision"].thread_id]) not in decision_page
    assert reverse("decision_outcome", args=[slug, s["closed"].thread_id]) not in closed_page
    assert reverse("idea_vote", args=[slug, s["idea"].thread_id]) not in idea_page
    assert "Withdraw vote" not in idea_page
    assert REMOVED in idea_page
    assert reverse("thread_follow", args=[slug, s["others_thread"].pk]) not in others_page


def test_a_banned_author_may_still_stop_following(client, scene):
    s = scene(Visibility.PUBLIC, banned=True)
    client.force_login(s["author"])
    question = s["question"]
    assert ThreadSubscription.objects.get(thread=question, user=s["author"]).following

    page = client.get(question.get_absolute_url()).content.decode()
    response = client.post(
        reverse("thread_follow", args=[s["community"].slug, question.pk]), {"following": "0"}
    )

    assert 'name="following" value="0"' in page
    assert response.status_code == 302
    assert not ThreadSubscription.objects.get(thread=question, user=s["author"]).following


@pytest.mark.parametrize("write", WRITES)
def test_a_removed_author_of_a_private_community_gets_a_404(client, scene, write):
    s = scene(Visibility.PRIVATE, banned=False)
    url, data = _writes(s)[write]
    client.force_login(s["author"])
    before = snapshot()

    response = client.post(url, data)

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("write", WRITES)
def test_a_current_member_author_may_still_do_each_write(client, write):
    """The same writes by an author who is still a member succeed (the refusals above
    come from the lost standing, not from the writes being impossible)."""
    community = CommunityFactory(visibility=Visibility.PUBLIC, audience=["employee"])
    author = member_of(community)
    other = member_of(community)
    question = ThreadFactory(community=community, author=author, kind=ThreadKind.QUESTION)
    answer = PostFactory(thread=question, author=other)
    own_reply = PostFactory(thread=question, author=author)
    others_thread = ThreadFactory(community=community, author=other)
    thread_services.set_following(user=author, thread=others_thread, following=False)
    idea = idea_services.submit_idea(
        author=author, community=community, title="Bike racks", description="At depots."
    )
    idea_services.vote(user=author, idea=idea)
    others_idea = idea_services.submit_idea(
        author=other, community=community, title="Night shifts", description="Quieter."
    )
    decision = open_decision(community, author=author)
    decision_services.choose_option(user=author, decision=decision, option=option(decision, "Red"))
    closed = open_decision(community, author=author, title="Which day?")
    decision_services.close_decision(by=author, decision=closed)
    s = {
        "community": community,
        "question": question,
        "answer": answer,
        "own_reply": own_reply,
        "others_thread": others_thread,
        "idea": idea,
        "others_idea": others_idea,
        "decision": decision,
        "closed": closed,
    }
    url, data = _writes(s)[write]
    client.force_login(author)
    before = snapshot()

    response = client.post(url, data)

    assert response.status_code == 302
    assert REMOVED not in _messages(response)
    assert snapshot() != before


def test_a_banned_purpose_owner_no_longer_manages_the_communitys_ideas(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC, audience=["employee"])
    # The purpose's owner is not a member: idea managers need not be.
    purpose_owner = community.purpose.owners.exclude(memberships__community=community).get()
    idea = idea_services.submit_idea(
        author=owner_of(community), community=community, title="Bike racks", description="Yes."
    )
    url = reverse("idea_status", args=[community.slug, idea.thread_id])
    client.force_login(purpose_owner)
    assert "Change status" in client.get(idea.thread.get_absolute_url()).content.decode()

    ban(community, purpose_owner)
    before = snapshot()
    response = client.post(url, {"status": "planned", "response": "We will."})
    page = client.get(idea.thread.get_absolute_url()).content.decode()

    assert response.status_code == 403
    assert snapshot() == before
    idea.refresh_from_db()
    assert idea.status == "new"
    assert "Change status" not in page
