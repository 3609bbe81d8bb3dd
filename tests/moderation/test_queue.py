"""The review queue through its pages: who sees it, each action's effect, auto-hide,
held first posts, and the audit entries every action leaves."""

import pytest
from django.test import Client
from django.urls import reverse

from communities.models import Role
from discussions.models import Post, ReviewState, Thread
from discussions.selectors.search import search
from moderation.models import AuditAction, AuditEntry, Flag, ItemStatus, ReviewItem
from moderation.selectors import moderation_settings
from moderation.services import flag
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, first_post, member_of
from tests.moderation.support import setting, trusted, world

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _flagged(d: dict) -> ReviewItem:
    flag(by=d["member"], reason="spam", post=d["reply"])
    return ReviewItem.objects.get(post=d["reply"])


def _review(client: Client, d: dict, item: ReviewItem, decision: str, reason: str = ""):
    url = reverse("moderation_review", args=[d["community"].slug, item.pk])
    return client.post(url, {"decision": decision, "reason": reason})


@pytest.mark.parametrize(
    ("viewer", "status"),
    # An outsider may see this private community's page (it is open to their type), so
    # the queue answers 403 like its other moderation pages.
    [("moderator", 200), ("owner", 200), ("admin", 200), ("member", 403), ("outsider", 403)],
)
def test_the_community_queue_is_for_its_moderators(viewer, status):
    d = world()
    _flagged(d)
    response = _client(d[viewer]).get(reverse("moderation_queue", args=[d["community"].slug]))
    assert response.status_code == status
    if status == 200:
        assert "Buy now at example.com" in response.text
        assert d["member"].name in response.text  # the flagger, for moderators only
        assert "Spam" in response.text


def test_a_moderator_of_another_community_cannot_see_or_act_on_this_queue():
    d, elsewhere = world(), world()
    item = _flagged(d)
    other = _client(elsewhere["moderator"])
    assert other.get(reverse("moderation_queue", args=[d["community"].slug])).status_code == 403
    assert _review(other, d, item, "hide", "spam").status_code == 403
    assert Post.objects.get(pk=d["reply"].pk).review_state == ReviewState.PUBLISHED
    assert AuditEntry.objects.count() == 0


def test_a_secret_community_queue_is_not_found_by_outsiders():
    d = world(visibility="secret")
    url = reverse("moderation_queue", args=[d["community"].slug])
    assert _client(d["outsider"]).get(url).status_code == 404


def test_the_site_queue_is_for_administrators_and_lists_profile_flags():
    d = world()
    flag(by=d["member"], reason="spam", person=d["author"])
    assert _client(d["moderator"]).get(reverse("site_moderation")).status_code == 403
    page = _client(d["admin"]).get(reverse("site_moderation")).text
    assert d["author"].name in page
    assert "Profile" in page


def test_hiding_shows_the_author_the_reason_and_hides_it_from_everyone_else():
    d = world()
    item = _flagged(d)
    moderator = _client(d["moderator"])
    response = _review(moderator, d, item, "hide", "Advertising is not allowed here")
    assert response.status_code == 302
    reply = Post.objects.get(pk=d["reply"].pk)
    assert (reply.review_state, reply.review_note) == (
        ReviewState.HIDDEN,
        "Advertising is not allowed here",
    )
    item.refresh_from_db()
    assert (item.status, item.open_flag_count) == (ItemStatus.RESOLVED, 0)
    assert Flag.objects.get().resolved_at is not None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.subject, entry.reason) == (
        AuditAction.HIDE,
        d["moderator"],
        d["author"],
        "Advertising is not allowed here",
    )
    url = d["thread"].get_absolute_url()
    author_page = _client(d["author"]).get(url).text
    assert "Advertising is not allowed here" in author_page
    assert "Buy now at example.com" in author_page
    assert "Buy now at example.com" not in _client(d["member"]).get(url).text
    assert "Buy now at example.com" in moderator.get(url).text
    assert search(user=d["member"], query="Buy").results == []
    assert len(search(user=d["moderator"], query="Buy").results) == 1


