"""Reads about personal access tokens and idempotent results."""

from django.db.models import F, QuerySet

from accounts.models import User
from api import tokens
from api.models import AccessToken, IdempotentResult

TOKENS_SHOWN = 100


def tokens_of(*, user: User) -> list[AccessToken]:
    """The person's tokens, active ones first, newest first within each."""
    rows: QuerySet[AccessToken] = AccessToken.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
    )
    return list(rows[:TOKENS_SHOWN])


def active_token(secret: str) -> AccessToken | None:
    """The active token whose secret this is, with its owner, or None. One query on the
    digest's unique index."""
    if not tokens.looks_like_token(secret):
        return None
    return (
        AccessToken.objects.select_related("user")
        .filter(digest=tokens.digest_of(secret), revoked_at__isnull=True)
        .first()
    )


def idempotent_result(*, user: User, key: str) -> IdempotentResult | None:
    return IdempotentResult.objects.filter(user=user, key=key).first()
