"""allauth tells us when an address is verified; the services decide what follows."""

from allauth.account.models import EmailAddress
from allauth.account.signals import email_changed, email_confirmed, user_signed_up
from django.dispatch import receiver

from accounts import services


@receiver(email_confirmed)
def on_email_confirmed(sender, request, email_address: EmailAddress, **kwargs) -> None:
    services.assign_member_type_from_email(user=email_address.user, email=email_address.email)


@receiver(email_changed)
def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    if to_email_address is not None and to_email_address.verified:
        services.assign_member_type_from_email(user=user, email=to_email_address.email)


@receiver(user_signed_up)
def on_user_signed_up(sender, request, user, **kwargs) -> None:
    # Addresses vouched for by an identity provider arrive verified.
    for address in EmailAddress.objects.filter(user=user, verified=True).order_by("-primary"):
        services.assign_member_type_from_email(user=user, email=address.email)
        break