def test_replies_in_a_hidden_thread_are_hidden_with_it_everywhere_it_could_be_found():
    d = world()
    moderator = _client(d["moderator"])
    flag(by=d["member"], reason="spam", thread=d["thread"])
    item = ReviewItem.objects.get(thread=d["thread"])
    assert _review(moderator, d, item, "hide", "Not a place for adverts").status_code == 302
    # The reply itself was never flagged and stays published, but its thread is hidden.
    assert Post.objects.get(pk=d["reply"].pk).review_state == ReviewState.PUBLISHED
    assert search(user=d["member"], query="Buy").results == []
    assert search(user=UserFactory(member_type="employee"), query="Buy").results == []
    assert len(search(user=d["moderator"], query="Buy").results) == 1
    assert len(search(user=d["author"], query="Buy").results) == 1
    assert len(search(user=d["admin"], query="Buy").results) == 1


def test_a_hidden_idea_leaves_its_purposes_list_of_linked_ideas():
    from discussions.selectors.ideas import purpose_ideas
    from discussions.services.ideas import link_goal, submit_idea
    from tests.purposes.factories import GoalFactory

    d = world(visibility="public")
    purpose = d["community"].purpose
    goal = GoalFactory(purpose=purpose)
    idea = submit_idea(
        author=d["author"], community=d["community"], title="Sell watches", description="Now."
    )
    link_goal(thread=idea.thread, goal=goal, by=d["moderator"])

    def titles(user) -> list[str]:
        found = purpose_ideas(user=user, purpose=purpose, goals=[goal])
        return [entry.title for group in found.by_status for entry in group.ideas]

    assert titles(d["member"]) == ["Sell watches"]
    flag(by=d["member"], reason="spam", thread=idea.thread)
    item = ReviewItem.objects.get(thread=idea.thread)
    assert _review(_client(d["moderator"]), d, item, "hide", "Spam").status_code == 302
    assert titles(d["member"]) == []
    assert titles(UserFactory(member_type="customer")) == []
    assert titles(d["moderator"]) == ["Sell watches"]
    assert titles(d["admin"]) == ["Sell watches"]


def test_an_edit_by_the_author_puts_a_hidden_post_back_in_the_queue():
    d = world()
    item = _flagged(d)
    _review(_client(d["moderator"]), d, item, "hide", "Advertising")
    edit = reverse("post_edit", args=[d["community"].slug, d["thread"].pk, d["reply"].pk])
    _client(d["author"]).post(edit, {"body": "I removed the link."})
    item.refresh_from_db()
    assert (item.status, item.reason) == (ItemStatus.OPEN, "edited")
    # Dismissing shows it again to everyone.
    _review(_client(d["moderator"]), d, item, "dismiss")
    assert Post.objects.get(pk=d["reply"].pk).review_state == ReviewState.PUBLISHED
    page = _client(d["member"]).get(d["thread"].get_absolute_url()).text
    assert "I removed the link." in page


def test_deleting_needs_a_reason_and_keeps_the_typed_text_when_refused():
    d = world()
    item = _flagged(d)
    moderator = _client(d["moderator"])
    response = _review(moderator, d, item, "delete")
    assert response.status_code == 400
    assert "Give a reason" in response.text
    assert Post.objects.get(pk=d["reply"].pk).deleted_at is None
    response = _review(moderator, d, item, "delete", "Spam link")
    reply = Post.objects.get(pk=d["reply"].pk)
    assert (reply.deleted_by, reply.deletion_reason) == (d["moderator"], "Spam link")
    assert AuditEntry.objects.get().action == AuditAction.DELETE


def test_deleting_a_flagged_thread_takes_it_out_of_the_list():
    d = world()
    flag(by=d["member"], reason="spam", thread=d["thread"])
    item = ReviewItem.objects.get(thread=d["thread"])
    _review(_client(d["moderator"]), d, item, "delete", "Spam")
    threads = reverse("thread_list", args=[d["community"].slug])
    assert "Cheap watches here" not in _client(d["member"]).get(threads).text
    assert _client(d["member"]).get(d["thread"].get_absolute_url()).status_code == 404


def test_warning_tells_the_author_and_dismissing_keeps_the_post(django_capture_on_commit_callbacks):
    d = world()
    item = _flagged(d)
    with django_capture_on_commit_callbacks(execute=True):
        _review(_client(d["moderator"]), d, item, "warn", "Please keep ads out")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.reason) == (AuditAction.WARN, "Please keep ads out")
    assert Post.objects.get(pk=d["reply"].pk).review_state == ReviewState.PUBLISHED
    page = _client(d["author"]).get(reverse("notification_list")).text
    assert "Please keep ads out" in page


