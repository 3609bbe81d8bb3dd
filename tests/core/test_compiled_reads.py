"""Reads compiled once per shape (`core.compiled_reads`): each call gets the rows of its
own values, the queryset is built only the first time, and a value that would change
the SQL itself is refused rather than reused wrongly."""

import datetime

import pytest
from django.db.models import F, Q, Value
from django.db.models.functions import Concat

from accounts.permissions import PositionedReader
from core.compiled_reads import ShapeError, forget_compiled, models_of, rows_of
from discussions.models import Thread
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import ThreadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_shapes():
    forget_compiled()
    yield
    forget_compiled()


@pytest.fixture
def threads():
    harbour = CommunityFactory(visibility="public", name="Harbour", slug="harbour")
    depot = CommunityFactory(visibility="public", name="Depot", slug="depot")
    return (
        ThreadFactory(community=harbour, title="Tide tables"),
        ThreadFactory(community=depot, title="Charging bays"),
    )


class Builds:
    """A build function that counts how often it is asked for its queryset."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, *values):
        self.calls += 1
        return self.build(*values)


def _thread_by_id_and_slug(thread_id, slug):
    return (
        Thread.objects.select_related("community")
        .filter(pk=thread_id, community__slug=slug)
        .annotate(heading=Concat(F("community__name"), Value(": "), F("title")))
    )


def test_each_call_reads_its_own_values_with_related_models_and_annotations(threads):
    tide, charging = threads
    build = Builds(_thread_by_id_and_slug)

    first = models_of("thread-by-slug", build, (tide.pk, "harbour"))
    second = models_of("thread-by-slug", build, (charging.pk, "depot"))
    crossed = models_of("thread-by-slug", build, (charging.pk, "harbour"))

    assert [(t.pk, t.title, t.community.name, t.heading) for t in first] == [
        (tide.pk, "Tide tables", "Harbour", "Harbour: Tide tables")
    ]
    assert [(t.pk, t.community.slug, t.heading) for t in second] == [
        (charging.pk, "depot", "Depot: Charging bays")
    ]
    assert crossed == []
    assert build.calls == 1
    # The models are whole: saving one writes it back.
    first[0].title = "Tide tables 2027"
    first[0].save(update_fields=["title"])
    assert Thread.objects.get(pk=tide.pk).title == "Tide tables 2027"


def test_rows_are_the_values_list_of_each_calls_values(threads):
    tide, charging = threads
    build = Builds(
        lambda slug: (
            Thread.objects.filter(community__slug=slug)
            .order_by("pk")
            .values_list("pk", "title", "community__name")
        )
    )

    assert rows_of("titles", build, ("harbour",)) == [(tide.pk, "Tide tables", "Harbour")]
    assert rows_of("titles", build, ("depot",)) == [(charging.pk, "Charging bays", "Depot")]
    assert rows_of("titles", build, ("nowhere",)) == []
    assert build.calls == 1


def test_shapes_are_compiled_apart(threads):
    tide, charging = threads
    newest = models_of("one", lambda slug: Thread.objects.filter(community__slug=slug), ("depot",))
    by_title = models_of(
        "other", lambda title: Thread.objects.filter(title=title), ("Tide tables",)
    )
    assert [t.pk for t in newest] == [charging.pk]
    assert [t.pk for t in by_title] == [tide.pk]


def test_a_value_written_into_the_sql_is_refused(threads):
    # A slice's bounds are written into the SQL text: reusing it for another limit
    # would give the first call's number of rows.
    with pytest.raises(ShapeError):
        models_of("limit", lambda limit: Thread.objects.order_by("pk")[:limit], (1,))


@pytest.mark.parametrize("value", [True, None])
def test_a_value_that_changes_the_sql_must_be_part_of_the_shape(threads, value):
    with pytest.raises(ShapeError):
        models_of("flag", lambda flag: Thread.objects.filter(is_pinned=flag), (value,))


def test_a_values_list_is_not_read_as_models_nor_models_as_rows(threads):
    with pytest.raises(ShapeError):
        models_of("as models", lambda slug: Thread.objects.values_list("pk"), ("harbour",))
    with pytest.raises(ShapeError):
        rows_of("as rows", lambda slug: Thread.objects.filter(community__slug=slug), ("depot",))


def test_a_positioned_reader_has_only_what_its_position_says():
    reader = PositionedReader((True, False, "customer"), 7)
    assert (reader.pk, reader.is_authenticated, reader.is_staff, reader.member_type) == (
        7,
        True,
        False,
        "customer",
    )
    visitor = PositionedReader((False, False, ""))
    assert visitor.pk is None and visitor.is_anonymous
    # A rule asking more of a person cannot be compiled for a whole position.
    with pytest.raises(AttributeError):
        reader.organisation_id  # noqa: B018


def test_a_moment_in_an_orm_lookup_is_passed_as_the_database_takes_it(threads):
    """The ORM adapts a moment in a lookup (SQLite: naive UTC text); each call's moment
    goes the same way, so the rows follow it on every database."""
    tide, charging = threads
    Thread.objects.filter(pk=tide.pk).update(
        last_activity_at=datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC)
    )
    Thread.objects.filter(pk=charging.pk).update(
        last_activity_at=datetime.datetime(2030, 1, 2, 12, tzinfo=datetime.UTC)
    )

    def active_before(moment):
        return (
            Thread.objects.filter(Q(last_activity_at__lt=moment))
            .order_by("pk")
            .values_list("title", flat=False)
        )

    def titles(moment):
        return [row[0] for row in rows_of(("active-before",), active_before, (moment,))]

    assert titles(datetime.datetime(2030, 1, 1, 13, tzinfo=datetime.UTC)) == ["Tide tables"]
    assert titles(datetime.datetime(2030, 1, 3, tzinfo=datetime.UTC)) == [
        "Tide tables",
        "Charging bays",
    ]
    # An hour before in another zone is the same moment.
    zone = datetime.timezone(datetime.timedelta(hours=-5))
    assert titles(datetime.datetime(2030, 1, 1, 8, 30, tzinfo=zone)) == ["Tide tables"]
