"""One error shape for every refusal, and never a 500, whatever is sent."""

import itertools

import pytest
from django.test import Client

from discussions.models import Idea, Post, Thread
from tests.api.support import api_client, ideas_url, place, thread_in, threads_url
from tests.test_odd_parameters import CORPUS

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_bad_input_answers_400_with_the_field_errors_and_writes_nothing():
    spot = place("public")
    client = api_client(spot.member)
    answer = client.post(
        ideas_url(spot.community),
        {"title": "Line one\nline two", "description": "   ", "challenge": 0},
        "application/json",
    )
    assert answer.status_code == 400
    assert answer["Content-Type"] == PROBLEM
    body = answer.json()
    assert body["type"] == "about:blank"
    assert body["title"] == "Bad Request"
    assert body["status"] == 400
    assert body["code"] == "invalid"
    assert body["errors"] == {"challenge": ["Ensure this value is greater than or equal to 1."]}
    assert not Idea.objects.exists()

    # The services' own checks come back per field, in the pages' words.
    answer = client.post(
        ideas_url(spot.community),
        {"title": "Line one\nline two", "description": "   "},
        "application/json",
    )
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"title"}
    answer = client.post(
        ideas_url(spot.community), {"title": "Bikes", "description": "   "}, "application/json"
    )
    assert answer.json()["errors"] == {
        "description": ["Describe your idea: what should change, and why."]
    }
    assert not Idea.objects.exists() and not Thread.objects.exists()


def test_a_thread_needs_a_title_a_body_and_a_category_of_its_own_community():
    spot = place("public")
    client = api_client(spot.member)
    answer = client.post(threads_url(spot.community), {}, "application/json")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "title": ["This field is required."],
        "body": ["This field is required."],
    }
    answer = client.post(
        threads_url(spot.community),
        {"title": "Hi", "body": "There", "category": 99, "tags": "not a list"},
        "application/json",
    )
    assert set(answer.json()["errors"]) == {"tags"}
    answer = client.post(
        threads_url(spot.community),
        {"title": "Hi", "body": "There", "category": 99},
        "application/json",
    )
    assert answer.json()["errors"] == {"category": ["Choose a category of this community."]}
    assert not Thread.objects.exists()


def test_a_quote_from_another_thread_is_refused():
    spot = place("public")
    thread, elsewhere = thread_in(spot.community), thread_in(spot.community)
    foreign = Post.objects.get(thread=elsewhere)
    answer = api_client(spot.member).post(
        f"{threads_url(spot.community)}{thread.pk}/posts/",
        {"body": "As they said", "quoted_post": foreign.pk},
        "application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "quoted_post": ["The post you quoted is not in this thread."]
    }
    assert Post.objects.filter(thread=thread).count() == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("null", "application/json", 400),
        ("title=Hi&body=There", "application/x-www-form-urlencoded", 415),
        ('{"title": "\\u0000", "body": "\\u0000"}', "application/json", 400),
        ('{"title": ["a"], "body": {"b": 1}}', "application/json", 400),
        ('{"title": "Hi", "body": "There", "tags": [null]}', "application/json", 400),
        ('{"title": "Hi", "body": "There", "category": 1e400}', "application/json", 400),
        (
            '{"title": "Hi", "body": "There", "category": 99999999999999999999999}',
            "application/json",
            400,
        ),
    ],
)
def test_odd_bodies_are_refused_as_problems(body, content_type, status):
    spot = place("public")
    answer = api_client(spot.member).post(
        threads_url(spot.community), body, content_type=content_type
    )
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == PROBLEM
    assert not Thread.objects.exists()


def test_odd_query_parameters_never_fail(settings):
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "")
    spot = place("public")
    thread = thread_in(spot.community)
    lists = {
        "/api/v1/communities/": ("cursor", "page_size", "q", "purpose", "open_to_me"),
        threads_url(spot.community): ("cursor", "page_size", "kind", "category", "tag"),
        f"{threads_url(spot.community)}{thread.pk}/posts/": ("cursor", "page_size"),
        ideas_url(spot.community): ("cursor", "page_size", "sort", "status", "challenge", "tag"),
    }
    client = api_client(spot.member, scope="read")
    for (url, parameters), value in itertools.product(lists.items(), CORPUS):
        for parameter in parameters:
            answer = client.get(url, {parameter: value})
            assert answer.status_code in (200, 400), (url, parameter, value, answer.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/communities/nothing-here/",
        "/api/v1/communities/nothing-here/threads/",
        "/api/v1/communities/{slug}/threads/99999999999999999999/",
        "/api/v1/communities/{slug}/threads/9223372036854775807/posts/",
        "/api/v1/communities/{slug}/ideas/0/",
        "/api/v1/no-such-resource/",
        "/api/v2/",
    ],
)
def test_unknown_addresses_answer_404_problems(path):
    spot = place("public")
    answer = Client().get(path.format(slug=spot.community.slug))
    assert answer.status_code == 404
    assert answer["Content-Type"] == PROBLEM
    assert answer.json()["title"] == "Not Found"


def test_a_method_that_does_not_exist_answers_405():
    spot = place("public")
    answer = api_client(spot.member).put(threads_url(spot.community), {}, "application/json")
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"


def test_a_misspelt_or_empty_parameter_is_refused_not_ignored():
    spot = place("public")
    answer = Client().get(ideas_url(spot.community), {"statu": "new", "tag": ""})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "statu": [
            "This list takes no such parameter; it takes cursor, page_size, sort, status, "
            "challenge, tag."
        ],
        "tag": ["Leave this parameter out rather than sending it empty."],
    }


def test_a_parameter_too_long_as_sent_is_refused_even_if_trimming_would_shorten_it():
    """The schema's maxLength is about the text sent: 500 characters of a cursor padded
    with control characters Python counts as whitespace are refused, not trimmed."""
    spot = place("public")
    padded = "abc" + "\x1e" * 600
    answer = Client().get("/api/v1/communities/", {"cursor": padded})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "cursor": ["Ensure this field has no more than 500 characters."]
    }
    assert Client().get(ideas_url(spot.community), {"cursor": "abc"}).status_code == 200