def test_a_handled_item_leaves_the_queue_and_cannot_be_handled_twice():
    d = world()
    item = _flagged(d)
    moderator = _client(d["moderator"])
    _review(moderator, d, item, "dismiss")
    queue = moderator.get(reverse("moderation_queue", args=[d["community"].slug])).text
    assert "Buy now at example.com" not in queue
    response = _review(moderator, d, item, "hide", "late")
    assert response.status_code == 400
    assert AuditEntry.objects.count() == 1


def test_trusted_flags_hide_an_item_at_the_threshold_and_untrusted_ones_do_not_count():
    d = world()
    moderation_settings()
    moderation_settings().__class__.objects.update(auto_hide_flag_count=2)
    community = d["community"]
    newcomers = [member_of(community, member_type="customer") for _ in range(3)]
    for person in newcomers:
        flag(by=person, reason="spam", post=d["reply"])
    assert Post.objects.get(pk=d["reply"].pk).review_state == ReviewState.PUBLISHED
    first = trusted(member_of(community, member_type="customer"))
    flag(by=first, reason="spam", post=d["reply"])
    assert Post.objects.get(pk=d["reply"].pk).review_state == ReviewState.PUBLISHED
    flag(by=trusted(member_of(community, member_type="customer")), reason="spam", post=d["reply"])
    reply = Post.objects.get(pk=d["reply"].pk)
    assert reply.review_state == ReviewState.HIDDEN
    assert "Buy now" not in _client(d["member"]).get(d["thread"].get_absolute_url()).text
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == (AuditAction.HIDE, None)
    item = ReviewItem.objects.get(post=reply)
    assert (item.open_flag_count, item.auto_hidden) == (5, True)


def test_held_first_posts_wait_for_approval_then_notify(django_capture_on_commit_callbacks):
    d = world()
    setting(d["community"], hold_first_posts=True)
    newcomer = member_of(d["community"], member_type="customer")
    watcher = d["author"]  # follows the thread as its author
    with django_capture_on_commit_callbacks(execute=True):
        held = PostFactory(thread=d["thread"], author=newcomer, body="My first words")
    assert held.review_state == ReviewState.HELD
    url = d["thread"].get_absolute_url()
    assert "My first words" not in _client(watcher).get(url).text
    assert "Waiting for a moderator" in _client(newcomer).get(url).text
    notifications = reverse("notification_list")
    assert "My first words" not in _client(watcher).get(notifications).text
    item = ReviewItem.objects.get(post=held)
    assert item.reason == "held"
    moderator = _client(d["moderator"])
    assert (
        "My first words"
        in moderator.get(reverse("moderation_queue", args=[d["community"].slug])).text
    )
    with django_capture_on_commit_callbacks(execute=True):
        _review(moderator, d, item, "approve")
    assert Post.objects.get(pk=held.pk).review_state == ReviewState.PUBLISHED
    assert "My first words" in _client(watcher).get(url).text
    assert AuditEntry.objects.get().action == AuditAction.APPROVE
    from notifications.models import Notification

    assert Notification.objects.filter(recipient=watcher, event__post=held).count() == 1
    # Once a post is published, the next ones are not held.
    assert PostFactory(thread=d["thread"], author=newcomer).review_state == ""


def test_a_held_thread_is_rejected_with_a_reason():
    d = world()
    setting(d["community"], hold_first_posts=True)
    newcomer = member_of(d["community"], member_type="customer")
    thread = ThreadFactory(community=d["community"], author=newcomer, title="Held thread")
    assert thread.review_state == ReviewState.HELD
    threads = reverse("thread_list", args=[d["community"].slug])
    assert "Held thread" not in _client(d["member"]).get(threads).text
    assert "Held thread" in _client(newcomer).get(threads).text
    item = ReviewItem.objects.get(thread=thread)
    _review(_client(d["moderator"]), d, item, "reject", "Off-topic here")
    assert first_post(thread).deletion_reason == "Off-topic here"
    assert Thread.objects.get(pk=thread.pk).review_state == ReviewState.HELD
    assert AuditEntry.objects.get().action == AuditAction.DELETE


