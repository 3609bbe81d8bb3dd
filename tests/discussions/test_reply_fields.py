"""A thread page's reply fields: an empty form is rendered once per quoted post and kept
(`discussions.fragments.reply_fields`); a submitted one, with the reader's text and its
errors, is the reader's alone and never kept."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from communities.models import Visibility
from tests.communities.factories import CommunityFactory
from tests.core.reading import element, field_errors
from tests.discussions.factories import PostFactory, ThreadFactory, regulars

pytestmark = pytest.mark.django_db


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "textarea") and attributes.get("name"):
            self.found[attributes["name"]] = attributes


def reply_form(html: str) -> tuple[str, dict[str, dict]]:
    """The reply form's markup and its fields' attributes by name."""
    form = element(html, "form", "reply-form").html
    inputs = _Inputs()
    inputs.feed(form)
    return form, inputs.found


@pytest.fixture
def scene(client):
    community = CommunityFactory(visibility=Visibility.PUBLIC, slug="depot")
    people = regulars(community)
    thread = ThreadFactory(community=community, author=people["ana"], title="Night shifts")
    answer = PostFactory(thread=thread, author=people["bo"], body="Rotate them weekly.")
    client.force_login(people["ana"])
    return {"thread": thread, "answer": answer, **people}


def page(client, scene, **query) -> str:
    response = client.get(scene["thread"].get_absolute_url(), query)
    assert response.status_code == 200
    return response.content.decode()


def test_each_quoted_post_gets_its_own_fields_and_no_quote_none(client, scene):
    answer = scene["answer"]
    for _ in range(2):
        form, fields = reply_form(page(client, scene))
        assert "Your reply" in form
        assert "body" in fields
        assert fields["quoted_post"].get("value") is None
        _form, quoting = reply_form(page(client, scene, quote=answer.pk))
        assert quoting["quoted_post"]["value"] == str(answer.pk)


def test_a_refused_reply_keeps_the_text_for_its_writer_only(client, scene):
    url = reverse("thread_reply", args=[scene["thread"].community.slug, scene["thread"].pk])
    page(client, scene)  # the empty form, rendered and kept

    response = client.post(url, {"body": "   ", "quoted_post": ""})

    assert response.status_code == 200
    assert field_errors(response.content.decode())["body"]
    # A later empty form shows neither the error nor anything typed.
    form, fields = reply_form(page(client, scene))
    assert not field_errors(form)
    # A quote from elsewhere is refused with the text kept, for its writer only.
    response = client.post(url, {"body": "My careful words", "quoted_post": "999999"})
    assert response.status_code == 200
    assert "The post you quoted is not in this thread." in response.content.decode()
    assert "My careful words" in reply_form(response.content.decode())[0]
    assert "My careful words" not in page(client, scene)
