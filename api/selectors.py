"""Reads about personal access tokens and idempotent results."""

from django.db.models import F, QuerySet
from django.http import Http404

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


def service_accounts() -> list[User]:
    """Every service account with its tokens (`token_list`, active ones first): two
    queries, whatever their number."""
    accounts = list(
        User.objects.filter(is_service_account=True).order_by("display_name", "id")[:TOKENS_SHOWN]
    )
    tokens_by_account: dict[int, list[AccessToken]] = {account.pk: [] for account in accounts}
    rows = AccessToken.objects.filter(user__in=accounts).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
    )
    for token in rows:
        tokens_by_account[token.user_id].append(token)
    for account in accounts:
        account.token_list = tokens_by_account[account.pk]
    return accounts


def get_service_account(*, account_id: int) -> User:
    account = User.objects.filter(pk=account_id, is_service_account=True).first()
    if account is None:
        raise Http404
    return account
