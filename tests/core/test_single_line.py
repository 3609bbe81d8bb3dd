"""Single-line fields refuse line breaks and control characters, on every page and in every
service that writes them; the chart and the email code cope with what is already stored."""

import datetime
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from decimal import Decimal

import pytest
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.adapters import SocialAccountAdapter
from accounts.models import User
from communities import services as community_services
from communities.models import Category, Community
from core.text import is_single_line, one_line, strip_control_characters
from discussions.models import DecisionOption, Tag, Thread
from discussions.services import decisions as decision_services
from discussions.services import ideas as idea_services
from discussions.services import threads as thread_services
from purposes import services as purpose_services
from purposes.models import Challenge, Goal, Purpose
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, owner_of
from tests.core.reading import field_values, form_errors
from tests.discussions.factories import ThreadFactory, first_post, member_of
from tests.purposes.factories import AdministratorFactory, GoalFactory, PurposeFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Keep this on one line, without line breaks, tabs or control characters."


@pytest.mark.parametrize(
    "value",
    [
        "Ana\nLima",
        "Ana\r\nLima",
        "Ana\tLima",
        "Ana\x0bLima",
        "Ana\x1bLima",
        "Ana\x85Lima",
        "Ana\u2028Lima",
        "Ana\u2029Lima",
        "Ana\u202eamiL",
        "Ana\u200bLima",
        "Ana\ufeffLima",
        "Ana\ufffeLima",
    ],
)
def test_line_breaks_tabs_and_control_characters_are_not_one_line(value):
    assert not is_single_line(value)
    assert is_single_line(strip_control_characters(value))
    assert is_single_line(one_line(value))


@pytest.mark.parametrize(
    "value", ["Ana Lima", "Zoë Müller-Łukasz", "محمد", "👩‍👩‍👧 family", "می‌خواهم", "CO₂ (t)"]
)
def test_ordinary_names_in_any_script_are_one_line(value):
    assert is_single_line(value)
    assert one_line(value) == value


def test_one_line_collapses_whitespace_for_headers():
    assert one_line(" Ana\r\n\tLima\u2028 \x07Jr ") == "Ana Lima Jr"


# -- every page refuses them, keeps the text, changes nothing ---------------------------------


