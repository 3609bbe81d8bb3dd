"""What a thread list row shows, as built in Python by the `thread_rows` tag, and the
list's filter form (built by `filter_fields`): the same facts the page always showed,
escaped, in the reader's time zone and language."""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts.models import MemberType
from communities.models import Visibility
from communities.selectors import community_categories, get_community_for
from discussions.models import Thread, ThreadKind
from discussions.services import threads as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(visibility=Visibility.PUBLIC, categories=["Fleet", "Depots"])


def list_html(client, community, query: dict | None = None) -> str:
    response = client.get(reverse("thread_list", args=[community.slug]), query or {})
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, title: str) -> str:
    """The `<li>` of the thread whose link text is `title` (as it appears, escaped)."""
    for row in re.findall(
        r'<li class="thread-row.*?</li>\s*(?=<li class="thread-row|</ul>)', html, re.S
    ):
        if f">{title}</a>" in row:
            return row
    raise AssertionError(f"No row for {title!r}")


def test_a_row_links_the_thread_and_shows_author_category_replies_and_tags(client, community):
    fleet = next(c for c in community.categories.all() if c.name == "Fleet")
    author = member_of(community, display_name="Ada Brandt")
    thread = ThreadFactory(
        community=community,
        author=author,
        title="Winter tyres",
        category=fleet,
        tags=["safety", "cost & time"],
    )
    PostFactory(thread=thread)
    PostFactory(thread=thread)

    row = row_of(list_html(client, community), "Winter tyres")

    assert f'href="/communities/{community.slug}/threads/{thread.pk}/"' in row
    assert f'<a href="/people/{author.pk}/">Ada Brandt</a>' in row
    badge = MemberType(author.member_type)
    assert f'<span class="badge badge-{badge.value}">{badge.label}</span>' in row
    assert " · Fleet · 2 replies · " in row
    # Tags alphabetically, each a link filtering the list, its name encoded in the URL.
    assert re.findall(r'<a class="tag" href="([^"]+)">([^<]+)</a>', row) == [
        (f"/communities/{community.slug}/threads/?tag=cost%20%26%20time", "cost &amp; time"),
        (f"/communities/{community.slug}/threads/?tag=safety", "safety"),
    ]


def test_one_reply_is_singular_and_a_former_member_has_no_link(client, community):
    author = member_of(community)
    thread = ThreadFactory(community=community, author=author, title="Lonely")
    PostFactory(thread=thread)
    Thread.objects.filter(pk=thread.pk).update(author=None)

    row = row_of(list_html(client, community), "Lonely")

    assert "A former member · 1 reply · " in row
    assert "/people/" not in row


def test_titles_categories_and_tags_are_escaped(client):
    hostile = '<img src=x onerror="alert(1)">'
    community = CommunityFactory(visibility=Visibility.PUBLIC, categories=[hostile])
    category = community.categories.get()
    ThreadFactory(
        community=community,
        title="<script>alert(1)</script>",
        category=category,
        tags=["<b>bold</b>"],
    )

    html = list_html(client, community)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert hostile not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<b>bold</b>" not in html
    assert "?tag=%3Cb%3Ebold%3C%2Fb%3E" in html


def test_flags_show_on_the_rows_that_have_them(client, community):
    moderator = UserFactory(is_staff=True)
    pinned = ThreadFactory(community=community, title="Pinned one")
    locked = ThreadFactory(community=community, title="Locked one")
    closed = ThreadFactory(community=community, title="Closed one")
    question = ThreadFactory(community=community, title="Asked", kind=ThreadKind.QUESTION)
    answer = PostFactory(thread=question)
    ThreadFactory(community=community, title="Plain one")
    services.set_thread_state(by=moderator, thread=pinned, pinned=True)
    services.set_thread_state(by=moderator, thread=locked, locked=True)
    services.set_thread_state(by=moderator, thread=closed, closed=True)
    services.accept_answer(by=moderator, thread=question, post=answer)

    html = list_html(client, community)

    assert '<li class="thread-row thread-pinned">' in row_of(html, "Pinned one")
    assert ">Pinned</span>" in row_of(html, "Pinned one")
    assert ">Locked</span>" in row_of(html, "Locked one")
    assert ">Closed</span>" in row_of(html, "Closed one")
    asked = row_of(html, "Asked")
    assert '<span class="badge badge-kind badge-kind-question">Question</span>' in asked
    assert ">Answered</span>" in asked
    plain = row_of(html, "Plain one")
    for flag in ("Pinned", "Locked", "Closed", "Answered", "badge-kind"):
        assert flag not in plain


