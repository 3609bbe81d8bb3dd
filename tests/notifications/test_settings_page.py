"""The notification settings page: email per kind, digest cadence, day and hour, a cap."""

import pytest
from django.urls import reverse

from notifications.models import NotificationKind, NotificationSettings
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def choices(**changes) -> dict:
    data = {f"email_{kind}": "immediately" for kind in NotificationKind.values}
    data.update(
        keep_mentions_when_muted="on",
        digest_cadence="weekly",
        digest_weekday="0",
        digest_hour="8",
        daily_email_cap="",
    )
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_page_shows_every_kind_and_the_digest(client):
    person = UserFactory(timezone="Europe/Paris")
    client.force_login(person)

    page = client.get(reverse("notification_settings"))

    assert page.status_code == 200
    for kind in NotificationKind:
        assert str(kind.label) in page.text
    assert "Europe/Paris" in page.text
    assert "hour the digest arrives" in page.text.lower()


def test_choices_are_saved(client):
    person = UserFactory()
    client.force_login(person)

    response = client.post(
        reverse("notification_settings"),
        choices(
            email_reply="digest",
            email_measurement="never",
            keep_mentions_when_muted=None,
            digest_cadence="daily",
            digest_hour="18",
            daily_email_cap="5",
        ),
    )

    assert response.status_code == 302
    saved = NotificationSettings.objects.get(user=person)
    assert (saved.email_reply, saved.email_measurement, saved.email_mention) == (
        "digest",
        "never",
        "immediately",
    )
    assert (saved.digest_cadence, saved.digest_hour, saved.daily_email_cap) == ("daily", 18, 5)
    assert saved.keep_mentions_when_muted is False


def test_bad_input_is_shown_and_kept(client):
    person = UserFactory()
    client.force_login(person)

    page = client.post(
        reverse("notification_settings"), choices(daily_email_cap="0", digest_hour="31")
    )

    assert page.status_code == 200
    assert "Choose a number from 1 to 500, or leave it empty." in page.text
    assert 'value="0"' in page.text
    assert NotificationSettings.objects.get(user=person).daily_email_cap is None
