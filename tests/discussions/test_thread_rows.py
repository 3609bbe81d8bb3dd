"""What a reader sees on a row of a thread list (the `thread_rows` macro) and in the list's
filter form: titles, flags, authors, counts, tags and dates in the reader's zone and
language, every value from people shown as text."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import translation

from accounts.models import MemberType
from communities.models import Visibility
from communities.selectors import community_categories, get_community_for
from discussions.models import Thread, ThreadKind
from discussions.services import threads as services
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.core.page_tree import Element, page
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(visibility=Visibility.PUBLIC, categories=["Fleet", "Depots"])


def list_page(client, community, query: dict | None = None) -> Element:
    response = client.get(reverse("thread_list", args=[community.slug]), query or {})
    assert response.status_code == 200
    return page(response.content.decode())


def rows(document: Element) -> list[Element]:
    return document.find_all("li", cls="thread-row")


def title(row: Element) -> str:
    return row.find("p", cls="thread-row-title").find("a").text


def row_of(document: Element, text: str) -> Element:
    """The row whose thread link reads `text`."""
    for row in rows(document):
        if title(row) == text:
            return row
    raise AssertionError(f"No row for {text!r}")


def flags(row: Element) -> list[str]:
    """The badges next to the title, in order."""
    return [badge.text for badge in row.find("p", cls="thread-row-title").find_all(cls="badge")]


def meta(row: Element) -> str:
    return row.find("p", cls="thread-row-meta").text


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

    row = row_of(list_page(client, community), "Winter tyres")

    link = row.find("p", cls="thread-row-title").find("a")
    assert link.get("href") == thread.get_absolute_url()
    person = row.find("span", cls="person")
    assert person.find("a").get("href") == reverse("person_detail", args=[author.pk])
    assert person.find("a").text == "Ada Brandt"
    assert person.find(cls="badge").text == MemberType(author.member_type).label
    assert meta(row).startswith(
        f"Ada Brandt {MemberType(author.member_type).label} · Fleet · 2 replies · last activity "
    )
    assert flags(row) == []
    # Tags alphabetically, each a link filtering the list, its name encoded in the address.
    tag_list = row.find("ul", cls="tag-list")
    assert tag_list.get("aria-label") == "Tags"
    assert [(a.get("href"), a.text) for a in tag_list.find_all("a", cls="tag")] == [
        (f"/communities/{community.slug}/threads/?tag=cost%20%26%20time", "cost & time"),
        (f"/communities/{community.slug}/threads/?tag=safety", "safety"),
    ]


def test_one_reply_is_singular_and_a_former_member_has_no_link(client, community):
    author = member_of(community)
    thread = ThreadFactory(community=community, author=author, title="Lonely")
    PostFactory(thread=thread)
    Thread.objects.filter(pk=thread.pk).update(author=None)

    row = row_of(list_page(client, community), "Lonely")

    assert meta(row).startswith("A former member · 1 reply · last activity ")
    assert [a.get("href") for a in row.find_all("a")] == [thread.get_absolute_url()]


def test_hostile_titles_names_categories_and_tags_show_as_text(client):
    hostile = '<img src=x onerror="alert(1)">'
    community = CommunityFactory(visibility=Visibility.PUBLIC, categories=[hostile])
    author = member_of(community, display_name="<b>Eve</b> & co")
    ThreadFactory(
        community=community,
        author=author,
        title="<script>alert(1)</script>",
        category=community.categories.get(),
        tags=["<b>bold</b>"],
    )

    document = list_page(client, community)

    row = row_of(document, "<script>alert(1)</script>")
    assert row.find("span", cls="person").find("a").text == "<b>Eve</b> & co"
    assert f" · {hostile} · " in meta(row)
    tag = row.find("a", cls="tag")
    assert tag.text == "<b>bold</b>"
    assert tag.get("href").endswith("?tag=%3Cb%3Ebold%3C/b%3E")
    # None of it became markup.
    assert not document.find("main").find_all("script")
    assert not row.find_all("img") and not row.find_all("b")


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

    document = list_page(client, community)

    assert rows(document)[0] is row_of(document, "Pinned one")  # pinned first
    assert "thread-pinned" in row_of(document, "Pinned one").classes
    assert flags(row_of(document, "Pinned one")) == ["Pinned"]
    assert flags(row_of(document, "Locked one")) == ["Locked"]
    assert flags(row_of(document, "Closed one")) == ["Closed"]
    assert flags(row_of(document, "Asked")) == ["Question", "Answered"]
    assert flags(row_of(document, "Plain one")) == []
    assert "thread-pinned" not in row_of(document, "Plain one").classes


def test_new_and_new_posts_badges_for_a_member_only(client, community):
    member = member_of(community)
    ThreadFactory(community=community, title="Never opened")
    seen = ThreadFactory(community=community, title="Seen before")
    read = ThreadFactory(community=community, title="All read")
    services.record_read(user=member, thread=seen, post_id=seen.last_post_id_cache, known=None)
    services.record_read(user=member, thread=read, post_id=read.last_post_id_cache, known=None)
    PostFactory(thread=seen)

    assert all(flags(row) == [] for row in rows(list_page(client, community)))
    client.force_login(member)
    document = list_page(client, community)

    assert flags(row_of(document, "Never opened")) == ["New"]
    assert flags(row_of(document, "Seen before")) == ["New posts"]
    assert flags(row_of(document, "All read")) == []


def test_last_activity_is_shown_in_the_readers_time_zone_and_language(client, community):
    reader = member_of(community, timezone="Asia/Tokyo", language="fr")
    thread = ThreadFactory(community=community, title="Timed")
    moment = datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC)
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=moment)
    client.force_login(reader)

    when = row_of(list_page(client, community), "Timed").find("time")

    # 23:30 UTC is 08:30 the next morning in Tokyo; French month names and format.
    assert when.get("datetime") == "2026-03-05T08:30:00+09:00"
    assert when.text == "5 mars 2026 08:30"
    # A visitor sees the site's zone (UTC) in English.
    client.logout()
    when = row_of(list_page(client, community), "Timed").find("time")
    assert when.get("datetime") == "2026-03-04T23:30:00+00:00"
    assert when.text in ("March 4, 2026, 11:30 p.m.", "Mar. 4, 2026, 11:30 p.m.")


def test_labels_follow_the_readers_language(client, community):
    reader = member_of(community, language="fr")
    question = ThreadFactory(community=community, title="Asked", kind=ThreadKind.QUESTION)
    PostFactory(thread=question)
    client.force_login(reader)

    row = row_of(list_page(client, community), "Asked")

    with translation.override("fr"):
        kind, new = str(ThreadKind.QUESTION.label), translation.gettext("New")
        replies = translation.ngettext("%(count)s reply", "%(count)s replies", 1) % {"count": 1}
    assert flags(row) == [kind, new]
    assert f" · {replies} · " in meta(row)


def test_the_community_home_shows_the_same_rows_without_tags(client, community):
    author = member_of(community, display_name="Ada Brandt")
    thread = ThreadFactory(community=community, author=author, title="On the home page")
    Thread.objects.filter(pk=thread.pk).update(is_pinned=True)
    ThreadFactory(community=community, title="Tagged", tags=["hidden-here"])

    response = client.get(community.get_absolute_url())
    home = page(response.content.decode())
    listed = list_page(client, community)

    for title in ("On the home page", "Tagged"):
        on_home, on_list = row_of(home, title), row_of(listed, title)
        assert flags(on_home) == flags(on_list)
        assert meta(on_home) == meta(on_list)
        assert [a.get("href") for a in on_home.find_all("a")] == [
            a.get("href") for a in on_list.find_all("a") if "tag" not in a.classes
        ]
        assert not on_home.find_all("ul", cls="tag-list")
    assert "hidden-here" not in home.text


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

    document = list_page(
        client, community, {"kind": "question", "category": depots.pk, "tag": long_tag}
    )

    form = document.find("form", role="search")
    assert form.find("label", for_="id_kind").text == "Kind:"
    kinds = form.find("select", id_="id_kind")
    assert [o.text for o in kinds.find_all("option", selected=True)] == ["Question"]
    assert kinds.find_all("option")[0].text == "All kinds"
    categories = form.find("select", id_="id_category")
    assert [o.get("value") for o in categories.find_all("option", selected=True)] == [
        str(depots.pk)
    ]
    tag = form.find("input", id_="id_tag")
    assert tag.get("value") == long_tag
    assert tag.get("maxlength") == "40"
    assert tag.get("aria-invalid") == "true"
    error = form.find(id_=tag.get("aria-describedby"))
    assert "at most 40 characters" in error.text
    assert form.find("div", cls="field-invalid").find_all("input", id_="id_tag")


def test_the_unfiltered_form_selects_everything_and_has_no_errors(client, community):
    form = list_page(client, community).find("form", role="search")

    assert [o.text for o in form.find("select", id_="id_kind").find_all(selected=True)] == [
        "All kinds"
    ]
    assert [o.text for o in form.find("select", id_="id_category").find_all(selected=True)] == [
        "All categories"
    ]
    tag = form.find("input", id_="id_tag")
    assert tag.get("value") is None and tag.get("aria-invalid") is None
    assert not form.find_all(cls="field-invalid")


def test_a_community_without_categories_has_no_category_filter(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC)
    ThreadFactory(community=community)
    assert not list_page(client, community).find_all(name="category")


def test_filtering_by_a_tag_link_from_a_row_finds_the_thread(client, community):
    ThreadFactory(community=community, title="Tagged", tags=["cost & time", "depots"])
    ThreadFactory(community=community, title="Untagged")
    link = row_of(list_page(client, community), "Tagged").find_all("a", cls="tag")[0]

    document = page(client.get(link.get("href")).content.decode())

    assert [title(row) for row in rows(document)] == ["Tagged"]
    # The row still shows all of its tags, not only the one filtered on.
    assert [a.text for a in row_of(document, "Tagged").find_all("a", cls="tag")] == [
        "cost & time",
        "depots",
    ]
