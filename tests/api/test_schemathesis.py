"""Schemathesis against the live schema: every documented operation, with data generated
from the schema (valid and invalid), signed in with a token that may write. No answer may
be a server error, and every answer must conform to the schema (status, content type,
headers, body).

Path parameters are pointed at a real community, thread and idea, so the operations act
on rows that exist instead of only answering 404. Site-wide webhooks are tried with an
administrator's token. No delivery leaves the machine (`offline_deliveries`): endpoints
registered with generated addresses are checked and "sent" without a connection.
"""

import datetime

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from discussions.services import ideas as idea_services
from purposes.services import create_challenge
from tests.accounts.factories import OrganisationFactory
from tests.api.support import place, thread_in, token_for
from tests.discussions.decisions_support import open_decision, option
from tests.discussions.factories import PostFactory
from tests.purposes.factories import AdministratorFactory, GoalFactory
from tests.webhooks.support import endpoint_for, offline_deliveries
from webhooks import services as webhook_services

# The operations of profiles, organisations, purposes, configuration, idea governance,
# decisions and webhooks: checked with fewer examples each and no coverage phase (there are
# many).
LATER_OPERATIONS = (
    r"^/api/v1/(me/profile/|people/|organisations/|purposes/|webhooks/"
    r"|communities/\{slug\}/(settings|categories|roles|decisions|webhooks)/"
    r"|communities/\{slug\}/ideas/\{thread_id\}/(status-changes|merge|goals)/)"
)
schema = schemathesis.pytest.from_fixture("live_api_schema").exclude(path_regex=LATER_OPERATIONS)
later_schema = schemathesis.pytest.from_fixture("live_api_schema").include(
    path_regex=LATER_OPERATIONS
)


@pytest.fixture
def offline(monkeypatch) -> list[str]:
    return offline_deliveries(monkeypatch)


@pytest.fixture
def live_api_schema(live_server, settings, offline):
    # Hundreds of generated requests test the shapes, not the rate limits.
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "")
    settings.POSTS_PER_MINUTE = 100_000
    # The later operations skip the coverage phase (its boundary cases for every field cost
    # minutes across them all); generated examples still send valid and invalid data.
    config = SchemathesisConfig.from_dict(
        {
            "operations": [
                {
                    "include-path-regex": LATER_OPERATIONS,
                    "phases": {"coverage": {"enabled": False}},
                }
            ]
        }
    )
    return schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json", config=config
    )


