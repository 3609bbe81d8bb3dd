"""Limits that rise with trust: how much a person may post, and what one post may hold.

The numbers per trust level are the site's moderation settings; administrators have
none. Rates are counted by
`core.ratelimit` (per person, in the shared cache); a refused rate is a 429 with the time
to wait, a post holding too much is a form error. Pages and the API both call these
before the service, so the text the person typed is never lost.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.permissions import is_administrator
from core import ratelimit
from core.markdown import content_counts
from moderation import selectors


@dataclass(frozen=True)
class LimitRefusal:
    message: str
    status: int  # 429 for a rate, 400 for what one post holds
    retry_after: int | None = None


def _wait_words(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes >= 60:
        hours = round(minutes / 60)
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def content_refusal(user: User, body: str) -> LimitRefusal | None:
    """Why one post with `body` holds more than `user`'s trust level allows, or None."""
    if not body or not user.is_authenticated or is_administrator(user):
        return None
    links, images, mentions = content_counts(body)
    if not (links or images or mentions):
        return None
    row = selectors.moderation_settings()
    level = selectors.trust_level(user)
    for found, name, text in (
        (
            links,
            "links_per_post",
            ngettext(
                "At your trust level a post may hold at most %(limit)d link; this one has "
                "%(found)d.",
                "At your trust level a post may hold at most %(limit)d links; this one has "
                "%(found)d.",
                row.limit("links_per_post", level),
            ),
        ),
        (
            images,
            "images_per_post",
            ngettext(
                "At your trust level a post may hold at most %(limit)d image; this one has "
                "%(found)d.",
                "At your trust level a post may hold at most %(limit)d images; this one has "
                "%(found)d.",
                row.limit("images_per_post", level),
            ),
        ),
        (
            mentions,
            "mentions_per_post",
            ngettext(
                "At your trust level a post may mention at most %(limit)d person; this one "
                "mentions %(found)d.",
                "At your trust level a post may mention at most %(limit)d people; this one "
                "mentions %(found)d.",
                row.limit("mentions_per_post", level),
            ),
        ),
    ):
        limit = row.limit(name, level)
        if limit and found > limit:
            return LimitRefusal(text % {"limit": limit, "found": found}, 400)
    return None


def _rate(request: HttpRequest, name: str, seconds_unit: str) -> LimitRefusal | None:
    if is_administrator(request.user):
        return None
    level = selectors.trust_level(request.user)
    limit = selectors.moderation_settings().limit(name, level)
    if not limit:
        return None
    retry_after = ratelimit.consume(request, f"trust_{name}", rates=f"{limit}/{seconds_unit}/user")
    if retry_after is None:
        return None
    messages = {
        "posts_per_hour": _(
            "You have posted as much as your trust level allows in an hour. Try again in "
            "%(wait)s; your text is kept below."
        ),
        "threads_per_hour": _(
            "You have started as many threads as your trust level allows in an hour. Try "
            "again in %(wait)s; your text is kept below."
        ),
        "invitations_per_day": _(
            "You have sent as many invitations as your trust level allows in a day. Try "
            "again in %(wait)s."
        ),
    }
    return LimitRefusal(
        messages[name] % {"wait": _wait_words(retry_after)}, 429, retry_after=retry_after
    )


def posting_rates_refusal(request: HttpRequest, *, new_thread: bool) -> LimitRefusal | None:
    """Why `request.user` may not post again this hour (threads, then posts), or None;
    counts the post when it may go."""
    if not request.user.is_authenticated:
        return None
    refusal = _rate(request, "threads_per_hour", "h") if new_thread else None
    return refusal or _rate(request, "posts_per_hour", "h")


def posting_refusal(request: HttpRequest, *, body: str, new_thread: bool) -> LimitRefusal | None:
    """Why `request.user` may not post `body` now (what it holds first, then the hourly
    rates, counted only when the post may go), or None. Call it just before the service."""
    return content_refusal(request.user, body) or posting_rates_refusal(
        request, new_thread=new_thread
    )


def show_in_form(form, refusal: LimitRefusal) -> int:
    """Put the refusal on `form` (which keeps what was typed); the status to answer."""
    form.add_error(None, refusal.message)
    return refusal.status if refusal.status == 429 else 200


def with_retry_after(response: HttpResponse, refusal: LimitRefusal | None) -> HttpResponse:
    """`response` (the form shown again) telling, when `refusal` is a rate, how many whole
    seconds to wait in `Retry-After`, as the API and the site's 429 page do."""
    if refusal is not None and refusal.retry_after is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def invitation_refusal(request: HttpRequest) -> LimitRefusal | None:
    """Why `request.user` may not send invitations now (one count per sending), or None."""
    if not request.user.is_authenticated:
        return None
    return _rate(request, "invitations_per_day", "d")