def closing_field() -> str:
    return (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


def profile_page(client):
    user = UserFactory(display_name="Ana Lima")
    client.force_login(user)
    data = {"bio": "", "timezone": "UTC", "language": "en"}
    return reverse("settings_profile"), data, lambda: User.objects.get(pk=user.pk).display_name


def signup_page(client, field):
    data = {
        "email": "ana@example.org",
        "password1": "a-long-and-unusual-passphrase-7",
        "password2": "a-long-and-unusual-passphrase-7",
    }
    return reverse("account_signup"), data, lambda: User.objects.count()


def community_settings_page(client, field):
    community = CommunityFactory(name="Green fleet", categories=["General"])
    client.force_login(owner_of(community))
    data = {
        "purpose": community.purpose.pk,
        "name": "Green fleet",
        "slug": community.slug,
        "description": "",
        "guidelines": "",
        "audience": ["employee"],
        "visibility": "listed",
        "join_policy": "open",
        "default_notification_level": "participating",
        "categories": "General",
    }
    return (
        reverse("community_settings", args=[community.slug]),
        data,
        lambda: (
            list(Community.objects.values_list("name", flat=True)),
            list(Category.objects.values_list("name", flat=True)),
        ),
    )


def community_create_page(client, field):
    administrator = AdministratorFactory()
    purpose = PurposeFactory()
    client.force_login(administrator)
    data = {
        "purpose": purpose.pk,
        "name": "Green fleet",
        "slug": "green-fleet",
        "audience": ["employee"],
        "visibility": "listed",
        "join_policy": "open",
        "default_notification_level": "participating",
        "categories": "General",
    }
    return reverse("community_create"), data, lambda: Community.objects.count()


def purpose_edit_page(client, field):
    purpose = PurposeFactory(title="Cut CO2")
    client.force_login(purpose.owners.get())
    data = {"title": "Cut CO2", "slug": purpose.slug, "statement": "", "cover_colour": "blue"}
    return (
        reverse("purpose_edit", args=[purpose.slug]),
        data,
        lambda: list(Purpose.objects.values_list("title", flat=True)),
    )


def goal_create_page(client, field):
    purpose = PurposeFactory()
    client.force_login(purpose.owners.get())
    data = {"metric": "CO2", "unit": "t", "baseline": "100", "target": "50"}
    return reverse("goal_create", args=[purpose.slug]), data, lambda: Goal.objects.count()


def goal_edit_page(client, field):
    goal = GoalFactory(metric="CO2", unit="t")
    client.force_login(goal.purpose.owners.get())
    data = {"metric": "CO2", "unit": "t", "baseline": "100", "target": "50"}
    return (
        reverse("goal_edit", args=[goal.purpose.slug, goal.pk]),
        data,
        lambda: list(Goal.objects.values_list("metric", "unit")),
    )


def challenge_create_page(client, field):
    purpose = PurposeFactory()
    client.force_login(purpose.owners.get())
    data = {
        "title": "Ideas",
        "question": "How?",
        "opens_at": "2030-05-02T09:00",
        "closes_at": "2030-05-09T09:00",
    }
    return (
        reverse("challenge_create", args=[purpose.slug]),
        data,
        lambda: Challenge.objects.count(),
    )


def threads_and_tags():
    return (
        list(Thread.objects.values_list("title", flat=True)),
        list(Tag.objects.values_list("name", flat=True)),
    )


def thread_create_page(client, field):
    community = CommunityFactory(visibility="public")
    client.force_login(member_of(community))
    data = {"kind": "discussion", "title": "Charging", "tags": "ev", "body": "My careful words"}
    return reverse("thread_create", args=[community.slug]), data, threads_and_tags


def post_edit_page(client, field):
    thread = ThreadFactory(title="Charging")
    client.force_login(thread.author)
    post = first_post(thread)
    data = {"title": "Charging", "body": "My careful words"}
    url = reverse("post_edit", args=[thread.community.slug, thread.pk, post.pk])
    return url, data, threads_and_tags


def idea_create_page(client, field):
    community = CommunityFactory(visibility="public")
    client.force_login(member_of(community))
    data = {"title": "Dark mode", "description": "My careful words", "tags": "ui", "confirm": "1"}
    return reverse("idea_create", args=[community.slug]), data, threads_and_tags


def decision_create_page(client, field):
    community = CommunityFactory(visibility="public")
    client.force_login(member_of(community))
    data = {
        "title": "Where do we meet?",
        "body": "My careful words",
        "mode": "single",
        "options": "Office\nPark",
        "closes_at": closing_field(),
    }
    return (
        reverse("decision_create", args=[community.slug]),
        data,
        lambda: (threads_and_tags(), DecisionOption.objects.count()),
    )


PAGE_CASES = [
    ("profile", profile_page, "display_name", "Ana\nLima"),
    ("profile", profile_page, "display_name", "Ana\u202eamiL"),
    ("signup", signup_page, "display_name", "Ana\r\nLima"),
    ("community-settings", community_settings_page, "name", "Green\r\nfleet"),
    ("community-settings", community_settings_page, "categories", "General\nFleet\tnight"),
    ("community-create", community_create_page, "name", "Green\u2028fleet"),
    ("community-create", community_create_page, "categories", "General\nFle\x1bet"),
    ("purpose-edit", purpose_edit_page, "title", "Cut\nCO2"),
    ("goal-create", goal_create_page, "metric", "CO2\x0b total"),
    ("goal-create", goal_create_page, "unit", "t\ty"),
    ("goal-edit", goal_edit_page, "metric", "CO2\u2029total"),
    ("goal-edit", goal_edit_page, "unit", "t\u200b"),
    ("challenge-create", challenge_create_page, "title", "Ideas\nwanted"),
    ("challenge-create", challenge_create_page, "question", "How\u0007?"),
    ("thread-create", thread_create_page, "title", "Charging\tat night"),
    ("thread-create", thread_create_page, "tags", "ev, ni\u202eght"),
    ("post-edit", post_edit_page, "title", "Charging\u2028at night"),
    ("idea-create", idea_create_page, "title", "Dark\tmode"),
    ("idea-create", idea_create_page, "tags", "ui, da\x1brk"),
    ("decision-create", decision_create_page, "title", "Where\tdo we meet?"),
    ("decision-create", decision_create_page, "options", "Office\nPa\x1brk"),
]


@pytest.mark.parametrize(
    ("page", "field", "value"),
    [(page, field, value) for _name, page, field, value in PAGE_CASES],
    ids=[f"{name}-{field}-{index}" for index, (name, _p, field, _v) in enumerate(PAGE_CASES)],
)
def test_each_page_refuses_a_value_that_is_not_one_line(client, page, field, value):
    url, data, state = page(client) if page is profile_page else page(client, field)
    before = state()

    response = client.post(url, {**data, field: value})

    assert response.status_code == 200
    assert form_errors(response.text) == {field: [MESSAGE]}
    assert field_values(response.text)[field] == [value]
    assert state() == before


@pytest.mark.parametrize(
    ("page", "field", "value"),
    [
        (profile_page, "display_name", "Zoë 👩‍👩‍👧"),
        (thread_create_page, "title", "Charging at night"),
        (goal_create_page, "metric", "CO₂ per parcel"),
    ],
)
def test_the_same_pages_accept_ordinary_one_line_text(client, page, field, value):
    url, data, state = page(client) if page is profile_page else page(client, field)

    response = client.post(url, {**data, field: value})

    assert response.status_code == 302


# -- every service refuses them too -----------------------------------------------------------


def refusal(call: Callable[[], object]) -> dict:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def test_the_profile_service_refuses_a_display_name_with_a_line_break():
    user = UserFactory(display_name="Ana Lima")

    errors = refusal(
        lambda: account_services.update_profile(
            user=user, display_name="Ana\nLima", bio="", timezone="UTC", language="en"
        )
    )

    assert errors == {"display_name": [MESSAGE]}
    assert User.objects.get(pk=user.pk).display_name == "Ana Lima"


def test_community_services_refuse_names_and_categories():
    community = CommunityFactory(name="Green fleet", categories=["General"])
    owner = owner_of(community)
    settings = {
        "community": community,
        "by": owner,
        "purpose": community.purpose,
        "name": "Green fleet",
        "slug": community.slug,
        "description": "",
        "guidelines": "",
        "audience": ["employee"],
        "visibility": "listed",
        "join_policy": "open",
        "default_notification_level": "participating",
        "categories": ["General"],
    }

    assert refusal(
        lambda: community_services.update_community(**{**settings, "name": "Green\nfleet"})
    ) == {"name": [MESSAGE]}
    assert refusal(
        lambda: community_services.update_community(**{**settings, "categories": ["Fle\tet"]})
    ) == {"categories": [MESSAGE]}
    assert refusal(
        lambda: community_services.create_community(
            by=owner, purpose=community.purpose, name="Red\u2028fleet", slug="red-fleet"
        )
    ) == {"name": [MESSAGE]}
    assert list(Community.objects.values_list("name", flat=True)) == ["Green fleet"]
    assert list(Category.objects.values_list("name", flat=True)) == ["General"]


def test_purpose_services_refuse_titles_metrics_units_and_challenge_titles():
    administrator = AdministratorFactory()
    goal = GoalFactory(metric="CO2", unit="t")
    purpose = goal.purpose
    goal_values = {"baseline": Decimal("100"), "target": Decimal("50")}

    assert refusal(
        lambda: purpose_services.create_purpose(by=administrator, title="A\nB", slug="a-b")
    ) == {"title": [MESSAGE]}
    assert refusal(
        lambda: purpose_services.update_purpose(
            purpose=purpose,
            by=administrator,
            title="A\tB",
            slug=purpose.slug,
            statement="",
            cover_colour="blue",
        )
    ) == {"title": [MESSAGE]}
    assert refusal(
        lambda: purpose_services.add_goal(
            purpose=purpose, by=administrator, metric="CO2\x0b", unit="t\n", **goal_values
        )
    ) == {"metric": [MESSAGE], "unit": [MESSAGE]}
    assert refusal(
        lambda: purpose_services.update_goal(
            goal=goal, by=administrator, metric="CO2", unit="\u202et", due_date=None, **goal_values
        )
    ) == {"unit": [MESSAGE]}
    assert refusal(
        lambda: purpose_services.create_challenge(
            purpose=purpose,
            by=administrator,
            title="Ideas\nwanted",
            question="How?",
            description="",
            opens_at=timezone.now(),
            closes_at=timezone.now() + datetime.timedelta(days=7),
        )
    ) == {"title": [MESSAGE]}
    assert list(Purpose.objects.values_list("title", flat=True)) == [purpose.title]
    assert list(Goal.objects.values_list("metric", "unit")) == [("CO2", "t")]
    assert Challenge.objects.count() == 0


def test_discussion_services_refuse_titles_tags_and_option_labels():
    community = CommunityFactory(visibility="public")
    author = member_of(community)
    thread = ThreadFactory(community=community, author=author, title="Charging")
    before = threads_and_tags()
    common = {"author": author, "community": community}

    assert refusal(
        lambda: thread_services.start_thread(
            **common, kind="discussion", title="A\nB", body="Text", rate_limit=False
        )
    ) == {"title": [MESSAGE]}
    assert refusal(
        lambda: thread_services.start_thread(
            **common, kind="discussion", title="A", body="Text", tags=["e\tv"], rate_limit=False
        )
    ) == {"tags": [MESSAGE]}
    assert refusal(
        lambda: thread_services.edit_post(
            by=author, post=first_post(thread), body="Text", title="Char\u2028ging"
        )
    ) == {"title": [MESSAGE]}
    assert refusal(
        lambda: idea_services.submit_idea(**common, title="Dark\nmode", description="Please.")
    ) == {"title": [MESSAGE]}
    assert refusal(
        lambda: decision_services.open_decision(
            **common,
            title="Meet?",
            body="Pick.",
            mode="single",
            options=["Office", "Pa\x1brk"],
            closes_at=timezone.now() + datetime.timedelta(days=2),
            rate_limit=False,
        )
    ) == {"options": [MESSAGE]}
    assert threads_and_tags() == before
    assert DecisionOption.objects.count() == 0


# -- what is already stored stays safe to use -------------------------------------------------


def test_the_goal_chart_is_valid_xml_even_for_a_stored_metric_with_control_characters(client):
    goal = GoalFactory(metric="CO2", unit="t")
    Goal.objects.filter(pk=goal.pk).update(metric="CO2\x0b per\nparcel\x1b", unit="t\x07")

    response = client.get(reverse("goal_chart", args=[goal.purpose.slug, goal.pk]))

    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {"".join(element.itertext()) for element in root.iter()}
    assert "CO2 per parcel" in texts


def test_an_invitation_from_someone_whose_stored_name_has_a_line_break_is_delivered(
    client, smtp_mailbox, django_capture_on_commit_callbacks
):
    community = CommunityFactory(name="Green fleet", audience=["employee"])
    inviter = owner_of(community)
    User.objects.filter(pk=inviter.pk).update(display_name="Ana\r\nLima\u2028Jr")
    client.force_login(inviter)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("community_invite", args=[community.slug]),
            {"emails": "sam@example.org", "member_type": "", "valid_days": 5},
        )

    assert response.status_code == 302
    [message] = smtp_mailbox.wait_for(1)
    assert str(message["To"]) == "sam@example.org"
    assert str(message["Subject"]) == "Ana Lima Jr invites you to Green fleet on Commons"


def test_a_name_from_the_identity_provider_becomes_one_line(rf):
    sociallogin = SocialLogin(user=User(), account=SocialAccount(provider="openid_connect"))

    user = SocialAccountAdapter().populate_user(
        rf.get("/"), sociallogin, {"email": "sam@northwind.example", "name": "Sam\r\n\tRivera\x1b"}
    )

    assert user.display_name == "Sam Rivera"
