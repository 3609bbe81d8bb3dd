"""A thread list's rows come from the cache (`discussions.fragments.thread_rows`) for
readers who see the same rows: a new reply, a new title or a new name shows at the next
view, and one reader's unread markers never reach another reader."""

import pytest

from communities.models import Visibility
from core import shown_cache
from discussions.services import threads as services
from tests.communities.factories import CommunityFactory
from tests.core.page_tree import Element, page
from tests.discussions.factories import ThreadFactory, regulars

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    community = CommunityFactory(visibility=Visibility.PUBLIC, slug="depot")
    people = regulars(community)
    thread = ThreadFactory(community=community, author=people["ana"], title="Night shift rota")
    return {"community": community, "thread": thread, **people}


def rows(client, scene, viewer: str | None = None) -> list[Element]:
    client.logout()
    if viewer:
        client.force_login(scene[viewer])
    response = client.get(f"/communities/{scene['community'].slug}/threads/")
    assert response.status_code == 200
    return page(response.content.decode()).find_all("li", cls="thread-row")


def test_the_same_list_seen_twice_is_rendered_once(client, scene, monkeypatch):
    first = rows(client, scene)
    rendered = []
    monkeypatch.setattr(shown_cache, "render_to_string", lambda *args: rendered.append(args))

    second = rows(client, scene)

    assert rendered == []
    assert [row.text for row in second] == [row.text for row in first]
    assert "Night shift rota" in second[0].text


def test_a_reply_a_new_title_and_a_new_name_show_at_the_next_view(client, scene):
    assert "0 replies" in rows(client, scene)[0].text
    thread, ana, bo = scene["thread"], scene["ana"], scene["bo"]

    services.post_reply(author=bo, thread=thread, body="I can take Tuesdays.")
    thread.title = "Night shift rota for May"
    thread.save(update_fields=["title"])
    ana.display_name = "Ana Renamed"
    ana.save(update_fields=["display_name"])

    row = rows(client, scene)[0]
    assert "1 reply" in row.text
    assert row.find("a", href=thread.get_absolute_url()).text == "Night shift rota for May"
    assert "Ana Renamed" in row.text


def test_one_readers_unread_marker_is_not_shown_to_another(client, scene):
    # Bo opens the thread; Cy never has.
    client.force_login(scene["bo"])
    assert client.get(scene["thread"].get_absolute_url()).status_code == 200

    assert "New" not in [badge.text for badge in rows(client, scene, "bo")[0].find_all("span")]
    assert "New" in [badge.text for badge in rows(client, scene, "cy")[0].find_all("span")]
    assert "New" not in [badge.text for badge in rows(client, scene, "bo")[0].find_all("span")]
