"""What the query-budget tests share: the budgets, bulk-made people, a budgeted GET, and
the check that a visitor's GETs write nothing.

Pages are measured at a small and a large size (rows made with bulk_create to stay fast):
both counts must match and fit the budget.
"""

import itertools

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import MemberType, Organisation, User

VISITOR_BUDGET = 8
MEMBER_BUDGET = 12
WRITE_PREFIXES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

_serial = itertools.count(1)


def bulk_people(
    count: int,
    *,
    label: str = "person",
    organisation: Organisation | None = None,
    member_type: str = MemberType.EMPLOYEE,
) -> list[User]:
    """`count` people written in one insert (no verified address: never signed in)."""
    numbers = [next(_serial) for _ in range(count)]
    return User.objects.bulk_create(
        User(
            email=f"{label}{number}@queries.example",
            display_name=f"{label.capitalize()} {number}",
            organisation=organisation,
            member_type=member_type,
            password="!",
        )
        for number in numbers
    )


def budgeted_get(client, viewer, assert_max_num_queries):
    """A GET (200 expected) within the visitor's budget when `viewer` is None, else the
    member's; it returns the query count and the response."""
    budget = VISITOR_BUDGET if viewer is None else MEMBER_BUDGET

    def get(url: str):
        # An empty cache: the session is read from the database too, the costly case.
        cache.clear()
        with assert_max_num_queries(budget) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(captured), response

    return get


def writes_in(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith(WRITE_PREFIXES)
    ]


def assert_visitor_gets_write_nothing(client, urls: list[str]) -> None:
    """Each URL answers 200 without a write, a session row or a session cookie."""
    sessions_before = Session.objects.count()
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        assert writes_in(captured) == [], url
        assert "sessionid" not in response.cookies, url
    assert Session.objects.count() == sessions_before == 0
    assert "sessionid" not in client.cookies
