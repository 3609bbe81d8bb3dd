"""Every page answers odd query parameters with a page, a redirect or a refusal, never a 500.

The list of pages is checked against the URL patterns, so a new page must be added here
(with the GET parameters it reads) before this module passes again. Each value of the
corpus below goes into every parameter a page reads, one request per value, as a visitor
and a member, and as the community's owner (who moderates and manages the purpose) where
the page does more for them; rate limits are off, since the point is reading the values.
Runs on SQLite and PostgreSQL alike (PostgreSQL refuses NUL in any text).
"""

import datetime
from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from communities.services import create_invitation_link
from discussions.models import Post
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from purposes.services import create_challenge
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory
from tests.discussions.decisions_support import open_decision
from tests.discussions.factories import PostFactory, ThreadFactory, first_post, member_of
from tests.purposes.factories import GoalFactory, PurposeFactory

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts.", "communities.", "core.", "discussions.", "purposes.")

BIGINT = 2**63 - 1
STAMP = "2024-05-01T10:00:00+00:00"
# Each value goes, as is, into each parameter a page reads.
CORPUS = [
    "",
    "0",
    "-1",
    "1.5",
    "1e9",
    "²",
    "١٢",
    "9" * 40,
    str(BIGINT + 1),
    str(-BIGINT - 2),
    "\x00",
    "a\x00b",
    "a" * 5000,
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\u202eevil\u202c",
    "🙂",
    "nan",
    "inf",
    "|",
    "1|2|3|4",
    "1|²",
    f"{STAMP}|²",
    f"{STAMP}|1\x00",
    f"{STAMP}|{'9' * 40}",
    "0001-01-01T00:00:00+14:00|1",
    "9999-12-31T23:59:59-14:00|1",
    "2024-13-45T99:99:99+00:00|1",
    "2024-05-01T10:00:00|1",
    f"1|{STAMP}|²",
    f"0|{STAMP}|{'9' * 40}",
    "1|9999-12-31T23:59:59-14:00|1",
    f"2|{STAMP}|1",
    f"{STAMP}|post|²",
    f"{STAMP}|activity|{'9' * 40}",
    "0001-01-01T00:00:00+14:00|post|1",
    "9999-12-31T23:59:59-14:00|activity|1",
    "nan|1|1",
    "1e-999|1|1",
    "1e999|1|1",
    f"0.5|{'9' * 40}|1",
    f"0.5|1|{'9' * 40}",
    "999|1|1",
    f"{'9' * 40}|1",
    "nan|1",
]
# Query strings sent raw: broken percent-encoding, bytes that are not UTF-8, no value.
RAW_QUERIES = ["{p}=%ff%fe", "{p}=%zz", "{p}", "{p}=1&{p}=²&{p}=%00", "{p}[]=1", "{p}=%C0%80"]

