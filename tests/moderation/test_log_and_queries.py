"""The audit log pages, their CSV export, the audit entries of existing services, and the
query budget of the queue and the log with thousands of flags and entries."""

import csv
import io

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from discussions.models import Post
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from moderation.models import AuditAction, AuditEntry, Flag, ItemKind, ReviewItem
from moderation.services import flag, record_action
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import ThreadFactory, member_of
from tests.moderation.support import world
from tests.query_budgets import MEMBER_BUDGET, budgeted_get, bulk_people

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _entries(d: dict) -> None:
    record_action(
        actor=d["moderator"],
        action=AuditAction.HIDE,
        community=d["community"],
        target=d["reply"],
        subject=d["author"],
        reason="=HYPERLINK(spam)",
    )
    record_action(
        actor=d["owner"],
        action=AuditAction.WARN,
        community=d["community"],
        target=d["reply"],
        subject=d["author"],
        reason="Second warning",
    )


@pytest.mark.parametrize(
    ("viewer", "status"), [("owner", 200), ("admin", 200), ("moderator", 403), ("member", 403)]
)
def test_a_community_log_is_for_its_owners(viewer, status):
    d = world()
    _entries(d)
    response = _client(d[viewer]).get(reverse("moderation_log", args=[d["community"].slug]))
    assert response.status_code == status
    if status == 200:
        assert "Second warning" in response.text


def test_the_site_log_is_for_administrators_and_filters():
    d = world()
    _entries(d)
    record_action(
        actor=d["admin"], action=AuditAction.SUSPEND, subject=d["member"], reason="Site-wide x"
    )
    assert _client(d["owner"]).get(reverse("site_moderation_log")).status_code == 403
    admin_client = _client(d["admin"])
    url = reverse("site_moderation_log")
    page = admin_client.get(url, {"action": "warn"}).text
    assert "Second warning" in page and "HYPERLINK" not in page
    page = admin_client.get(url, {"person": d["moderator"].pk}).text
    assert "HYPERLINK" in page and "Second warning" not in page
    page = admin_client.get(url, {"community": d["community"].slug}).text
    assert "Second warning" in page and "Site-wide x" not in page
    page = admin_client.get(url, {"since": "2001-01-01", "until": "2001-01-02"}).text
    assert "No action matches." in page


def test_the_csv_export_streams_the_filtered_log_without_formulas():
    d = world()
    _entries(d)
    response = _client(d["owner"]).get(
        reverse("moderation_log_export", args=[d["community"].slug]), {"action": "hide"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "when", "action"]
    assert len(rows) == 2
    assert rows[1][2] == "hide"
    assert rows[1][9] == "'=HYPERLINK(spam)"


def test_the_admin_shows_the_log_read_only():
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = None
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_moving_a_thread_and_merging_ideas_are_audited():
    d = world()
    target = CommunityFactory(owner=d["owner"], visibility="private", audience=("employee",))
    thread_services.move_thread(by=d["owner"], thread=d["thread"], target=target)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.before, entry.after) == (
        AuditAction.THREAD_MOVE,
        d["owner"],
        {"community": d["community"].slug},
        {"community": target.slug},
    )
    owner = d["owner"]
    first = idea_services.submit_idea(
        author=owner, community=d["community"], title="Idea one", description="x"
    )
    second = idea_services.submit_idea(
        author=owner, community=d["community"], title="Idea two", description="y"
    )
    idea_services.merge_ideas(duplicate=second, original=first, by=owner)
    merged = AuditEntry.objects.get(action=AuditAction.THREAD_MERGE)
    assert (merged.target_label, merged.after["merged_into"]) == ("Idea two", first.thread_id)


def _many_flags(d: dict, items: int = 150, flaggers: int = 20) -> None:
    """`items` flagged replies with `flaggers` flags each (3,000 flags), in bulk."""
    thread = d["thread"]
    posts = Post.objects.bulk_create(
        Post(
            thread=thread,
            community=d["community"],
            author=d["author"],
            body=f"Flagged {number}",
            body_html=f"<p>Flagged {number}</p>",
        )
        for number in range(items)
    )
    review = ReviewItem.objects.bulk_create(
        ReviewItem(
            kind=ItemKind.POST,
            community=d["community"],
            post=post,
            author=d["author"],
            open_flag_count=flaggers,
        )
        for post in posts
    )
    people = bulk_people(flaggers, label="flagger")
    Flag.objects.bulk_create(
        Flag(item=item, flagger=person, reason="spam") for item in review for person in people
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=d["moderator"],
            community=d["community"],
            action=AuditAction.HIDE,
            target_label=f"Post {number}",
            subject=d["author"],
            reason="spam",
        )
        for number in range(3000)
    )


def test_the_queue_and_the_log_keep_their_query_budget_with_thousands_of_flags(
    django_assert_max_num_queries,
):
    d = world()
    flag(by=d["member"], reason="spam", thread=d["thread"])
    flag(by=d["member"], reason="spam", person=d["author"])
    _many_flags(d)
    assert Flag.objects.count() >= 3000
    slug = d["community"].slug
    moderator = budgeted_get(_client(d["moderator"]), d["moderator"], django_assert_max_num_queries)
    counts = []
    for url in (
        reverse("moderation_queue", args=[slug]),
        reverse("moderation_queue", args=[slug]) + "?order=most",
    ):
        count, response = moderator(url)
        counts.append(count)
        assert response.text.count('class="card review-item"') == 20
        after = response.context["page"].next_cursor
        next_count, _page = moderator(f"{url}{'&' if '?' in url else '?'}after={after}")
        assert next_count == count
    owner = budgeted_get(_client(d["owner"]), d["owner"], django_assert_max_num_queries)
    count, response = owner(reverse("moderation_log", args=[slug]))
    assert response.text.count("<tr>") == 51  # the header and 50 entries
    after = response.context["page"].next_cursor
    assert owner(f"{reverse('moderation_log', args=[slug])}?after={after}")[0] == count
    admin = budgeted_get(_client(d["admin"]), d["admin"], django_assert_max_num_queries)
    assert admin(reverse("site_moderation"))[0] <= MEMBER_BUDGET
    assert admin(reverse("site_moderation_log") + "?action=hide")[0] <= MEMBER_BUDGET
    member = member_of(d["community"])
    assert ThreadFactory(community=d["community"], author=member).review_state == ""
