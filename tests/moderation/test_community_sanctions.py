"""A community's moderators silence or ban a member through the sanction pages; the
person sees why and until when, and every write of theirs is refused with nothing
changed."""

import datetime

import pytest
from django.urls import reverse

from communities.models import Ban, JoinRequest, Membership, Silence
from core.formatting import moment
from discussions.models import DecisionVote, IdeaVote, Post, Reaction, Thread, ThreadSubscription
from moderation import services
from moderation.models import AuditAction, AuditEntry
from tests.accounts.factories import UserFactory
from tests.admin_support import flashed
from tests.communities.factories import CommunityFactory, ban
from tests.discussions.factories import member_of
from tests.moderation.support import client_for, place, silence, text

pytestmark = pytest.mark.django_db


def new_url(where, person) -> str:
    return reverse("community_sanction_new", args=[where.community.slug]) + f"?user={person.pk}"


def test_a_moderator_silences_a_member_for_a_week_with_a_reason():
    where = place()
    client = client_for(where.moderator)

    page = client.get(new_url(where, where.member))
    assert page.status_code == 200
    assert "Mallory Member" in text(page)

    response = client.post(
        new_url(where, where.member),
        {"kind": "silence", "duration": "7", "reason": "Posting the same link everywhere"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("community_sanctions", args=[where.community.slug])

    silence_row = Silence.objects.get(community=where.community, user=where.member)
    assert silence_row.reason == "Posting the same link everywhere"
    assert 6 <= (silence_row.ends_at - silence_row.created_at).days <= 7
    entry = AuditEntry.objects.get(action=AuditAction.SILENCE)
    assert (entry.actor, entry.subject, entry.community) == (
        where.moderator,
        where.member,
        where.community,
    )
    assert entry.reason == "Posting the same link everywhere"

    listing = client.get(reverse("community_sanctions", args=[where.community.slug])).content
    assert b"Mallory Member" in listing
    assert b"Posting the same link everywhere" in listing


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member"])
def test_people_who_do_not_moderate_cannot_sanction(role):
    where = place()
    other = member_of(where.community)
    if role == "anonymous":
        from django.test import Client

        client = Client()
    elif role == "outsider":
        client = client_for(UserFactory(member_type="employee"))
    else:
        client = client_for(other)

    form = client.get(new_url(where, where.member))
    posted = client.post(new_url(where, where.member), {"kind": "ban", "reason": "No"})
    listing = client.get(reverse("community_sanctions", args=[where.community.slug]))

    if role == "anonymous":
        assert form.status_code == posted.status_code == listing.status_code == 302
        assert "/accounts/login/" in form["Location"]
    else:
        assert form.status_code == posted.status_code == listing.status_code == 403
    assert not Ban.objects.exists()
    assert Membership.objects.filter(community=where.community, user=where.member).exists()
    assert not AuditEntry.objects.filter(action__in=[AuditAction.BAN, AuditAction.SILENCE]).exists()


def test_a_moderator_cannot_sanction_an_owner_but_an_owner_can_sanction_a_moderator():
    where = place()
    refused = client_for(where.moderator).post(
        new_url(where, where.owner), {"kind": "silence", "duration": "1", "reason": "No"}
    )
    assert refused.status_code == 403
    assert "Only the community's owners can sanction its moderators." in text(refused)
    assert not Silence.objects.exists()

    done = client_for(where.owner).post(
        new_url(where, where.moderator), {"kind": "silence", "duration": "1", "reason": "Rude"}
    )
    assert done.status_code == 302
    assert Silence.objects.filter(user=where.moderator).exists()


def test_a_reason_is_required_and_the_form_keeps_the_choice():
    where = place()
    response = client_for(where.moderator).post(
        new_url(where, where.member), {"kind": "ban", "duration": "30", "reason": ""}
    )
    assert response.status_code == 200
    body = text(response)
    assert "This field is required." in body
    assert 'value="ban" checked' in body or 'checked value="ban"' in body or "checked" in body
    assert not Ban.objects.exists()


def test_nobody_outside_the_community_can_be_named_on_the_page():
    where = place()
    stranger = UserFactory(member_type="employee")
    assert client_for(where.moderator).get(new_url(where, stranger)).status_code == 404


def test_the_silenced_member_sees_the_reason_on_the_community_page():
    where = place()
    silence(where, reason="Posting the same link everywhere")
    body = text(client_for(where.member).get(where.community.get_absolute_url()))
    assert 'id="sanction-notice"' in body
    assert "You are silenced in this community" in body
    assert "Posting the same link everywhere" in body
    assert "until" in body


def _state(where):
    return {
        "threads": Thread.objects.count(),
        "posts": list(Post.objects.order_by("pk").values_list("pk", "body")),
        "idea_votes": IdeaVote.objects.count(),
        "decision_votes": DecisionVote.objects.count(),
        "reactions": Reaction.objects.count(),
        "follows": ThreadSubscription.objects.filter(following=True).count(),
    }


def test_every_write_of_a_silenced_member_is_refused_with_the_reason_and_nothing_changes():
    where = place()
    silence(where, reason="Posting the same link everywhere")
    client = client_for(where.member)
    slug, thread = where.community.slug, where.thread
    option = where.decision.options.first()
    before = _state(where)
    htmx = {"HTTP_HX_REQUEST": "true"}

    answers = {
        "thread": client.post(
            reverse("thread_create", args=[slug]),
            {"kind": "discussion", "title": "Hello", "body": "Buy now", "tags": ""},
        ),
        "reply": client.post(reverse("thread_reply", args=[slug, thread.pk]), {"body": "Buy"}),
        "edit": client.post(
            reverse("post_edit", args=[slug, thread.pk, where.own_post.pk]), {"body": "Edited"}
        ),
        "delete": client.post(reverse("post_delete", args=[slug, thread.pk, where.own_post.pk])),
        "idea": client.post(
            reverse("idea_create", args=[slug]), {"title": "Spam idea", "description": "Buy"}
        ),
        "idea_vote": client.post(reverse("idea_vote", args=[slug, where.idea.thread_id])),
        "idea_vote_htmx": client.post(
            reverse("idea_vote", args=[slug, where.idea.thread_id]), **htmx
        ),
        "reaction_htmx": client.post(
            reverse("post_react", args=[slug, thread.pk, where.own_post.pk]),
            {"kind": "like"},
            **htmx,
        ),
        "decision_vote": client.post(
            reverse("decision_vote", args=[slug, where.decision.thread_id]),
            {"option": option.pk, "choose": "1"},
        ),
        "decision": client.post(
            reverse("decision_create", args=[slug]),
            {"title": "Poll", "body": "Vote", "mode": "single", "options": "A\nB"},
        ),
        # Stopping following stays open to everyone; starting is a write.
        "follow": client.post(reverse("thread_follow", args=[slug, where.idea.thread_id])),
    }

    assert _state(where) == before
    for path, response in answers.items():
        if response.status_code == 302:
            # Refusals that go back to a page put the reason in a message there.
            shown = text(client.get(response["Location"]))
        else:
            shown = text(response)
        assert "Posting the same link everywhere" in shown, path
        assert "You are silenced in this community" in shown, path


def test_the_moderator_lifts_the_silence_early_and_the_member_can_post_again():
    where = place()
    silence(where)
    client = client_for(where.moderator)
    lift = reverse(
        "community_sanction_lift", args=[where.community.slug, "silence", where.member.pk]
    )
    assert client.post(lift).status_code == 302
    assert not Silence.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.SANCTION_LIFTED).count() == 1

    reply = client_for(where.member).post(
        reverse("thread_reply", args=[where.community.slug, where.thread.pk]),
        {"body": "Back again"},
    )
    assert reply.status_code == 302
    assert Post.objects.filter(body="Back again", author=where.member).exists()


def test_a_ban_removes_the_member_until_its_end_and_refuses_rejoining_with_the_reason():
    where = place()
    response = client_for(where.moderator).post(
        new_url(where, where.member),
        {"kind": "ban", "duration": "30", "reason": "Harassing other members"},
    )
    assert response.status_code == 302
    ban = Ban.objects.get(community=where.community, user=where.member)
    assert ban.ends_at is not None and ban.reason == "Harassing other members"
    assert not Membership.objects.filter(community=where.community, user=where.member).exists()
    assert AuditEntry.objects.filter(action=AuditAction.BAN, subject=where.member).count() == 1

    client = client_for(where.member)
    page = text(client.get(where.community.get_absolute_url()))
    assert "You are banned from this community until" in page
    assert "Harassing other members" in page
    joined = client.post(reverse("community_join", args=[where.community.slug]))
    assert joined.status_code in (302, 403)
    assert not Membership.objects.filter(community=where.community, user=where.member).exists()


def test_a_banned_person_trying_to_join_again_is_told_until_when_and_why():
    where = place()
    ends_at = datetime.datetime(2031, 3, 14, 9, 30, tzinfo=datetime.UTC)
    services.ban_from_community(
        by=where.moderator,
        community=where.community,
        user=where.member,
        reason="Harassing other members",
        ends_at=ends_at,
    )
    told = (
        f"You are banned from this community until {moment(ends_at)[1]} (then you may join again). "
        "Reason: Harassing other members"
    )
    client = client_for(where.member)

    joined = client.post(reverse("community_join", args=[where.community.slug]))

    assert joined.status_code == 302
    assert flashed(joined) == [("error", told)]
    assert not Membership.objects.filter(community=where.community, user=where.member).exists()
    client.get(joined["Location"])  # shows, and so consumes, the message
    page = text(client.get(where.community.get_absolute_url()))
    assert page.count(told) == 1  # the notice at the top, not again beside the join button


def test_a_person_banned_for_good_asking_to_join_is_told_it_is_permanent():
    community = CommunityFactory(join_policy="request", audience=["employee"])
    person = UserFactory(member_type="employee")
    ban(community, person)

    asked = client_for(person).post(
        reverse("community_request", args=[community.slug]), {"message": "Please"}
    )

    assert flashed(asked) == [("error", "You are banned from this community permanently.")]
    assert not JoinRequest.objects.filter(community=community, user=person).exists()


def test_the_sanctions_list_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    where = place()
    for _index in range(5):
        person = member_of(where.community)
        from moderation import services

        services.silence_in_community(
            by=where.moderator, community=where.community, user=person, reason="x", ends_at=None
        )
    client = client_for(where.moderator)
    url = reverse("community_sanctions", args=[where.community.slug])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert text(response).count("Lift") >= 5


def test_a_sanction_past_its_end_refuses_nothing_and_the_sweep_records_it_once():
    import datetime

    from django.utils import timezone

    from discussions import permissions as discussion_permissions
    from moderation import services

    where = place()
    silence(where)
    Silence.objects.update(ends_at=timezone.now() - datetime.timedelta(seconds=1))
    assert discussion_permissions.can_post(where.member, where.community)

    assert services.end_expired_sanctions() == 1
    assert services.end_expired_sanctions() == 0
    entry = AuditEntry.objects.get(action=AuditAction.SANCTION_EXPIRED)
    assert (entry.subject, entry.community, entry.actor) == (where.member, where.community, None)
    assert not Silence.objects.exists()
