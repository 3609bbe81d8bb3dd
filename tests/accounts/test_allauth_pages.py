"""allauth's pages come from our Jinja2 templates (one layout, forms through Django's
Jinja2 form templates), escape what people typed, and its email subjects and text parts
are ours too."""

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.socialaccount.models import SocialAccount, SocialApp
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.sites.models import Site
from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.core.reading import links, visible_text

pytestmark = pytest.mark.django_db

# Every allauth page a person can reach with our settings, and the text templates of the
# emails it sends.
ALLAUTH_TEMPLATES = [
    "account/login.html",
    "account/signup.html",
    "account/signup_closed.html",
    "account/logout.html",
    "account/account_inactive.html",
    "account/password_reset.html",
    "account/password_reset_done.html",
    "account/password_reset_from_key.html",
    "account/password_reset_from_key_done.html",
    "account/password_change.html",
    "account/password_set.html",
    "account/email_change.html",
    "account/email_confirm.html",
    "account/verification_sent.html",
    "account/reauthenticate.html",
    "mfa/authenticate.html",
    "mfa/reauthenticate.html",
    "mfa/index.html",
    "mfa/totp/activate_form.html",
    "mfa/totp/deactivate_form.html",
    "mfa/recovery_codes/index.html",
    "mfa/recovery_codes/generate.html",
    "mfa/recovery_codes/download.txt",
    "socialaccount/login.html",
    "socialaccount/signup.html",
    "socialaccount/connections.html",
    "socialaccount/login_cancelled.html",
    "socialaccount/authentication_error.html",
    "accounts/settings_profile.html",
    *(
        f"account/email/{prefix}_{part}.txt"
        for prefix in (
            "email_confirmation",
            "email_confirmation_signup",
            "password_reset_key",
            "unknown_account",
            "account_already_exists",
        )
        for part in ("subject", "message")
    ),
]


@pytest.mark.parametrize("name", ALLAUTH_TEMPLATES)
def test_allauth_pages_and_email_texts_are_jinja2_templates(name):
    assert get_template(name).backend is engines["jinja2"]


def assert_our_layout(response, heading: str) -> str:
    """The page, rendered in the site's layout with `heading` as its title; its text."""
    assert response.status_code == 200
    html = response.text
    assert "Skip to main content" in html
    assert re.search(rf'<h1 class="page-title">\s*{re.escape(heading)}\s*</h1>', html), html
    return visible_text(html)


@pytest.fixture
def sso_app(settings):
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="sso",
        name="Northwind SSO",
        client_id="commons",
        secret="not-a-secret",
        settings={"server_url": "http://127.0.0.1:9"},
    )
    app.sites.add(Site.objects.get(pk=settings.SITE_ID))
    return app


def test_sign_in_page_offers_the_form_sign_up_and_the_identity_provider(client, sso_app):
    response = client.get(reverse("account_login") + "?next=/admin/")

    text = assert_our_layout(response, "Sign In")
    assert "If you have not created an account yet, then please sign up first." in text
    assert 'name="login"' in response.text and 'name="password"' in response.text
    assert '<input type="hidden" name="next" value="/admin/">' in response.text
    hrefs = {link.text: link.href for link in links(response.text)}
    assert hrefs["sign up"] == "/accounts/signup/?next=%2Fadmin%2F"
    assert hrefs["Forgot your password?"] == reverse("account_reset_password")
    assert hrefs["Northwind SSO"] == "/accounts/oidc/sso/login/?process=login&next=%2Fadmin%2F"


def test_sign_in_page_without_an_identity_provider_offers_none(client):
    response = client.get(reverse("account_login"))

    assert "Or use a third-party" not in assert_our_layout(response, "Sign In")


def test_sign_up_form_shown_again_escapes_what_was_typed(client):
    hostile_email = '"><script>alert(1)</script>@example.org'
    hostile_name = "<img src=x onerror=alert(2)>"

    response = client.post(
        reverse("account_signup"),
        {
            "email": hostile_email,
            "display_name": hostile_name,
            "password1": "short",
            "password2": "short",
        },
    )

    text = assert_our_layout(response, "Sign Up")
    assert "Enter a valid email address." in text
    assert "<script>alert(1)" not in response.text
    assert "<img src=x" not in response.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.org"' in response.text
    assert "&lt;img src=x onerror=alert(2)&gt;" in response.text


def test_password_reset_pages(client):
    UserFactory(email="ana@example.org")

    text = assert_our_layout(client.get(reverse("account_reset_password")), "Password Reset")
    assert "Forgotten your password?" in text
    response = client.post(reverse("account_reset_password"), {"email": "ana@example.org"})
    assert response["Location"] == reverse("account_reset_password_done")
    text = assert_our_layout(client.get(response["Location"]), "Password Reset")
    assert "We have sent you an email." in text


def test_password_reset_page_tells_a_signed_in_person_who_they_are(client):
    client.force_login(UserFactory(email="ana@example.org", display_name="Ana <b>Lima</b>"))

    response = client.get(reverse("account_reset_password"))

    text = assert_our_layout(response, "Password Reset")
    assert "Note: You are already logged in as" in text
    assert "<b>Lima" not in response.text