# What each page is, by URL name: how to build its address from the test data, and the
# GET parameters its view (and the selectors it calls) read. Found by grepping the views
# for request.GET and the forms bound to it.
PAGES: dict[str, tuple[Callable[[dict], dict], tuple[str, ...]]] = {
    "home": (lambda d: {}, ("after",)),
    "healthz": (lambda d: {}, ()),
    "dev_mailbox": (lambda d: {}, ()),
    "dev_mailbox_message": (lambda d: {"key": "nothing"}, ("format",)),
    "person_detail": (lambda d: {"pk": d["member"].pk}, ()),
    "settings": (lambda d: {}, ()),
    "settings_profile": (lambda d: {}, ()),
    "settings_tokens": (lambda d: {}, ()),
    "settings_service_accounts": (lambda d: {}, ()),
    "admin_login": (lambda d: {}, ("next",)),
    "admin_logout": (lambda d: {}, ()),
    "purpose_list": (lambda d: {}, ("status", "after")),
    "purpose_create": (lambda d: {}, ()),
    "purpose_detail": (lambda d: {"slug": d["purpose"].slug}, ()),
    "purpose_idea_list": (lambda d: {"slug": d["purpose"].slug}, ("status", "after")),
    "purpose_edit": (lambda d: {"slug": d["purpose"].slug}, ()),
    "goal_create": (lambda d: {"slug": d["purpose"].slug}, ()),
    "goal_edit": (lambda d: {"slug": d["purpose"].slug, "goal_id": d["goal"].pk}, ()),
    "measurement_create": (lambda d: {"slug": d["purpose"].slug, "goal_id": d["goal"].pk}, ()),
    "goal_chart": (lambda d: {"slug": d["purpose"].slug, "goal_id": d["goal"].pk}, ()),
    "challenge_create": (lambda d: {"slug": d["purpose"].slug}, ()),
    "community_list": (lambda d: {}, ("purpose", "open_to_me", "q", "after")),
    "community_create": (lambda d: {}, ("purpose",)),
    "community_detail": (lambda d: {"slug": d["community"].slug}, ()),
    "community_members": (lambda d: {"slug": d["community"].slug}, ("q", "role", "after")),
    "community_settings": (lambda d: {"slug": d["community"].slug}, ()),
    "community_moderation": (lambda d: {"slug": d["community"].slug}, ()),
    "invitation_detail": (lambda d: {"token": d["invitation"].token}, ()),
    "invitation_signup": (lambda d: {"token": d["invitation"].token}, ()),
    "thread_list": (
        lambda d: {"slug": d["community"].slug},
        ("kind", "category", "tag", "after"),
    ),
    "thread_create": (lambda d: {"slug": d["community"].slug}, ("kind",)),
    "community_mentions": (lambda d: {"slug": d["community"].slug}, ("q",)),
    "thread_detail": (
        lambda d: {"slug": d["community"].slug, "thread_id": d["thread"].pk},
        ("after", "before", "quote"),
    ),
    "thread_move": (lambda d: {"slug": d["community"].slug, "thread_id": d["thread"].pk}, ()),
    "thread_mentions": (
        lambda d: {"slug": d["community"].slug, "thread_id": d["thread"].pk},
        ("q",),
    ),
    "post_edit": (
        lambda d: {
            "slug": d["community"].slug,
            "thread_id": d["thread"].pk,
            "post_id": d["first_post"].pk,
        },
        (),
    ),
    "post_revisions": (
        lambda d: {
            "slug": d["community"].slug,
            "thread_id": d["thread"].pk,
            "post_id": d["first_post"].pk,
        },
        ("after",),
    ),
    "idea_list": (
        lambda d: {"slug": d["community"].slug},
        ("sort", "status", "challenge", "tag", "after"),
    ),
    "idea_create": (lambda d: {"slug": d["community"].slug}, ("challenge",)),
    "idea_similar": (lambda d: {"slug": d["community"].slug}, ("title",)),
    "idea_status": (lambda d: {"slug": d["community"].slug, "thread_id": d["idea"].pk}, ()),
    "idea_merge": (lambda d: {"slug": d["community"].slug, "thread_id": d["idea"].pk}, ("into",)),
    "decision_create": (lambda d: {"slug": d["community"].slug}, ()),
    "decision_outcome": (
        lambda d: {"slug": d["community"].slug, "thread_id": d["decision"].pk},
        (),
    ),
    "search": (lambda d: {}, ("q", "after", "kind")),
}
# Pages whose parameters do more for the community's owner (moderating, managing).
OWNER_PAGES = {"community_create", "idea_merge", "thread_detail"}
# Pages that answer an htmx request with a part of themselves.
HTMX_PAGES = {"home", "idea_list", "search"}
# Actions: a GET is refused (405) whatever its parameters.
POST_ONLY = {
    "settings_token_revoke": lambda d: {"token_id": 1},
    "settings_service_token_create": lambda d: {"account_id": 1},
    "settings_service_token_revoke": lambda d: {"account_id": 1, "token_id": 1},
    "community_join": lambda d: {"slug": d["community"].slug},
    "community_request": lambda d: {"slug": d["community"].slug},
    "community_withdraw": lambda d: {"slug": d["community"].slug},
    "community_leave": lambda d: {"slug": d["community"].slug},
    "membership_preferences": lambda d: {"slug": d["community"].slug},
    "community_member_remove": lambda d: {"slug": d["community"].slug, "membership_id": 1},
    "community_member_role": lambda d: {"slug": d["community"].slug, "membership_id": 1},
    "community_request_decide": lambda d: {
        "slug": d["community"].slug,
        "request_id": 1,
        "decision": "approve",
    },
    "community_invite": lambda d: {"slug": d["community"].slug},
    "community_invite_link": lambda d: {"slug": d["community"].slug},
    "community_invitation_revoke": lambda d: {"slug": d["community"].slug, "invitation_id": 1},
    "community_unban": lambda d: {"slug": d["community"].slug, "user_id": 1},
    "purpose_status": lambda d: {"slug": d["purpose"].slug},
    "purpose_follow": lambda d: {"slug": d["purpose"].slug},
    "thread_reply": lambda d: {"slug": d["community"].slug, "thread_id": d["thread"].pk},
    "thread_follow": lambda d: {"slug": d["community"].slug, "thread_id": d["thread"].pk},
    "thread_moderate": lambda d: {"slug": d["community"].slug, "thread_id": d["thread"].pk},
    "post_delete": lambda d: {
        "slug": d["community"].slug,
        "thread_id": d["thread"].pk,
        "post_id": d["first_post"].pk,
    },
    "post_react": lambda d: {
        "slug": d["community"].slug,
        "thread_id": d["thread"].pk,
        "post_id": d["first_post"].pk,
    },
    "post_accept": lambda d: {
        "slug": d["community"].slug,
        "thread_id": d["thread"].pk,
        "post_id": d["first_post"].pk,
    },
    "idea_vote": lambda d: {"slug": d["community"].slug, "thread_id": d["idea"].pk},
    "idea_link_goal": lambda d: {"slug": d["community"].slug, "thread_id": d["idea"].pk},
    "idea_unlink_goal": lambda d: {
        "slug": d["community"].slug,
        "thread_id": d["idea"].pk,
        "goal_id": d["goal"].pk,
    },
    "decision_vote": lambda d: {"slug": d["community"].slug, "thread_id": d["decision"].pk},
    "decision_close": lambda d: {"slug": d["community"].slug, "thread_id": d["decision"].pk},
    "decision_link_goal": lambda d: {"slug": d["community"].slug, "thread_id": d["decision"].pk},
    "decision_unlink_goal": lambda d: {
        "slug": d["community"].slug,
        "thread_id": d["decision"].pk,
        "goal_id": d["goal"].pk,
    },
}
ANSWERS = {200, 302, 400, 403, 404}


