"""Invitations held by people who sign up: remembered at sign-up, applied on verification."""

from allauth.account.signals import email_confirmed, user_signed_up
from django.dispatch import receiver

from communities import services


@receiver(user_signed_up)
def remember_invitation(sender, request, user, **kwargs) -> None:
    token = request.session.pop("invitation_token", None) if request is not None else None
    if token:
        services.remember_invitation_for_new_account(user=user, token=token)
        # Addresses vouched for by an identity provider arrive verified: apply at once.
        if user.emailaddress_set.filter(verified=True).exists():
            membership = services.complete_invitation_after_verification(user=user)
            if membership is not None and request is not None:
                request.session["after_verification_url"] = membership.community.get_absolute_url()


@receiver(email_confirmed)
def apply_invitation(sender, request, email_address, **kwargs) -> None:
    membership = services.complete_invitation_after_verification(user=email_address.user)
    if membership is not None and request is not None:
        request.session["after_verification_url"] = membership.community.get_absolute_url()
