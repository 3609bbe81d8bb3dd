"""Emails render from the Jinja2 templates: hostile names are escaped in the HTML part and
left as typed in the plain text part, dates show in the reader's time zone, and allauth
finds our versions of its emails (HTML and text parts, subjects)."""

import datetime
import re

import pytest
from django.template import engines
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from communities.emails import send_invitation_emails
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, email_invitation
from tests.purposes.factories import PurposeFactory

pytestmark = pytest.mark.django_db

HOSTILE_NAME = 'Ana <img src=x onerror=alert(1)> "&'
HOSTILE_COMMUNITY = "Fleet <script>alert(1)</script> & co"
HOSTILE_PURPOSE = "Cut <b>CO2</b> & more"


@pytest.mark.parametrize(
    "name",
    [
        "email/base.html",
        "communities/email/invitation.html",
        "communities/email/invitation.txt",
        "account/email/email_confirmation_message.html",
        "account/email/email_confirmation_signup_message.html",
        "account/email/password_reset_key_message.html",
        "account/email/email_confirmation_subject.txt",
        "account/email/email_confirmation_message.txt",
        "account/email/password_reset_key_subject.txt",
        "account/email/password_reset_key_message.txt",
    ],
)
def test_every_email_template_of_ours_is_a_jinja2_one(name):
    assert get_template(name).backend is engines["jinja2"]


def test_invitation_email_escapes_names_in_html_and_keeps_them_as_typed_in_text(
    mailoutbox, django_capture_on_commit_callbacks
):
    inviter = UserFactory(display_name=HOSTILE_NAME, member_type="employee")
    community = CommunityFactory(
        name=HOSTILE_COMMUNITY, owner=inviter, purpose=PurposeFactory(title=HOSTILE_PURPOSE)
    )
    # 01:30 UTC on New Year's Day is still New Year's Eve in New York.
    invitation = email_invitation(
        community,
        "victor@globex.example",
        expires_at=datetime.datetime(2030, 1, 1, 1, 30, tzinfo=datetime.UTC),
    )

    with django_capture_on_commit_callbacks(execute=True), timezone.override("America/New_York"):
        send_invitation_emails([invitation])

    [message] = mailoutbox
    text = message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    link = f"http://127.0.0.1:8000/invitations/{invitation.token}/"

    assert text == (
        f"{HOSTILE_NAME} invites you to join {HOSTILE_COMMUNITY}, a community working on "
        f"“{HOSTILE_PURPOSE}”.\n\n"
        f"Accept the invitation: {link}\n\n"
        "The invitation is valid until Dec. 31, 2029.\n"
    )
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert (
        "Ana &lt;img src=x onerror=alert(1)&gt; &#34;&amp; invites you to join "
        "<strong>Fleet &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</strong>, "
        "a community working on “Cut &lt;b&gt;CO2&lt;/b&gt; &amp; more”."
    ) in html
    assert f'<a href="{link}"' in html
    assert ">Accept the invitation</a>" in html
    assert "The invitation is valid until Dec. 31, 2029." in html
    assert "You received this email because someone invited you to Commons." in html


def test_sign_up_confirmation_has_our_html_and_text_parts(client, mailoutbox):
    client.post(
        reverse("account_signup"),
        {
            "email": "rui@example.org",
            "display_name": "Rui <b>Costa</b>",
            "password1": "a-long-and-unusual-passphrase-7",
            "password2": "a-long-and-unusual-passphrase-7",
        },
    )

    [message] = mailoutbox
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    assert f'<a href="{link}"' in html
    assert "Hello Rui &lt;b&gt;Costa&lt;/b&gt;, please confirm this email address" in html
    assert ">Confirm my email address</a>" in html
    assert "<b>" not in html
    # The text part reads the same context after the HTML part was rendered: still the
    # person who signed up, unescaped.
    assert "because user Rui <b>Costa</b> has given your email address" in message.body


def test_password_reset_email_has_our_html_part_with_the_link(client, mailoutbox):
    UserFactory(email="ana@example.org")

    client.post(reverse("account_reset_password"), {"email": "ana@example.org"})

    [message] = mailoutbox
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body).group(0)
    assert f'<a href="{link}"' in html
    assert ">Choose a new password</a>" in html
    assert "If you did not ask for this, ignore this email" in html