def _our_routes(resolver: URLResolver) -> dict[str, URLPattern]:
    routes = {}
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            # The API's views live in the apps too; schemathesis sends them odd values.
            if entry.namespace != "api":
                routes |= _our_routes(entry)
        elif entry.name and getattr(entry.callback, "__module__", "").startswith(OUR_APPS):
            routes[entry.name] = entry
    return routes


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """Hundreds of requests a minute here test reading parameters, not the limits."""
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "")


@pytest.fixture
def data() -> dict:
    owner = UserFactory(member_type="employee")
    purpose = PurposeFactory(owners=[owner])
    community = CommunityFactory(
        owner=owner,
        purpose=purpose,
        visibility="public",
        audience=("employee", "customer"),
        categories=("General",),
    )
    member = member_of(community)
    thread = ThreadFactory(community=community, author=member, tags=["alpha"])
    PostFactory(thread=thread, author=owner)
    opening = first_post(thread)
    thread_services.edit_post(
        by=member,
        post=Post.objects.select_related("thread__community").get(pk=opening.pk),
        body="Edited once, so the post has a revision.",
    )
    now = timezone.now()
    challenge = create_challenge(
        purpose=purpose,
        by=owner,
        title="Fewer trucks",
        question="How?",
        description="",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    idea = idea_services.submit_idea(
        author=member,
        community=community,
        title="Night deliveries",
        description="Fewer trucks by day.",
        challenge=challenge,
        tags=["alpha"],
    )
    return {
        "owner": owner,
        "member": member,
        "purpose": purpose,
        "community": community,
        "thread": thread,
        "first_post": opening,
        "idea": idea.thread,
        "decision": open_decision(community).thread,
        "goal": GoalFactory(purpose=purpose),
        "invitation": create_invitation_link(
            community=community, by=owner, max_uses=5, valid_days=7
        ),
    }


def _clients(data: dict, roles: tuple[str, ...]) -> dict[str, Client]:
    clients = {}
    for role in roles:
        client = Client(raise_request_exception=False)
        if role != "visitor":
            client.force_login(data[role])
        clients[role] = client
    return clients


def _query_strings(params: tuple[str, ...]) -> list[str]:
    """Each value of the corpus in every parameter at once (the views read all of their
    parameters before answering, so one value cannot hide another's failure), then the
    raw query strings."""
    params = params or ("after", "q")
    queries = []
    for value in CORPUS:
        encoded = quote(value, safe="")
        queries.append("&".join(f"{param}={encoded}" for param in params))
    for raw in RAW_QUERIES:
        queries.append("&".join(raw.format(p=param) for param in params))
    return queries


def test_every_page_of_our_apps_is_listed():
    routes = _our_routes(get_resolver())
    assert set(routes) == set(PAGES) | set(POST_ONLY), (
        "add new pages to PAGES (with the GET parameters they read) or to POST_ONLY"
    )


@pytest.mark.parametrize("name", sorted(PAGES))
def test_odd_values_in_every_parameter_never_fail(name, data):
    kwargs, params = PAGES[name]
    url = reverse(name, kwargs=kwargs(data))
    # Pages that read no parameter get a few odd ones anyway, in case they start to.
    queries = _query_strings(params) if params else _query_strings(())[-8:]
    roles = ("visitor", "member", "owner") if name in OWNER_PAGES else ("visitor", "member")
    failures = []
    for role, client in _clients(data, roles).items():
        for number, query in enumerate(queries):
            # A member asks for every other value as htmx does (the page's part alone).
            htmx = name in HTMX_PAGES and role == "member" and number % 2 == 1
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.get(f"{url}?{query}", headers=headers)
            if response.status_code not in ANSWERS:
                failures.append((role, htmx, query[:80], response.status_code))
    assert failures == []


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_actions_refuse_a_get_whatever_its_parameters(name, data):
    url = reverse(name, kwargs=POST_ONLY[name](data))
    for client in _clients(data, ("visitor", "member", "owner")).values():
        response = client.get(f"{url}?after=%C2%B2&q=%00")
        assert response.status_code in {302, 405}


def test_odd_values_in_the_address_itself_never_fail(data):
    """Path parameters: ids too large for any column, tokens and keys with a NUL."""
    huge = str(BIGINT + 1)
    slug, thread = data["community"].slug, data["thread"].pk
    urls = [
        f"/people/{huge}/",
        f"/purposes/{data['purpose'].slug}/goals/{huge}/edit/",
        f"/purposes/{data['purpose'].slug}/goals/{huge}/chart.svg",
        f"/communities/{slug}/threads/{huge}/",
        f"/communities/{slug}/threads/{huge}/mentions/?q=a",
        f"/communities/{slug}/threads/{thread}/posts/{huge}/revisions/",
        f"/communities/{slug}/threads/{thread}/posts/{huge}/edit/",
        f"/communities/{slug}/ideas/{huge}/status/",
        f"/communities/{slug}/ideas/{huge}/merge/",
        f"/communities/{slug}/decisions/{huge}/outcome/",
        "/invitations/%00/",
        "/invitations/a%00b/sign-up/",
        f"/invitations/{'a' * 5000}/",
        "/dev/mailbox/%00/",
    ]
    for role, client in _clients(data, ("visitor", "member", "owner")).items():
        for url in urls:
            response = client.get(url)
            assert response.status_code in ANSWERS, (role, url, response.status_code)
