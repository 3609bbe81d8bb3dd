"""The search page: its states, htmx partial, paging links and query budget."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussions.selectors import search as selectors
from tests.communities.factories import CommunityFactory
from tests.core.reading import element, elements, links, visible_text
from tests.discussions.factories import PostFactory, ThreadFactory, member_of
from tests.query_budgets import MEMBER_BUDGET, VISITOR_BUDGET

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def test_the_empty_page_invites_a_query(client):
    response = client.get(reverse("search"))

    assert response.status_code == 200
    assert "Type a word or a phrase to search" in visible_text(response.text)


def test_no_results_say_so(client):
    response = client.get(reverse("search"), {"q": "nothing-like-this"})

    assert "No results for “nothing-like-this”" in visible_text(response.text)


def test_results_link_to_posts_with_the_words_marked(client):
    community = CommunityFactory(visibility="public", name="Fleet")
    thread = ThreadFactory(community=community, title="Bike sheds")
    reply = PostFactory(thread=thread, body="Covered parking for **bicycles** at every depot.")

    response = client.get(reverse("search"), {"q": "bicycles"})

    (result,) = results(response.text)
    assert result_links(response.text) == [
        f"{thread.get_absolute_url()}?after={reply.pk - 1}#post-{reply.pk}"
    ]
    assert result.text.startswith("Bike sheds Discussion Fleet · reply by ")
    assert marked(result.html) == ["bicycles"]
    snippet = element(result.html, "p", "search-snippet")
    assert "Covered parking for" in snippet.text and "at every depot." in snippet.text
    assert marked(snippet.html) == ["bicycles"]


def test_htmx_gets_the_results_alone(client):
    community = CommunityFactory(visibility="public")
    ThreadFactory(community=community, title="Compost bins", body="Where?")

    response = client.get(reverse("search"), {"q": "compost"}, headers={"HX-Request": "true"})

    assert [result.text.split(" Discussion")[0] for result in results(response.text)] == [
        "Compost bins"
    ]
    assert "<html" not in response.text


def next_link(html: str) -> str | None:
    """The address of the page's "Next page" link, or None."""
    found = [link.href for link in links(html) if link.rel == "next"]
    assert found in ([], [found[0] if found else None])
    return found[0] if found else None


def first_page_link(html: str) -> str | None:
    found = [link.href for link in links(html) if link.text == "← First page"]
    return found[0] if found else None


def results(html: str) -> list:
    return elements(html, "li", "search-result")


def result_links(html: str) -> list[str]:
    """Where each result's title leads."""
    return [
        link.href
        for title in elements(html, "h3", "search-result-title")
        for link in links(title.html)
    ]


def first_number(html: str) -> str:
    """The number the list of results starts at."""
    return element(html, "ol", "search-results").attributes["start"]


def marked(html: str) -> list[str]:
    """The words the page marks as matches."""
    return [mark.text for mark in elements(html, "mark")]


def test_paging_links_keep_the_query_and_kind(client):
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    for n in range(21):
        PostFactory(thread=thread, body=f"Plum {n}.")

    first = client.get(reverse("search"), {"q": "plum", "kind": "discussion"}).text
    url = next_link(first)
    assert first_page_link(first) is None and "Previous page" not in visible_text(first)
    assert url.startswith("?q=plum&kind=discussion&after=")
    assert "page=" not in url
    second = client.get(reverse("search") + url).text

    assert len(results(second)) == 1
    assert first_number(second) == "21"
    assert next_link(second) is None
    assert first_page_link(second) == "?q=plum&kind=discussion"
    assert not set(result_links(first)) & set(result_links(second))


def test_the_htmx_partial_links_to_the_next_page_with_the_query_and_kind(client):
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    for n in range(21):
        PostFactory(thread=thread, body=f"Damson {n}.")

    response = client.get(
        reverse("search"), {"q": "damson", "kind": "discussion"}, headers={"HX-Request": "true"}
    )

    assert "<html" not in response.text
    assert next_link(response.text).startswith("?q=damson&kind=discussion&after=")


def test_following_next_links_shows_every_result_once(client):
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, title="Apricot", body="Apricot opening.")
    for n in range(44):
        PostFactory(thread=thread, body="apricot " * (n % 3 + 1) + f"note {n}.")
    url, seen, starts = "?q=apricot", [], []
    while url and len(starts) < 10:
        html = client.get(reverse("search") + url).text
        seen += result_links(html)
        starts.append(first_number(html))
        url = next_link(html)

    assert starts == ["1", "21", "41"]
    assert len(seen) == len(set(seen)) == 45


@pytest.mark.parametrize(
    "after", ["nonsense", "1|2", "0.5|x|1", "nan|3|1", "1e999|3|1", "-2|3|1", "%s|3|1" % ("9" * 90)]
)
def test_an_unreadable_cursor_shows_the_first_page(client, after):
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    for n in range(21):
        PostFactory(thread=thread, body=f"Sloe {n}.")
    first = client.get(reverse("search"), {"q": "sloe"}).text

    response = client.get(reverse("search"), {"q": "sloe", "after": after})

    assert response.status_code == 200
    assert result_links(response.text) == result_links(first)
    assert first_number(response.text) == "1"


