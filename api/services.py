"""Every write about personal access tokens and idempotent results."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require_administrator
from api import tokens
from api.models import AccessToken, IdempotentResult, TokenScope
from core.text import require_single_line

NAME_MAX_LENGTH = 80
# A person's active tokens at once: enough for every tool they connect.
MAX_ACTIVE_TOKENS = 50
# `last_used_at` is written at most this often per token, not on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
# How long a result is replayed for its Idempotency-Key.
IDEMPOTENCY_WINDOW = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is shown once and never stored."""

    token: AccessToken
    secret: str


@transaction.atomic
def create_token(*, user: User, name: str, scope: str) -> NewToken:
    """A new personal access token for `user`. Raises ValidationError for a missing or
    multi-line name, an unknown scope, or too many active tokens."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to create an access token."))
    require_single_line(name=name)
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, for example the tool that will use it.")
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = _("A name can be at most %(limit)d characters.") % {
            "limit": NAME_MAX_LENGTH
        }
    if scope not in TokenScope.values:
        errors["scope"] = _("Choose read, or read and write.")
    if errors:
        raise ValidationError(errors)
    # Lock the person's row so two requests cannot both pass the count.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    active = AccessToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(limit)d active tokens already; revoke one you no longer use first.")
            % {"limit": MAX_ACTIVE_TOKENS}
        )
    secret = tokens.new_token()
    token = AccessToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        digest=tokens.digest_of(secret),
        hint=tokens.hint_of(secret),
    )
    return NewToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(*, user: User, token_id: int) -> AccessToken:
    """Revoke one of `user`'s own tokens; it stops working at once. Revoking a revoked
    token changes nothing. Another person's token, or none, raises ValidationError (the
    page shows a message; nothing says whether such a token exists)."""
    token = AccessToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise ValidationError(_("There is no such token among yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def record_use(token: AccessToken, *, moment: datetime.datetime | None = None) -> None:
    """Note that `token` was used, at most once per LAST_USED_PRECISION: most requests
    write nothing. The condition in the UPDATE keeps concurrent requests from writing twice."""
    moment = moment or timezone.now()
    last = token.last_used_at
    if last is not None and moment - last < LAST_USED_PRECISION:
        return
    stale = moment - LAST_USED_PRECISION
    rows = AccessToken.objects.filter(pk=token.pk)
    if last is None:
        rows = rows.filter(last_used_at__isnull=True)
    else:
        rows = rows.filter(last_used_at__lte=stale)
    rows.update(last_used_at=moment)
    token.last_used_at = moment


def save_idempotent_result(
    *, user: User, key: str, fingerprint: str, status_code: int, body, location: str = ""
) -> None:
    """Keep the answer to a create for its key. Called inside the create's transaction: a
    concurrent request with the same key fails on the unique constraint, and its create
    is rolled back with it."""
    IdempotentResult.objects.create(
        user=user,
        key=key,
        fingerprint=fingerprint,
        status_code=status_code,
        body=body,
        location=location,
    )


def forget_expired_result(*, user: User, key: str) -> None:
    """Drop a result past IDEMPOTENCY_WINDOW, so its key can be used again."""
    IdempotentResult.objects.filter(
        user=user, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW
    ).delete()


@transaction.atomic
def create_service_token(*, by: User, account: User, name: str, scope: str) -> NewToken:
    """A token for a service account, made by an administrator (shown once, like any
    token). Raises PermissionDenied for anyone else, ValidationError when `account` is
    not a service account or as `create_token` does."""
    require_administrator(by)
    if not account.is_service_account or not account.is_active:
        raise ValidationError(_("Tokens are made here for service accounts only."))
    return create_token(user=account, name=name, scope=scope)


@transaction.atomic
def revoke_service_token(*, by: User, account: User, token_id: int) -> AccessToken:
    """An administrator revokes one of a service account's tokens."""
    require_administrator(by)
    if not account.is_service_account:
        raise ValidationError(_("There is no such token among this account's."))
    return revoke_token(user=account, token_id=token_id)