def test_new_and_new_posts_badges_for_a_member(client, community):
    member = member_of(community)
    ThreadFactory(community=community, title="Never opened")
    seen = ThreadFactory(community=community, title="Seen before")
    services.record_read(user=member, thread=seen, post_id=seen.last_post_id_cache, known=None)
    PostFactory(thread=seen)
    client.force_login(member)

    html = list_html(client, community)

    assert '<span class="badge badge-new">New</span>' in row_of(html, "Never opened")
    assert '<span class="badge badge-new">New posts</span>' in row_of(html, "Seen before")


def test_last_activity_is_shown_in_the_readers_time_zone_and_language(client, community):
    reader = member_of(community, timezone="Asia/Tokyo", language="fr")
    thread = ThreadFactory(community=community, title="Timed")
    moment = datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC)
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=moment)
    client.force_login(reader)

    row = row_of(list_html(client, community), "Timed")

    # 23:30 UTC is 08:30 the next morning in Tokyo; French month names and format.
    assert '<time datetime="2026-03-05T08:30:00+09:00">5 mars 2026 08:30</time>' in row
    # A visitor sees the site's zone (UTC) in English.
    client.logout()
    row = row_of(list_html(client, community), "Timed")
    assert '<time datetime="2026-03-04T23:30:00+00:00">' in row
    assert "March 4, 2026" in row or "Mar. 4, 2026" in row


def test_the_community_home_shows_latest_threads_without_tags(client, community):
    ThreadFactory(community=community, title="On the home page", tags=["hidden-here"])

    response = client.get(community.get_absolute_url())
    html = response.content.decode()

    assert "On the home page</a>" in html
    assert "hidden-here" not in html


def test_categories_come_with_the_community_in_its_order(django_assert_num_queries):
    community = CommunityFactory(
        visibility=Visibility.PUBLIC, categories=["Zebra", "Apple", "Mango"]
    )
    visitor = AnonymousUser()
    with django_assert_num_queries(1):
        loaded = get_community_for(user=visitor, slug=community.slug, with_categories=True)
        categories = community_categories(loaded)

    assert [c.name for c in categories] == ["Zebra", "Apple", "Mango"]  # their positions
    assert [c.pk for c in categories] == list(
        community.categories.order_by("position").values_list("pk", flat=True)
    )
    empty = CommunityFactory(visibility=Visibility.PUBLIC)
    assert (
        community_categories(get_community_for(user=visitor, slug=empty.slug, with_categories=True))
        == []
    )


# -- the filter form ----------------------------------------------------------------------------


def test_the_filter_form_keeps_the_choices_and_shows_a_too_long_tag(client, community):
    depots = next(c for c in community.categories.all() if c.name == "Depots")
    long_tag = "x" * 41

    html = list_html(
        client, community, {"kind": "question", "category": depots.pk, "tag": long_tag}
    )

    assert '<label for="id_kind">Kind:</label>' in html
    assert '<option value="question" selected>Question</option>' in html
    assert '<option value="">All kinds</option>' in html
    assert f'<option value="{depots.pk}" selected>Depots</option>' in html
    assert '<div class="field field-invalid"><label for="id_tag">Tag:</label>' in html
    assert 'id="id_tag_error"' in html
    assert "at most 40 characters" in html
    assert (
        f'<input type="text" name="tag" value="{long_tag}" maxlength="40" aria-invalid="true" '
        'aria-describedby="id_tag_error" id="id_tag">'
    ) in html


def test_the_unfiltered_form_selects_everything_and_has_no_errors(client, community):
    html = list_html(client, community)

    assert '<option value="" selected>All kinds</option>' in html
    assert '<option value="" selected>All categories</option>' in html
    assert '<input type="text" name="tag" maxlength="40" id="id_tag">' in html
    assert "field-invalid" not in html


def test_a_community_without_categories_has_no_category_filter(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC)
    ThreadFactory(community=community)
    assert 'name="category"' not in list_html(client, community)


def test_filtering_by_a_tag_link_from_a_row_finds_the_thread(client, community):
    ThreadFactory(community=community, title="Tagged", tags=["cost & time", "depots"])
    ThreadFactory(community=community, title="Untagged")

    response = client.get(reverse("thread_list", args=[community.slug]) + "?tag=cost%20%26%20time")

    assert [t.title for t in response.context["page"].items] == ["Tagged"]
    # The row still shows all of its tags, not only the one filtered on.
    assert response.context["page"].items[0].tag_names == ["cost & time", "depots"]
