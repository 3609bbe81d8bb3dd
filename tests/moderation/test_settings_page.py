"""Administrators change every moderation limit and threshold in the browser; each save
is in the audit log with what was before and after."""

import pytest
from django.urls import reverse

from moderation import selectors
from moderation.forms import ModerationSettingsForm
from moderation.models import AuditAction, AuditEntry
from tests.accounts.factories import UserFactory
from tests.moderation.support import client_for, text

pytestmark = pytest.mark.django_db


def current_values() -> dict:
    row = selectors.moderation_settings()
    return {name: getattr(row, name) for name in ModerationSettingsForm.Meta.fields}


def test_an_administrator_changes_limits_and_thresholds_and_the_log_keeps_before_and_after():
    admin = UserFactory(is_staff=True, member_type="employee")
    client = client_for(admin)
    page = client.get(reverse("moderation_settings"))
    assert page.status_code == 200
    assert "Flags that hide an item" in text(page) or "flags that hide an item" in text(page)

    values = {**current_values(), "auto_hide_flag_count": 5, "posts_per_hour_new": 4}
    response = client.post(reverse("moderation_settings"), values)
    assert response.status_code == 302

    row = selectors.moderation_settings()
    assert (row.auto_hide_flag_count, row.posts_per_hour_new) == (5, 4)
    entry = AuditEntry.objects.get(action=AuditAction.SITE_SETTINGS_CHANGE)
    assert entry.actor == admin
    assert entry.before == {"auto_hide_flag_count": 3, "posts_per_hour_new": 10}
    assert entry.after == {"auto_hide_flag_count": 5, "posts_per_hour_new": 4}


def test_a_wrong_value_is_shown_on_the_form_and_nothing_changes():
    admin = UserFactory(is_staff=True, member_type="employee")
    values = {**current_values(), "host_verified_level": 9, "posts_per_hour_new": -1}
    response = client_for(admin).post(reverse("moderation_settings"), values)
    assert response.status_code == 200
    assert "Choose a trust level" in text(response)
    assert selectors.moderation_settings().posts_per_hour_new == 10
    assert not AuditEntry.objects.exists()
