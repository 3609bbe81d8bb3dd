"""Administrators find silences and account sanctions in the Django admin, filter and
search them, and lift them through the moderation services (so the lifting is in the
log); they are never added, edited or deleted there directly."""

import pytest
from django.urls import reverse

from accounts.models import AccountSanction
from communities.models import Silence
from moderation import services
from moderation.models import AuditAction, AuditEntry
from tests.accounts.factories import UserFactory
from tests.admin_support import flashed
from tests.discussions.factories import member_of
from tests.moderation.support import in_a_week, place, silence
from tests.purposes.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    return AdministratorFactory(is_superuser=True)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def suspend(by, person, *, reason="Selling watches", ends_at=None):
    return services.sanction_account(
        by=by, user=person, kind="suspend", reason=reason, ends_at=ends_at
    )


def changelist(model: str) -> str:
    app = "communities" if model == "silence" else "accounts"
    return reverse(f"admin:{app}_{model}_changelist")


def test_an_administrator_finds_a_silence_by_the_persons_email_and_sees_why(admin_client):
    where = place()
    silence(where, reason="Posting the same link everywhere")
    services.silence_in_community(
        by=where.moderator,
        community=where.community,
        user=member_of(where.community, display_name="Lou Loud"),
        reason="Shouting",
        ends_at=None,
    )

    listed = admin_client.get(changelist("silence"))
    found = admin_client.get(changelist("silence"), {"q": where.member.email})
    permanent = admin_client.get(changelist("silence"), {"ends_at__isnull": "True"})

    assert listed.status_code == 200
    assert [row.reason for row in found.context["cl"].result_list] == [
        "Posting the same link everywhere"
    ]
    assert "Mallory Member" in found.text
    assert "Bike Fleet" in found.text
    assert [row.reason for row in permanent.context["cl"].result_list] == ["Shouting"]


def test_an_administrator_filters_account_sanctions_by_kind(admin_client, administrator):
    suspended = UserFactory(display_name="Sam Seller")
    silenced = UserFactory(display_name="Lou Loud")
    suspend(administrator, suspended, ends_at=in_a_week())
    services.sanction_account(
        by=administrator, user=silenced, kind="silence", reason="Too loud", ends_at=None
    )

    page = admin_client.get(changelist("accountsanction"), {"kind__exact": "suspend"})
    found = admin_client.get(changelist("accountsanction"), {"q": "Lou"})

    assert page.status_code == 200
    assert [row.user for row in page.context["cl"].result_list] == [suspended]
    assert "Sam Seller" in page.text
    assert "Selling watches" in page.text
    assert [row.user for row in found.context["cl"].result_list] == [silenced]


def test_lifting_a_silence_in_the_admin_goes_through_the_service_and_the_log(admin_client):
    where = place()
    silence(where)

    response = admin_client.post(
        changelist("silence"),
        {"action": "lift_silences", "_selected_action": [str(Silence.objects.get().pk)]},
    )

    assert response.status_code == 302
    assert flashed(response) == [("success", "1 silence lifted.")]
    assert not Silence.objects.exists()
    lifted = AuditEntry.objects.get(action=AuditAction.SANCTION_LIFTED)
    assert (lifted.community, lifted.subject) == (where.community, where.member)


def test_lifting_a_suspension_in_the_admin_lets_the_person_back(admin_client, administrator):
    person = UserFactory()
    sanction = suspend(administrator, person)

    response = admin_client.post(
        changelist("accountsanction"),
        {"action": "lift_sanctions", "_selected_action": [str(sanction.pk)]},
    )

    assert flashed(response) == [("success", "1 account sanction lifted.")]
    assert not AccountSanction.objects.exists()
    person.refresh_from_db()
    assert person.has_site_sanction is False
    assert AuditEntry.objects.get(action=AuditAction.SANCTION_LIFTED).subject == person


@pytest.mark.parametrize("model", ["silence", "accountsanction"])
def test_sanctions_cannot_be_added_changed_or_deleted_directly(admin_client, administrator, model):
    if model == "silence":
        where = place()
        silence(where)
        row = Silence.objects.get()
        app = "communities"
    else:
        row = suspend(administrator, UserFactory())
        app = "accounts"
    change = reverse(f"admin:{app}_{model}_change", args=[row.pk])

    page = admin_client.get(change)
    edited = admin_client.post(change, {"reason": "Changed", "ends_at_0": "", "ends_at_1": ""})
    added = admin_client.get(reverse(f"admin:{app}_{model}_add"))
    deleted = admin_client.post(
        reverse(f"admin:{app}_{model}_delete", args=[row.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert (edited.status_code, added.status_code, deleted.status_code) == (403, 403, 403)
    row.refresh_from_db()
    assert row.reason != "Changed"
