"""Invitation emails, rendered in the inviter's words and sent through the queue."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from communities.models import Invitation
from core.mail import KIND_HEADER
from purposes.selectors import purpose_shown_to


def send_invitation_emails(invitations: list[Invitation]) -> None:
    messages = []
    for invitation in invitations:
        context = {
            "invitation": invitation,
            "community": invitation.community,
            # The person invited has no account yet: they see what a visitor sees.
            "purpose": purpose_shown_to(user=AnonymousUser(), purpose=invitation.community.purpose),
            "inviter": invitation.invited_by,
            "accept_url": settings.SITE_URL + reverse("invitation_detail", args=[invitation.token]),
            "site_name": settings.SITE_NAME,
        }
        subject = _("%(name)s invites you to %(community)s on %(site)s") % {
            "name": invitation.invited_by.name if invitation.invited_by else settings.SITE_NAME,
            "community": invitation.community.name,
            "site": settings.SITE_NAME,
        }
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("communities/email/invitation.txt", context),
            to=[invitation.email],
            headers={KIND_HEADER: "invitation"},
        )
        message.attach_alternative(
            render_to_string("communities/email/invitation.html", context), "text/html"
        )
        messages.append(message)
    if messages:
        from django.core.mail import get_connection

        get_connection().send_messages(messages)
