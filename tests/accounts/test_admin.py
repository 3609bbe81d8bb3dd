"""The Django admin for people and organisations."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import MemberType, MemberTypeChange, Organisation, User
from tests.accounts.factories import OrganisationDomainFactory, OrganisationFactory, UserFactory
from tests.admin_support import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(
        email="root@northwind.example", is_staff=True, is_superuser=True, member_type=""
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def user_change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


@pytest.fixture
def carla():
    acme = OrganisationFactory(name="Acme Retail", kind="customer")
    OrganisationDomainFactory(organisation=acme, domain="acme.example")
    user = UserFactory(email="carla@acme.example", display_name="Carla", member_type="")
    services.assign_member_type_from_email(user=user, email=user.email)
    user.refresh_from_db()
    return user


def test_administrator_changing_organisation_and_type_records_it(admin_client, admin_user, carla):
    globex = OrganisationFactory(name="Globex Freight", kind="vendor")
    url = user_change_url(carla)
    data = change_form_data(admin_client.get(url))
    data.update(organisation=str(globex.pk), member_type=MemberType.VENDOR, bio="Moved to Globex")

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    carla.refresh_from_db()
    assert (carla.organisation, carla.member_type) == (globex, MemberType.VENDOR)
    assert carla.member_type_set_by_admin is True
    assert carla.bio == "Moved to Globex"
    change = MemberTypeChange.objects.filter(user=carla).order_by("-pk").first()
    assert change.changed_by == admin_user
    assert (change.from_organisation.name, change.to_organisation) == ("Acme Retail", globex)
    assert (change.from_member_type, change.to_member_type) == ("customer", "vendor")
    assert MemberTypeChange.objects.filter(user=carla).count() == 2


def test_administrator_set_type_survives_a_later_verification(admin_client, carla):
    url = user_change_url(carla)
    data = change_form_data(admin_client.get(url))
    data.update(organisation="", member_type=MemberType.PARTNER)
    admin_client.post(url, data)

    services.assign_member_type_from_email(user=carla, email="carla@acme.example")

    carla.refresh_from_db()
    assert (carla.organisation, carla.member_type) == (None, MemberType.PARTNER)


def test_editing_other_fields_records_no_type_change(admin_client, carla):
    url = user_change_url(carla)
    data = change_form_data(admin_client.get(url))
    data.update(display_name="Carla Rossi")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    carla.refresh_from_db()
    assert carla.display_name == "Carla Rossi"
    assert carla.member_type_set_by_admin is False
    assert MemberTypeChange.objects.filter(user=carla).count() == 1


def test_change_history_is_shown_on_the_person_page(admin_client, admin_user, carla):
    services.change_member_type(
        user=carla, organisation=None, member_type=MemberType.PARTNER, changed_by=admin_user
    )

    response = admin_client.get(user_change_url(carla))

    assert response.status_code == 200
    history = response.context["inline_admin_formsets"][0].formset
    assert [
        (form.instance.from_member_type, form.instance.to_member_type)
        for form in history.initial_forms
    ] == [("customer", "partner"), ("", "customer")]


def test_administrator_adds_a_person(admin_client):
    url = reverse("admin:accounts_user_add")
    data = change_form_data(admin_client.get(url))
    data.update(
        email="new@example.org",
        usable_password="true",
        password1="a-long-and-unusual-passphrase-7",
        password2="a-long-and-unusual-passphrase-7",
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new@example.org")
    assert user.check_password("a-long-and-unusual-passphrase-7")


# Lists, search and filters


@pytest.fixture
def people():
    northwind = OrganisationFactory(name="Northwind", kind="host")
    globex = OrganisationFactory(name="Globex Freight", kind="vendor")
    return {
        "ana": UserFactory(
            email="ana@northwind.example",
            display_name="Ana Lima",
            organisation=northwind,
            member_type=MemberType.EMPLOYEE,
        ),
        "victor": UserFactory(
            email="victor@globex.example",
            display_name="Victor Chen",
            organisation=globex,
            member_type=MemberType.VENDOR,
        ),
        "sam": UserFactory(
            email="sam@mail.example", display_name="Sam Hill", member_type="customer"
        ),
    }


def listed_emails(response) -> set[str]:
    return {user.email for user in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ana", {"ana@northwind.example"}),
        ("q=Victor+Chen", {"victor@globex.example"}),
        ("q=Globex", {"victor@globex.example"}),
        ("member_type__exact=customer", {"sam@mail.example"}),
        ("organisation__kind__exact=host", {"ana@northwind.example"}),
    ],
)
def test_people_list_search_and_filters(admin_client, people, query, expected):
    response = admin_client.get(f"{reverse('admin:accounts_user_changelist')}?{query}")

    assert response.status_code == 200
    assert listed_emails(response) == expected


def test_people_list_query_count_does_not_grow_with_people(
    admin_client, people, django_assert_max_num_queries
):
    organisation = Organisation.objects.get(name="Northwind")
    UserFactory.create_batch(20, organisation=organisation, member_type=MemberType.EMPLOYEE)

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 24


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=north", {"Northwind"}),
        ("q=globex.example", {"Globex Freight"}),
        ("kind__exact=vendor", {"Globex Freight"}),
        ("require_mfa__exact=1", {"Northwind"}),
    ],
)
def test_organisation_list_search_and_filters(admin_client, query, expected):
    northwind = OrganisationFactory(name="Northwind", kind="host", require_mfa=True)
    OrganisationDomainFactory(organisation=northwind, domain="northwind.example")
    globex = OrganisationFactory(name="Globex Freight", kind="vendor")
    OrganisationDomainFactory(organisation=globex, domain="globex.example")

    response = admin_client.get(f"{reverse('admin:accounts_organisation_changelist')}?{query}")

    assert response.status_code == 200
    assert {o.name for o in response.context["cl"].result_list} == expected


def test_domain_and_change_lists_open(admin_client, admin_user, carla):
    services.change_member_type(
        user=carla, organisation=None, member_type=MemberType.PARTNER, changed_by=admin_user
    )

    domains = admin_client.get(f"{reverse('admin:accounts_organisationdomain_changelist')}?q=acme")
    changes = admin_client.get(
        f"{reverse('admin:accounts_membertypechange_changelist')}?q=carla@acme.example"
    )

    assert domains.status_code == 200
    assert [d.domain for d in domains.context["cl"].result_list] == ["acme.example"]
    assert changes.status_code == 200
    assert len(changes.context["cl"].result_list) == 2


def test_organisation_form_adds_a_verified_domain(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_organisation_add"),
        {
            "name": "Initech",
            "kind": "partner",
            "created_at_0": "2026-01-05",
            "created_at_1": "10:00:00",
            "domains-TOTAL_FORMS": "1",
            "domains-INITIAL_FORMS": "0",
            "domains-MIN_NUM_FORMS": "0",
            "domains-MAX_NUM_FORMS": "1000",
            "domains-0-domain": "Initech.Example",
            "domains-0-is_verified": "on",
        },
    )

    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Initech")
    assert list(organisation.domains.values_list("domain", "is_verified")) == [
        ("initech.example", True)
    ]


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_admin_is_closed_to_non_staff(client, who, people):
    if who == "member":
        client.force_login(people["ana"])

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_administrator_clearing_the_type_gets_a_message_and_nothing_changes(admin_client, carla):
    globex = OrganisationFactory(name="Globex Freight", kind="vendor")
    url = user_change_url(carla)
    data = change_form_data(admin_client.get(url))
    data.update(organisation=str(globex.pk), member_type="", display_name="Carla R.")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "member_type": ["Choose a valid member type."]
    }
    carla.refresh_from_db()
    assert (carla.organisation.name, carla.member_type, carla.display_name) == (
        "Acme Retail",
        "customer",
        "Carla",
    )
    assert carla.member_type_set_by_admin is False
    assert MemberTypeChange.objects.filter(user=carla).count() == 1


def test_a_display_name_with_a_line_break_is_refused_in_the_admin(admin_client, carla):
    url = user_change_url(carla)
    data = change_form_data(admin_client.get(url))
    data.update(display_name="Carla\nRossi")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "display_name": ["Keep this on one line, without line breaks, tabs or control characters."]
    }
    carla.refresh_from_db()
    assert carla.display_name == "Carla"
