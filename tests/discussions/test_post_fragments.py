"""A thread page's posts come from the cache (`discussions.fragments`) for readers who see
the same markup: a change to a post, its reactions or its author shows at the next view,
readers with other rights, another time zone or another language never get someone
else's markup, and the cached markup holds no reader's CSRF token."""

import datetime

import pytest
from django.core.cache import cache
from django.middleware.csrf import CSRF_SECRET_LENGTH, _unmask_cipher_token

from communities.models import Visibility
from core import shown_cache
from discussions import fragments
from discussions.models import Post
from discussions.services import threads as services
from tests.communities.factories import CommunityFactory
from tests.core.page_tree import Element, page
from tests.discussions.factories import PostFactory, ThreadFactory, regulars

pytestmark = pytest.mark.django_db

POSTED_AT = datetime.datetime(2026, 3, 4, 9, 5, tzinfo=datetime.UTC)


@pytest.fixture
def seen_keys(monkeypatch) -> list[str]:
    """The cache keys of the post lists the pages viewed in the test asked for."""
    keys = []
    key_for = fragments.post_list_key

    def recording(**values) -> str:
        key = key_for(**values)
        keys.append(key)
        return key

    monkeypatch.setattr(fragments, "post_list_key", recording)
    return keys


def cached_post_lists(keys: list[str]) -> list[str]:
    return [entry for entry in cache.get_many(keys).values() if entry is not None]


def secret_of(token: str) -> str:
    """The CSRF secret behind a token (the cookie holds it as it is, a form masked)."""
    return token if len(token) == CSRF_SECRET_LENGTH else _unmask_cipher_token(token)


@pytest.fixture
def scene():
    community = CommunityFactory(visibility=Visibility.PUBLIC, slug="fleet")
    people = regulars(community, moderator=True)
    thread = ThreadFactory(community=community, author=people["ana"], title="Which route?")
    answer = PostFactory(thread=thread, author=people["bo"], body="Take the north road.")
    Post.objects.filter(thread=thread).update(created_at=POSTED_AT)
    return {"thread": thread, "answer": answer, **people}


def view(client, scene, viewer: str | None) -> Element:
    client.logout()
    if viewer:
        client.force_login(scene[viewer])
    response = client.get(scene["thread"].get_absolute_url())
    assert response.status_code == 200
    return page(response.content.decode())


def answer_of(document: Element, scene) -> Element:
    return document.find("article", id_=f"post-{scene['answer'].pk}")


def action_texts(post: Element) -> list[str]:
    box = post.find(cls="post-actions")
    return [element.text for element in box.iter() if element.tag in ("a", "button", "summary")]


def test_the_same_page_seen_twice_comes_from_the_cache_and_looks_the_same(
    client, scene, seen_keys, monkeypatch
):
    first = answer_of(view(client, scene, "cy"), scene)
    rendered = []
    monkeypatch.setattr(shown_cache, "render_to_string", lambda *args: rendered.append(args))

    second = answer_of(view(client, scene, "cy"), scene)

    assert rendered == []  # not rendered again
    assert second.text == first.text
    assert len(set(seen_keys)) == 1
    assert cached_post_lists(seen_keys)


def test_an_edit_a_reaction_and_a_new_name_show_at_the_next_view(client, scene):
    answer, bo = scene["answer"], scene["bo"]
    assert "north road" in answer_of(view(client, scene, "cy"), scene).text

    services.edit_post(by=bo, post=answer, body="Take the south road.", title=None)
    services.toggle_reaction(user=scene["ana"], post=answer, kind="like")
    bo.display_name = "Bo Renamed"
    bo.save(update_fields=["display_name"])

    post = answer_of(view(client, scene, "cy"), scene)
    assert "south road" in post.text
    assert "north road" not in post.text
    assert "Bo Renamed" in post.find(cls="post-by").text
    like = post.find("button", value="like")
    assert like.find(cls="reaction-count").text == "1"


def test_readers_with_other_rights_never_get_each_others_markup(client, scene):
    # The moderator's page first: a delete form under every post.
    moderated = answer_of(view(client, scene, "moderator"), scene)
    assert "Delete this post" in action_texts(moderated)

    # Cy may react and flag, not delete; a visitor may do nothing.
    member = answer_of(view(client, scene, "cy"), scene)
    assert "Delete this post" not in action_texts(member)
    assert "Flag" in action_texts(member)
    visitor = answer_of(view(client, scene, None), scene)
    assert action_texts(visitor) == []
    assert visitor.find_all("button") == []
    # And the author sees her own post as hers after all of them.
    author = answer_of(view(client, scene, "bo"), scene)
    assert "Edit" in action_texts(author)
    assert "Flag" not in action_texts(author)


def test_a_reaction_of_mine_shows_pressed_to_me_only(client, scene):
    services.toggle_reaction(user=scene["cy"], post=scene["answer"], kind="thanks")

    mine = answer_of(view(client, scene, "cy"), scene).find("button", value="thanks")
    theirs = answer_of(view(client, scene, "ana"), scene).find("button", value="thanks")

    assert mine.get("aria-pressed") == "true"
    assert theirs.get("aria-pressed") == "false"
    assert mine.find(cls="reaction-count").text == theirs.find(cls="reaction-count").text == "1"


def test_times_are_written_in_each_readers_time_zone(client, scene):
    scene["cy"].timezone = "Asia/Tokyo"
    scene["cy"].save(update_fields=["timezone"])
    scene["ana"].timezone = "America/New_York"
    scene["ana"].save(update_fields=["timezone"])

    tokyo = answer_of(view(client, scene, "cy"), scene).find("time")
    new_york = answer_of(view(client, scene, "ana"), scene).find("time")

    assert tokyo.get("datetime") != new_york.get("datetime")
    assert "18:05" in tokyo.get("datetime")  # 09:05 UTC
    assert "04:05" in new_york.get("datetime")


def test_the_cached_markup_holds_no_readers_csrf_token_and_each_reader_gets_their_own(
    client, scene, seen_keys
):
    cy_page = view(client, scene, "cy")
    cy_secret = secret_of(client.cookies["csrftoken"].value)
    client.cookies.pop("csrftoken")
    ana_page = view(client, scene, "ana")
    ana_secret = secret_of(client.cookies["csrftoken"].value)
    assert cy_secret != ana_secret

    assert cached_post_lists(seen_keys)
    for entry in cached_post_lists(seen_keys):
        assert "csrfmiddlewaretoken" not in entry
    # Each reader's forms are linked to a field holding that reader's own token.
    for document, secret in ((cy_page, cy_secret), (ana_page, ana_secret)):
        form = answer_of(document, scene).find("form", id_=f"react-{scene['answer'].pk}")
        (field,) = document.find_all("input", name="csrfmiddlewaretoken", form=form.get("id"))
        assert secret_of(field.get("value")) == secret


def test_reacting_through_the_linked_csrf_field_works_without_javascript(client, scene):
    document = view(client, scene, "cy")
    form = answer_of(document, scene).find("form", id_=f"react-{scene['answer'].pk}")
    (field,) = document.find_all("input", name="csrfmiddlewaretoken", form=form.get("id"))
    client.handler.enforce_csrf_checks = True

    response = client.post(
        form.get("action"), {"kind": "like", "csrfmiddlewaretoken": field.get("value")}
    )

    assert response.status_code == 302
    like = answer_of(view(client, scene, "cy"), scene).find("button", value="like")
    assert like.get("aria-pressed") == "true"
