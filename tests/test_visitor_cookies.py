"""A visitor reading public pages gets no cookie: nothing to sign, no form to protect.
A CSRF cookie set on a read-only page would also make every such answer personal to
the visitor (`Vary: Cookie` with `Set-Cookie`), so no shared cache could keep it."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from communities.models import Visibility
from discussions.models import Thread
from discussions.services import ideas as idea_services
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import PostFactory, ThreadFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_pages() -> dict[str, str]:
    community = CommunityFactory(visibility=Visibility.PUBLIC)
    author = member_of(community, member_type="employee")
    thread = ThreadFactory(community=community, author=author, title="Forklift checks")
    PostFactory(thread=thread, author=author, body="Four minutes instead of ten.")
    idea_services.submit_idea(
        author=author, community=community, title="Charge vans at night", description="Cheaper."
    )
    slug = community.slug
    return {
        "thread page": thread.get_absolute_url(),
        "thread list": reverse("thread_list", args=[slug]),
        "idea list": reverse("idea_list", args=[slug]),
        "community home": community.get_absolute_url(),
        "directory": reverse("community_list"),
        "purpose page": community.purpose.get_absolute_url(),
        "search": reverse("search") + "?q=forklift",
    }


@pytest.mark.parametrize(
    "page",
    [
        "thread page",
        "thread list",
        "idea list",
        "community home",
        "directory",
        "purpose page",
        "search",
    ],
)
def test_a_visitor_reading_a_public_page_gets_no_cookie(public_pages, page):
    response = Client().get(public_pages[page])
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not response.cookies


def test_a_signed_in_reader_still_gets_working_forms_on_the_thread_page(public_pages):
    """The forms under each post keep their CSRF field for people who may use them."""
    client = Client()
    thread = Thread.objects.get(title="Forklift checks")
    client.force_login(member_of(thread.community, member_type="employee"))
    page = client.get(public_pages["thread page"]).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 2
    assert 'name="kind" value="like"' in page


def test_the_thread_pages_forms_share_one_token_and_a_reaction_posted_with_it_counts(
    public_pages,
):
    """The token is masked once per response (as Django's own templates do), not once
    per form, and the CSRF check accepts it when a form is sent."""
    client = Client(enforce_csrf_checks=True)
    thread = Thread.objects.get(title="Forklift checks")
    client.force_login(member_of(thread.community, member_type="employee"))
    page = client.get(public_pages["thread page"]).content.decode()

    fields = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    # Every form's field is the same (`csrf_token`, where a template writes its own
    # field, is masked once more).
    tokens = set(fields)
    assert len(fields) > len(tokens) and len(tokens) <= 2
    form = re.search(
        r'<form[^>]*action="([^"]+)"[^>]*>(?:(?!</form>).)*name="kind" value="like"', page, re.S
    )
    response = client.post(
        html.unescape(form[1]), {"csrfmiddlewaretoken": tokens.pop(), "kind": "like"}
    )

    assert response.status_code in (200, 302)
    assert thread.posts.order_by("pk").first().reactions.filter(kind="like").count() == 1
