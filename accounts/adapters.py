from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import suspension_of
from core.mail import KIND_HEADER
from core.text import one_line


def suspended_response(request: HttpRequest, suspension) -> HttpResponse:
    return render(
        request,
        "account/account_suspended.html",
        {"reason": suspension.reason, "ends_at": suspension.ends_at},
        status=403,
    )


class AccountAdapter(DefaultAccountAdapter):
    # Every way in (password, SSO, a sign-in after a second factor, a confirmation link
    # that signs in) passes `pre_login` before its stages and `login` after them: both
    # refuse a suspended account, so a suspension that starts between the two still holds.
    def pre_login(self, request: HttpRequest, user, **kwargs) -> HttpResponse | None:
        from allauth.account.internal.stagekit import clear_login

        # A service account acts only through its API tokens: refused here as an inactive
        # account is, whichever way (password, code, SSO) a sign-in was attempted.
        if getattr(user, "is_service_account", False):
            clear_login(request)
            return self.respond_user_inactive(request, user)
        suspension = suspension_of(user) if user.pk else None
        if suspension is not None:
            clear_login(request)
            return suspended_response(request, suspension)
        return super().pre_login(request, user, **kwargs)

    def login(self, request: HttpRequest, user) -> None:
        suspension = suspension_of(user) if user.pk else None
        if suspension is not None:
            raise ImmediateHttpResponse(suspended_response(request, suspension))
        super().login(request, user)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return settings.COMMONS_OPEN_SIGNUP

    def get_from_email(self) -> str:
        return settings.DEFAULT_FROM_EMAIL

    def render_mail(self, template_prefix, email, context, headers=None):
        # The delivery log files allauth's messages (confirmation, password reset, codes)
        # under one kind.
        return super().render_mail(
            template_prefix, email, context, headers={KIND_HEADER: "account", **(headers or {})}
        )

    def get_email_verification_redirect_url(self, email_address) -> str:
        # Set by apps that finish something once an address is verified (an invitation).
        url = self.request.session.pop("after_verification_url", None)
        return url or super().get_email_verification_redirect_url(email_address)

    # Confirming an address in the browser that signed up logs the person in, and allauth then
    # redirects as after a sign-up or login: honour the same destination there.
    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        url = request.session.pop("after_verification_url", None)
        return url or super().get_signup_redirect_url(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        url = request.session.pop("after_verification_url", None)
        return url or super().get_login_redirect_url(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        # People from the organisation's identity provider may always come in.
        return True

    def populate_user(self, request: HttpRequest, sociallogin, data: dict):
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        if name and not user.display_name:
            # Whatever the identity provider sends, a display name is one line.
            user.display_name = one_line(name)[:80]
        return user