@pytest.mark.parametrize("after", ["1e-999|3|1", "0|1|5", "3|999999|40"])
def test_an_odd_but_readable_cursor_never_fails(client, after):
    community = CommunityFactory(visibility="public")
    ThreadFactory(community=community, title="Rowan", body="Rowan berries.")

    response = client.get(reverse("search"), {"q": "rowan", "after": after})

    assert response.status_code == 200
    assert first_page_link(response.text) == "?q=rowan"


def _grow(community, thread, total: int) -> None:
    while thread.posts.count() - 1 < total:
        PostFactory(thread=thread, body="Cherry harvest news.")


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_search_runs_a_constant_number_of_queries(client, viewer):
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    if viewer == "member":
        client.force_login(member_of(community))
    budget = VISITOR_BUDGET if viewer == "visitor" else MEMBER_BUDGET
    counts = []
    for total in (2, 40):
        _grow(community, thread, total)
        client.get(reverse("search"), {"q": "cherry"})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("search"), {"q": "cherry"})
        assert len(results(response.text)) == min(total, 20)
        counts.append(len(queries))

    assert counts[0] == counts[1] <= budget


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_a_deep_page_runs_no_more_queries_than_the_first(
    client, viewer, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    if viewer == "member":
        client.force_login(member_of(community))
    budget = VISITOR_BUDGET if viewer == "visitor" else MEMBER_BUDGET
    _grow(community, thread, 15)
    client.get(reverse("search"), {"q": "cherry"})
    url, counts = "?q=cherry", []
    while url:
        with django_assert_max_num_queries(budget) as queries:
            response = client.get(reverse("search") + url)
        assert len(results(response.text)) in (1, 2)
        counts.append(len(queries))
        url = next_link(response.text)

    assert len(counts) == 8
    # The first page alone looks up the newest post's id, to know its ranking is current.
    assert max(counts[1:]) <= counts[0]


def test_a_visitor_search_writes_nothing(client):
    community = CommunityFactory(visibility="public")
    ThreadFactory(community=community, title="Apple trees", body="Pruning.")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("search"), {"q": "apple"})

    assert response.status_code == 200
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert not response.cookies


def test_hostile_text_is_escaped_and_cannot_forge_a_mark(client):
    """Markup, ampersands, quotes and the highlight markers themselves, in a title and a
    post, reach the page as text: the only <mark> is the one around the word searched."""
    forged = f"{selectors.MARK_START}forged{selectors.MARK_STOP}"
    community = CommunityFactory(visibility="public", name="<b>Crew</b> & co")
    thread = ThreadFactory(
        community=community, title=f'Tom & "Jerry\'s" <i>tools</i> {forged}', body="Opening."
    )
    PostFactory(
        thread=thread,
        body=f"<script>alert('x')</script> onions & 'quotes' \"double\" {forged} "
        f"<mark>fake</mark> {selectors.MARK_START}end",
    )

    response = client.get(reverse("search"), {"q": "onions"})

    (result,) = results(response.text)
    assert marked(result.html) == ["onions"]
    title = element(result.html, "h3", "search-result-title")
    assert title.text == 'Tom & "Jerry\'s" <i>tools</i> forged'
    assert "<b>Crew</b> & co ·" in result.text
    snippet = element(result.html, "p", "search-snippet").text
    assert "onions & 'quotes' \"double\" forged" in snippet
    assert "<script" not in result.html
    assert "<i>" not in result.html and "<b>" not in result.html
    assert selectors.MARK_START not in response.text
    assert selectors.MARK_STOP not in response.text


def test_a_hostile_query_is_shown_as_text(client):
    query = "<script>alert(\"q\")</script> & 'quoted'"

    page = client.get(reverse("search"), {"q": query}).text

    assert f"No results for “{query}”" in visible_text(page)
    assert element(page, "input", id="search-q").attributes["value"] == query
    assert element(page, "title").text.startswith(f"Search: {query} ·")
    assert "<script>alert" not in page


def test_words_in_titles_and_snippets_are_each_marked(client):
    community = CommunityFactory(visibility="public")
    ThreadFactory(community=community, title="Heat pumps in depots", body="Our heat pumps work.")

    (result,) = results(client.get(reverse("search"), {"q": "heat pumps"}).text)

    title = element(result.html, "h3", "search-result-title")
    snippet = element(result.html, "p", "search-snippet")
    assert (title.text, marked(title.html)) == ("Heat pumps in depots", ["Heat", "pumps"])
    assert (snippet.text, marked(snippet.html)) == ("Our heat pumps work.", ["heat", "pumps"])


LIMITED = "Showing the best of the 3 most recent matches."


def test_the_page_says_when_only_the_most_recent_matches_were_ranked(client, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 3)
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    replies = [PostFactory(thread=thread, body=f"Quince note {n}.").pk for n in range(5)]

    first = client.get(reverse("search"), {"q": "quince"}).text
    second = client.get(reverse("search") + next_link(first)).text

    assert LIMITED in visible_text(first) and LIMITED in visible_text(second)
    links = result_links(first) + result_links(second)
    assert [int(link.rsplit("-", 1)[1]) for link in links] == replies[:1:-1]
    assert next_link(second) is None


def test_no_notice_when_every_match_was_ranked(client, monkeypatch):
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 3)
    community = CommunityFactory(visibility="public")
    thread = ThreadFactory(community=community, body="Opening.")
    for n in range(3):
        PostFactory(thread=thread, body=f"Quince note {n}.")

    response = client.get(reverse("search"), {"q": "quince"})

    assert len(results(response.text)) == 3
    assert "most recent matches" not in visible_text(response.text)