def test_the_hold_setting_is_on_the_settings_page_and_its_change_is_audited():
    d = world()
    owner = _client(d["owner"])
    url = reverse("community_settings", args=[d["community"].slug])
    page = owner.get(url)
    assert "first posts for approval" in page.text
    form = page.context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "purpose"
    }
    data["purpose"] = d["community"].purpose_id
    data["hold_first_posts"] = "on"
    response = owner.post(url, data)
    assert response.status_code == 302
    d["community"].refresh_from_db()
    assert d["community"].hold_first_posts is True
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.before, entry.after) == (
        AuditAction.COMMUNITY_SETTINGS_CHANGE,
        d["owner"],
        {"hold_first_posts": False},
        {"hold_first_posts": True},
    )


def test_nobody_outside_sees_a_hidden_thread_anywhere_but_its_author():
    d = world(visibility="public")
    flag(by=d["member"], reason="spam", thread=d["thread"])
    item = ReviewItem.objects.get(thread=d["thread"])
    _review(_client(d["moderator"]), d, item, "hide", "Spam")
    threads = reverse("thread_list", args=[d["community"].slug])
    visitor = _client(None)
    assert "Cheap watches here" not in visitor.get(threads).text
    assert visitor.get(d["thread"].get_absolute_url()).status_code == 404
    assert "Cheap watches here" in _client(d["author"]).get(threads).text
    api = reverse("api:thread-detail", args=[d["community"].slug, d["thread"].pk])
    assert visitor.get(api).status_code == 404
    assert _client(UserFactory()).get(api).status_code == 404


def test_a_hidden_idea_is_gone_from_the_idea_list_and_the_api_but_for_its_author():
    from discussions.services import ideas as idea_services

    d = world()
    idea = idea_services.submit_idea(
        author=d["author"], community=d["community"], title="Free watches", description="x"
    )
    flag(by=d["member"], reason="spam", thread=idea.thread)
    item = ReviewItem.objects.get(thread=idea.thread)
    _review(_client(d["moderator"]), d, item, "hide", "Spam")
    ideas = reverse("idea_list", args=[d["community"].slug])
    assert "Free watches" not in _client(d["member"]).get(ideas).text
    assert "Free watches" in _client(d["author"]).get(ideas).text
    api = reverse("api:idea-detail", args=[d["community"].slug, idea.thread_id])
    assert _client(d["member"]).get(api).status_code == 404
    assert _client(d["author"]).get(api).status_code == 200
    vote = reverse("idea_vote", args=[d["community"].slug, idea.thread_id])
    assert _client(d["member"]).post(vote).status_code == 404


def test_nobody_else_reacts_to_a_hidden_post_by_its_address():
    d = world()
    item = _flagged(d)
    _review(_client(d["moderator"]), d, item, "hide", "Spam")
    react = reverse("post_react", args=[d["community"].slug, d["thread"].pk, d["reply"].pk])
    _client(d["member"]).post(react, {"kind": "like"})
    assert d["reply"].reactions.count() == 0


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("moderator", True),
        ("owner", True),
        ("admin", True),
        ("author", True),
        ("member", False),
        ("moderator_elsewhere", False),
    ],
)
def test_a_hidden_reply_and_thread_are_shown_to_this_communitys_moderators_only(viewer, sees):
    """The rule decided once per community page (the viewer's role in it) agrees with
    the one that looks through every community someone moderates."""
    d = world(visibility="public")
    elsewhere = CommunityFactory(visibility="public")
    d["moderator_elsewhere"] = member_of(elsewhere, role=Role.MODERATOR, member_type="employee")
    hidden = ThreadFactory(community=d["community"], author=d["author"], title="Held back")
    Thread.objects.filter(pk=hidden.pk).update(review_state=ReviewState.HIDDEN)
    Post.objects.filter(pk=d["reply"].pk).update(review_state=ReviewState.HIDDEN)
    client = _client(d[viewer])
    threads = client.get(reverse("thread_list", args=[d["community"].slug]))
    assert ("Held back" in threads.text) is sees
    page = client.get(d["thread"].get_absolute_url())
    assert page.status_code == 200
    assert ("Buy now at example.com" in page.text) is sees
    assert client.get(hidden.get_absolute_url()).status_code == (200 if sees else 404)
    api = reverse("api:thread-detail", args=[d["community"].slug, hidden.pk])
    assert client.get(api).status_code == (200 if sees else 404)
