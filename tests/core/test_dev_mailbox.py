"""The developer mailbox: mail sent while DEBUG is on, readable in the browser."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

MAILBOX_URL = reverse("dev_mailbox")


@pytest.fixture
def dev_mailbox(settings, tmp_path):
    """DEBUG on, mail delivered through the queue into a folder of this test's own."""
    settings.DEBUG = True
    settings.DEV_MAILBOX_ENABLED = True
    settings.DEV_MAILBOX_DIR = tmp_path / "mail"
    settings.EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "core.mail.MailboxBackend"
    return settings.DEV_MAILBOX_DIR


def sign_up(client, email: str):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "display_name": "Ana Lima",
            "password1": "a-long-and-unusual-passphrase-7",
            "password2": "a-long-and-unusual-passphrase-7",
        },
    )


@pytest.mark.parametrize(("debug", "enabled"), [(False, False), (False, True), (True, False)])
def test_mailbox_is_not_found_unless_debug_and_enabled(client, settings, tmp_path, debug, enabled):
    settings.DEBUG = debug
    settings.DEV_MAILBOX_ENABLED = enabled
    settings.DEV_MAILBOX_DIR = tmp_path
    (tmp_path / "abc.eml").write_bytes(b"Subject: secret\n\nbody\n")

    assert client.get(MAILBOX_URL).status_code == 404
    assert client.get(reverse("dev_mailbox_message", args=["abc"])).status_code == 404


def test_empty_mailbox_says_so(client, dev_mailbox):
    response = client.get(MAILBOX_URL)

    assert response.status_code == 200
    assert "No email yet." in response.text


def test_sent_message_is_listed_and_readable_with_a_clickable_link(
    client, dev_mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, "ana@example.org")
    [stored] = list(dev_mailbox.glob("*.eml"))

    listing = client.get(MAILBOX_URL)

    assert listing.status_code == 200
    assert listing.text.count('<li class="card">') == 1
    assert "[Commons] Please Confirm Your Email Address" in listing.text
    assert "To ana@example.org" in listing.text
    message_url = reverse("dev_mailbox_message", args=[stored.stem])
    assert f'href="{message_url}"' in listing.text

    page = client.get(message_url)

    assert page.status_code == 200
    assert '<h1 class="page-title">[Commons] Please Confirm Your Email Address</h1>' in page.text
    link = re.search(r'<a href="(http://testserver/accounts/confirm-email/[^"]+/)"', page.text)
    assert link is not None
    assert 'href="?format=html"' in page.text
    confirm = client.get(link.group(1).removeprefix("http://testserver"))
    assert confirm.status_code == 200
    assert "Confirm" in confirm.text


def test_html_version_is_served_under_a_policy_that_runs_nothing(
    client, dev_mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, "ana@example.org")
    [stored] = list(dev_mailbox.glob("*.eml"))

    response = client.get(reverse("dev_mailbox_message", args=[stored.stem]) + "?format=html")

    assert response.status_code == 200
    assert "Confirm my email address" in response.text
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"


@pytest.mark.parametrize("key", ["missing", "..", "a%20b"])
def test_unknown_or_odd_message_keys_are_not_found(client, dev_mailbox, key):
    dev_mailbox.mkdir(parents=True)

    assert client.get(f"{MAILBOX_URL}{key}/").status_code == 404


def test_mailbox_link_appears_in_the_navigation_only_when_enabled(client, settings, dev_mailbox):
    assert f'href="{MAILBOX_URL}"' in client.get(reverse("home")).text

    settings.DEBUG = False

    assert f'href="{MAILBOX_URL}"' not in client.get(reverse("home")).text