def test_second_factor_page_after_the_password(client, sign_in, totp):
    user = UserFactory()
    totp.activate(user)
    sign_in(client, user)

    response = client.get(reverse("mfa_authenticate"))

    text = assert_our_layout(response, "Two-Factor Authentication")
    assert "Please enter an authenticator code:" in text
    assert 'id="logout-from-stage"' in response.text
    assert 'form="logout-from-stage"' in response.text


def test_two_factor_settings_show_the_app_and_the_recovery_codes(client, sign_in, totp):
    user = UserFactory()
    sign_in(client, user)
    totp.activate(user)
    RecoveryCodes.activate(user)

    response = client.get(reverse("mfa_index"))

    text = assert_our_layout(response, "Two-Factor Authentication")
    assert "Authentication using an authenticator app is active." in text
    assert "There are 10 out of 10 recovery codes available." in text
    hrefs = {link.text: link.href for link in links(response.text)}
    assert hrefs["Deactivate"] == reverse("mfa_deactivate_totp")
    assert hrefs["View"] == reverse("mfa_view_recovery_codes")
    assert hrefs["Download"] == reverse("mfa_download_recovery_codes")
    assert hrefs["Generate"] == reverse("mfa_generate_recovery_codes")
    assert '<a href="/accounts/2fa/" aria-current="page">' in response.text


def test_activating_an_app_shows_the_secret_and_the_code_field(client, sign_in):
    sign_in(client, UserFactory())
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})

    response = client.get(reverse("mfa_activate_totp"))

    assert_our_layout(response, "Activate Authenticator App")
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]{32})"', response.text)
    assert secret, response.text
    assert f'alt="{secret.group(1)}"' in response.text
    assert '<label for="id_code">' in response.text


def test_recovery_codes_download_is_one_code_a_line(client, sign_in, totp):
    user = UserFactory()
    sign_in(client, user)
    totp.activate(user)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})

    response = client.get(reverse("mfa_download_recovery_codes"))

    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().split() == codes


def test_connections_list_the_persons_accounts_and_the_providers_to_add(client, sso_app):
    user = UserFactory(email="ana@example.org")
    account = SocialAccount.objects.create(
        user=user, provider="sso", uid="idp-1", extra_data={"email": "ana@example.org"}
    )
    client.force_login(user)

    response = client.get(reverse("socialaccount_connections"))

    text = assert_our_layout(response, "Account Connections")
    assert "ana@example.org Northwind SSO" in text
    assert f'<input name="account" id="id_account_{account.pk}" value="{account.pk}"' in (
        response.text
    )
    hrefs = {link.text: link.href for link in links(response.text)}
    assert hrefs["Northwind SSO"] == "/accounts/oidc/sso/login/?process=connect"


def test_leaving_for_the_identity_provider_asks_first(client, sso_app):
    response = client.get("/accounts/oidc/sso/login/?process=login")

    text = assert_our_layout(response, "Sign In Via Northwind SSO")
    assert "You are about to sign in using a third-party account from Northwind SSO." in text


def test_identity_provider_sign_up_page_renders_its_form():
    class Form(forms.Form):
        email = forms.EmailField()

    class Provider:
        name = "Northwind <SSO>"

    class Account:
        def get_provider(self):
            return Provider()

    request = RequestFactory().get("/accounts/3rdparty/signup/")
    request.user = AnonymousUser()
    html = get_template("socialaccount/signup.html").render(
        {
            "form": Form(data={"email": "<b>x"}),
            "account": Account(),
            "site": Site.objects.get_current(),
        },
        request,
    )

    assert "You are about to use your Northwind &lt;SSO&gt; account to login to" in html
    assert 'name="email"' in html and "Enter a valid email address." in html
    assert 'value="&lt;b&gt;x"' in html


def test_settings_menu_marks_the_current_page(client):
    client.force_login(UserFactory())

    response = client.get(reverse("account_change_password"))

    assert_our_layout(response, "Change Password")
    assert '<a href="/accounts/password/change/" aria-current="page">' in response.text
    assert response.text.count('aria-current="page"') == 1


# Emails: subjects on one line, text parts as typed (no HTML escaping), allauth's wording.


def test_password_reset_email_subject_and_text(client, mailoutbox):
    UserFactory(email="ana@example.org")

    client.post(reverse("account_reset_password"), {"email": "ana@example.org"})

    [message] = mailoutbox
    site = Site.objects.get_current()
    assert message.subject == "[Commons] Password Reset Email"
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body).group(0)
    assert message.body == (
        f"Hello from {site.name}!\n\n"
        "You're receiving this email because you or someone else has requested a password "
        "reset for your user account.\nIt can be safely ignored if you did not request a "
        "password reset. Click the link below to reset your password.\n\n"
        f"{link}\n\n"
        f"Thank you for using {site.name}!\n{site.domain}"
    )


def test_sign_up_confirmation_email_text_keeps_the_name_as_typed(client, mailoutbox):
    client.post(
        reverse("account_signup"),
        {
            "email": "rui@example.org",
            "display_name": "Rui & <Costa>",
            "password1": "a-long-and-unusual-passphrase-7",
            "password2": "a-long-and-unusual-passphrase-7",
        },
    )

    [message] = mailoutbox
    assert message.subject == "[Commons] Please Confirm Your Email Address"
    assert "because user Rui & <Costa> has given your email address" in message.body
    assert re.search(r"To confirm this is correct, go to https?://\S+/confirm-email/", message.body)
    assert "&amp;" not in message.body and "&lt;" not in message.body