@pytest.fixture
def world(transactional_db, offline):
    spot = place("public", categories=("Logistics",))
    thread = thread_in(spot.community, title="Depot routes")
    idea = idea_services.submit_idea(
        author=spot.owner, community=spot.community, title="Cargo bikes", description="Yes."
    )
    reply = PostFactory(thread=thread, author=spot.member, body="North first")
    decision = open_decision(spot.community)
    purpose = spot.community.purpose
    goal = GoalFactory(purpose=purpose)
    challenge = create_challenge(
        purpose=purpose,
        by=spot.owner,
        title="Last mile",
        question="How?",
        description="",
        opens_at=timezone.now(),
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    # Each scope has an endpoint for its detail operations (DELETE removes it) and one
    # with a delivery, for the log, test events and redelivery.
    endpoint = endpoint_for(spot.owner, spot.community)
    logged = endpoint_for(spot.owner, spot.community, url="https://logged.example.com/")
    administrator = AdministratorFactory()
    site_endpoint = endpoint_for(administrator, None)
    site_logged = endpoint_for(administrator, None, url="https://logged.example.com/")
    return {
        "slug": spot.community.slug,
        "purpose": purpose.slug,
        "thread": thread.pk,
        "post": reply.pk,
        "idea": idea.thread_id,
        "decision": decision.thread_id,
        "goal_id": goal.pk,
        "challenge_id": challenge.pk,
        "option_id": option(decision, "Red").pk,
        "user_id": spot.member.pk,
        "person_id": spot.member.pk,
        "organisation_id": OrganisationFactory().pk,
        "endpoint_id": endpoint.pk,
        "logged_endpoint_id": logged.pk,
        "delivery_id": webhook_services.send_test(by=spot.owner, endpoint=logged).pk,
        "site": {
            "endpoint_id": site_endpoint.pk,
            "logged_endpoint_id": site_logged.pk,
            "delivery_id": webhook_services.send_test(by=administrator, endpoint=site_logged).pk,
            "token": token_for(administrator, "read_write"),
        },
        # The community's owner also owns its purpose: the writes of configuration and
        # governance are tried for real, not only refused.
        "token": token_for(spot.owner, "read_write"),
    }


def _thread_for(path: str, world: dict) -> int:
    if "/ideas/" in path:
        return world["idea"]
    if "/decisions/" in path:
        return world["decision"]
    return world["thread"]


def generated_invalid(case, location: str) -> bool:
    """Whether schemathesis made this part of the request break the schema on purpose:
    then it is sent as generated, since putting a real id or token in would make the
    request valid while the check still expects it refused."""
    info = case.meta.components.get(ParameterLocation(location)) if case.meta else None
    return info is not None and info.mode.is_negative


def call_and_validate(case, world) -> None:
    parameters = {} if generated_invalid(case, "path") else (case.path_parameters or {})
    if case.path.startswith("/api/v1/webhooks/"):
        # Site-wide webhooks are administrators': tried for real, not only refused.
        world = {**world, **world["site"]}
    if "/webhooks/" in case.path and ("/deliveries/" in case.path or "/ping/" in case.path):
        world = {**world, "endpoint_id": world["logged_endpoint_id"]}
    headers = (
        {} if generated_invalid(case, "header") else {"Authorization": f"Bearer {world['token']}"}
    )
    if "slug" in parameters:
        parameters["slug"] = world[
            "purpose" if case.path.startswith("/api/v1/purposes/") else "slug"
        ]
    if "post_id" in parameters:
        parameters["post_id"] = world["post"]
    if "thread_id" in parameters:
        parameters["thread_id"] = _thread_for(case.path, world)
    for name in (
        "goal_id",
        "challenge_id",
        "option_id",
        "user_id",
        "person_id",
        "organisation_id",
        "endpoint_id",
        "delivery_id",
    ):
        if name in parameters:
            parameters[name] = world[name]
    case.call_and_validate(
        headers=headers,
        # "Schema-valid data is accepted" cannot hold for rules the services keep: a blank
        # title, a category of another community, a second vote are shaped right and
        # refused with 400 and the reason (tested in test_errors and test_access).
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


# Groups by method, so the test processes share the work; together they are every
# operation of the schema (test_the_groups_cover_every_operation).
METHOD_GROUPS = {"reads": "GET", "creates": "POST", "changes": "PUT|PATCH|DELETE"}


def _examples(count: int):
    return hypothesis_settings(
        max_examples=count,
        # The same examples on every run: CI passes or fails on the code, not on the draw.
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@schema.include(method_regex=f"^({METHOD_GROUPS['reads']})$").parametrize()
@_examples(25)
def test_every_read_conforms_and_never_fails(case, world):
    call_and_validate(case, world)


@schema.include(method_regex=f"^({METHOD_GROUPS['creates']})$").parametrize()
@_examples(25)
def test_every_create_conforms_and_never_fails(case, world):
    call_and_validate(case, world)


@schema.include(method_regex=f"^({METHOD_GROUPS['changes']})$").parametrize()
@_examples(25)
def test_every_change_conforms_and_never_fails(case, world):
    call_and_validate(case, world)


@later_schema.include(method_regex=f"^({METHOD_GROUPS['reads']})$").parametrize()
@_examples(5)
def test_every_later_read_conforms_and_never_fails(case, world):
    call_and_validate(case, world)


@later_schema.exclude(method_regex=f"^({METHOD_GROUPS['reads']})$").parametrize()
@_examples(5)
def test_every_later_write_conforms_and_never_fails(case, world):
    call_and_validate(case, world)


def test_the_groups_cover_every_operation(client):
    import re

    document = client.get("/api/schema/?format=json").json()
    methods = {
        method.upper()
        for operations in document["paths"].values()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
    }
    grouped = {m for m in methods if any(re.fullmatch(g, m) for g in METHOD_GROUPS.values())}
    assert methods and grouped == methods
