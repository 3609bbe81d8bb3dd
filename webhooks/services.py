"""Every write of webhooks: endpoints, recording deliveries when things happen, sending.

Flow: a service of a lower app publishes an event inside its transaction
(`core.events.publish`); `record_event` describes it once (ids, titles, addresses),
writes one `Delivery` per enabled endpoint that asked for it, in one insert, and
schedules one `webhooks.deliver` task per delivery through the outbox, after commit. The
task calls `attempt_delivery`, which POSTs the signed body; a failed attempt is retried
with exponential backoff (the task asks Celery to retry; the outbox sweep sends it again
should that message be lost) until WEBHOOK_MAX_ATTEMPTS, and an endpoint whose deliveries
keep failing is switched off and its owners told by email.

Who hears of what: a community's endpoints hear only of that community (a goal's
measurements: of its purpose, once published), site-wide endpoints of everything.
"""

import datetime
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from communities import permissions
from communities.models import Community, Membership
from core.background import enqueue_after_commit, enqueue_each_after_commit
from core.mail import KIND_HEADER
from core.text import require_single_line
from discussions.models import Decision, Idea, IdeaStatusChange, Post, Thread
from purposes.models import Measurement, Purpose
from webhooks import transport
from webhooks.models import PING, Delivery, DeliveryState, Endpoint, WebhookEvent

SECRET_PREFIX = "whsec_"
SECRET_MIN_LENGTH = 16

# The events of `core.events` webhooks hear of (others, such as join requests, stay in
# the app).
HEARD = {
    "post_created",
    "idea_created",
    "idea_status_changed",
    "decision_closed",
    "decision_decided",
    "measurement_recorded",
    "member_joined",
}


# -- endpoints ----------------------------------------------------------------------------


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = [kind for kind in WebhookEvent.values if kind in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise ValidationError({"events": _("Choose at least one event to send.")})
    return chosen


def _clean_url(url: str) -> str:
    url = url.strip()
    try:
        transport.check_url(url)
    except transport.UnsafeURL as error:
        raise ValidationError({"url": str(error)}) from error
    return url


def _clean_secret(secret: str) -> str:
    secret = secret.strip()
    if len(secret) < SECRET_MIN_LENGTH or len(secret) > 200 or any(c.isspace() for c in secret):
        raise ValidationError(
            {
                "secret": _(
                    "A secret has %(min)d to 200 characters, without spaces; leave it empty "
                    "to have one made."
                )
                % {"min": SECRET_MIN_LENGTH}
            }
        )
    return secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@dataclass
class Saved:
    endpoint: Endpoint
    # A secret made by the site, to show once; None when the person gave theirs or kept it.
    new_secret: str | None


@transaction.atomic
def create_endpoint(
    *,
    by: User,
    community: Community | None,
    url: str,
    events: Iterable[str],
    description: str = "",
    secret: str = "",
    is_enabled: bool = True,
) -> Saved:
    """Register an endpoint of `community` (None: site-wide). Without `secret`, one is
    made and returned to be shown once."""
    permissions.require_manage_webhooks(by, community)
    require_single_line(description=description)
    existing = Endpoint.objects.filter(community=community)
    if existing.count() >= settings.WEBHOOK_MAX_ENDPOINTS:
        raise ValidationError(
            _("There can be at most %(count)d endpoints here; remove one first.")
            % {"count": settings.WEBHOOK_MAX_ENDPOINTS}
        )
    made = None if secret.strip() else new_secret()
    endpoint = Endpoint.objects.create(
        community=community,
        url=_clean_url(url),
        events=_clean_events(events),
        description=description.strip()[:200],
        secret=made or _clean_secret(secret),
        is_enabled=is_enabled,
        created_by=by,
    )
    return Saved(endpoint, made)


@transaction.atomic
def update_endpoint(
    *,
    by: User,
    endpoint: Endpoint,
    url: str,
    events: Iterable[str],
    description: str = "",
    is_enabled: bool = True,
    secret: str = "",
    new_secret_wanted: bool = False,
) -> Saved:
    """Change an endpoint. `secret` replaces the secret; `new_secret_wanted` has one made
    (returned to be shown once). Switching it on again starts its failure count anew."""
    permissions.require_manage_webhooks(by, endpoint.community)
    require_single_line(description=description)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.url = _clean_url(url)
    endpoint.events = _clean_events(events)
    endpoint.description = description.strip()[:200]
    made = None
    if new_secret_wanted:
        made = endpoint.secret = new_secret()
    elif secret.strip():
        endpoint.secret = _clean_secret(secret)
    fields = ["url", "events", "description", "secret", "is_enabled", "updated_at"]
    if is_enabled and not endpoint.is_enabled:
        endpoint.consecutive_failures = 0
        endpoint.disabled_automatically_at = None
        fields += ["consecutive_failures", "disabled_automatically_at"]
    endpoint.is_enabled = is_enabled
    endpoint.updated_at = timezone.now()
    endpoint.save(update_fields=fields)
    return Saved(endpoint, made)


@transaction.atomic
def delete_endpoint(*, by: User, endpoint: Endpoint) -> None:
    """Remove the endpoint and its delivery log."""
    permissions.require_manage_webhooks(by, endpoint.community)
    Endpoint.objects.filter(pk=endpoint.pk).delete()


# -- describing what happened ----------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "name": user.name,
        "url": _absolute(reverse("person_detail", args=[user.pk])),
    }


def _community(community: Community) -> dict[str, Any]:
    return {
        "id": community.pk,
        "slug": community.slug,
        "name": community.name,
        "url": _absolute(community.get_absolute_url()),
    }


def _thread(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "kind": thread.kind,
        "title": thread.title,
        "url": _absolute(thread.get_absolute_url()),
    }


def _idea(idea: Idea) -> dict[str, Any]:
    return {
        "id": idea.pk,
        "thread_id": idea.thread_id,
        "title": idea.thread.title,
        "status": idea.status,
        "votes": idea.vote_count,
        "url": _absolute(idea.thread.get_absolute_url()),
    }


@dataclass
class Happening:
    """An event as webhooks send it: its type, who may hear of it, and its data."""

    event: str
    community_id: int | None
    purpose: Purpose | None
    occurred_at: datetime.datetime
    data: dict[str, Any]


def _happening(kind: str, object_id: int) -> Happening | None:
    """What `kind` on `object_id` is, as ids, titles and addresses; None when it is gone."""
    if kind == "post_created":
        post = (
            Post.objects.select_related("thread__community", "author").filter(pk=object_id).first()
        )
        if post is None:
            return None
        thread, community = post.thread, post.thread.community
        data = {"community": _community(community), "thread": _thread(thread)}
        if post.is_first:
            data["author"] = _person(post.author)
            return Happening(
                WebhookEvent.THREAD_CREATED, community.pk, None, thread.created_at, data
            )
        data["post"] = {
            "id": post.pk,
            "url": _absolute(f"{thread.get_absolute_url()}#post-{post.pk}"),
        }
        data["author"] = _person(post.author)
        return Happening(WebhookEvent.POST_CREATED, community.pk, None, post.created_at, data)
    if kind == "idea_created":
        idea = (
            Idea.objects.select_related("thread__community", "thread__author")
            .filter(pk=object_id)
            .first()
        )
        if idea is None:
            return None
        community = idea.thread.community
        data = {
            "community": _community(community),
            "idea": _idea(idea),
            "author": _person(idea.thread.author),
        }
        return Happening(WebhookEvent.IDEA_CREATED, community.pk, None, idea.created_at, data)
    if kind == "idea_status_changed":
        change = (
            IdeaStatusChange.objects.select_related("idea__thread__community", "changed_by")
            .filter(pk=object_id)
            .first()
        )
        if change is None:
            return None
        community = change.idea.thread.community
        data = {
            "community": _community(community),
            "idea": _idea(change.idea),
            "from_status": change.from_status,
            "to_status": change.to_status,
            "changed_by": _person(change.changed_by),
        }
        return Happening(
            WebhookEvent.IDEA_STATUS_CHANGED, community.pk, None, change.changed_at, data
        )
    if kind in ("decision_closed", "decision_decided"):
        decision = Decision.objects.select_related("thread__community").filter(pk=object_id).first()
        if decision is None or decision.closed_at is None:
            return None
        community = decision.thread.community
        data = {
            "community": _community(community),
            "decision": {
                "id": decision.pk,
                "thread_id": decision.thread_id,
                "title": decision.thread.title,
                "voters": decision.voter_count,
                "has_outcome": bool(decision.outcome),
                "url": _absolute(decision.thread.get_absolute_url()),
            },
        }
        return Happening(WebhookEvent.DECISION_CLOSED, community.pk, None, decision.closed_at, data)
    if kind == "measurement_recorded":
        measurement = (
            Measurement.objects.select_related("goal__purpose", "recorded_by")
            .filter(pk=object_id)
            .first()
        )
        if measurement is None:
            return None
        goal, purpose = measurement.goal, measurement.goal.purpose
        data = {
            "purpose": {
                "id": purpose.pk,
                "slug": purpose.slug,
                "title": purpose.title,
                "url": _absolute(purpose.get_absolute_url()),
            },
            "goal": {
                "id": goal.pk,
                "metric": goal.metric,
                "unit": goal.unit,
                "baseline": str(goal.baseline),
                "target": str(goal.target),
            },
            "measurement": {
                "id": measurement.pk,
                "value": str(measurement.value),
                "measured_on": measurement.measured_on.isoformat(),
            },
            "recorded_by": _person(measurement.recorded_by),
        }
        return Happening(
            WebhookEvent.MEASUREMENT_RECORDED, None, purpose, measurement.created_at, data
        )
    if kind == "member_joined":
        membership = (
            Membership.objects.select_related("community", "user").filter(pk=object_id).first()
        )
        if membership is None:
            return None
        data = {
            "community": _community(membership.community),
            "member": _person(membership.user),
            "role": membership.role,
            "joined_via": membership.joined_via,
        }
        return Happening(
            WebhookEvent.MEMBER_JOINED,
            membership.community_id,
            None,
            membership.joined_at,
            data,
        )
    return None


def _body(*, event_uid: uuid.UUID, event: str, occurred_at: datetime.datetime, data: dict) -> str:
    return json.dumps(
        {
            "id": str(event_uid),
            "type": event,
            "occurred_at": occurred_at.astimezone(datetime.UTC).isoformat(),
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _listeners(happening: Happening) -> list[Endpoint]:
    """The enabled endpoints that asked for the event and may hear of it."""
    if happening.purpose is not None:
        communities = Q(
            community__in=permissions.webhook_communities_for_purpose(happening.purpose)
        )
    else:
        communities = Q(community_id=happening.community_id)
    endpoints = Endpoint.objects.filter(is_enabled=True).filter(
        Q(community__isnull=True) | communities
    )
    return [endpoint for endpoint in endpoints.order_by("pk") if happening.event in endpoint.events]


def _schedule(deliveries: list[Delivery]) -> list[int]:
    """Insert `deliveries` (one statement; one already recorded is left as it is) and
    send each new one after commit (one outbox insert)."""
    if not deliveries:
        return []
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(uid__in=[delivery.uid for delivery in deliveries])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    from webhooks import tasks

    enqueue_each_after_commit(tasks.deliver, [[pk] for pk in ids])
    return ids


def record_event(kind: str, object_id: int) -> list[int]:
    """Record a delivery of what happened to every endpoint that listens, in the caller's
    transaction; returns their ids. Subscribed to `core.events`; recording the same event
    twice records it once per endpoint."""
    if kind not in HEARD or not Endpoint.objects.filter(is_enabled=True).exists():
        return []
    happening = _happening(kind, object_id)
    if happening is None:
        return []
    endpoints = _listeners(happening)
    if not endpoints:
        return []
    event_uid = uuid.uuid4()
    body = _body(
        event_uid=event_uid,
        event=happening.event,
        occurred_at=happening.occurred_at,
        data=happening.data,
    )
    return _schedule(
        [
            Delivery(
                endpoint=endpoint,
                event=happening.event,
                object_id=object_id,
                event_uid=event_uid,
                body=body,
            )
            for endpoint in endpoints
        ]
    )


# -- actions on the delivery log ----------------------------------------------------------


def _require_enabled(endpoint: Endpoint) -> None:
    if not endpoint.is_enabled:
        raise ValidationError(_("Switch the endpoint on first."))


@transaction.atomic
def send_test(*, by: User, endpoint: Endpoint) -> Delivery:
    """A "ping" delivery to `endpoint`, to check the receiver."""
    permissions.require_manage_webhooks(by, endpoint.community)
    _require_enabled(endpoint)
    event_uid = uuid.uuid4()
    data: dict[str, Any] = {"endpoint": {"id": endpoint.pk}}
    if endpoint.community is not None:
        data["community"] = _community(endpoint.community)
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event=PING,
        object_id=endpoint.pk,
        event_uid=event_uid,
        body=_body(event_uid=event_uid, event=PING, occurred_at=timezone.now(), data=data),
    )
    from webhooks import tasks

    enqueue_after_commit(tasks.deliver, delivery.pk)
    return delivery


@transaction.atomic
def redeliver(*, by: User, delivery: Delivery) -> Delivery:
    """Send a delivery's body again, as a new delivery with the same event id."""
    endpoint = delivery.endpoint
    permissions.require_manage_webhooks(by, endpoint.community)
    _require_enabled(endpoint)
    again = Delivery.objects.create(
        endpoint=endpoint,
        event=delivery.event,
        object_id=delivery.object_id,
        event_uid=delivery.event_uid,
        body=delivery.body,
        redelivery_of=delivery,
    )
    from webhooks import tasks

    enqueue_after_commit(tasks.deliver, again.pk)
    return again


# -- sending --------------------------------------------------------------------------------


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The Commons-Signature header: `t=<timestamp>,v1=<hex HMAC-SHA256 of
    "<timestamp>.<body>" keyed with the secret>`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones (exponential)."""
    delay = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(delay, settings.WEBHOOK_RETRY_MAX_SECONDS)


def attempt_delivery(*, delivery_id: int) -> float | None:
    """Make one attempt at a pending delivery; returns the seconds to wait before the
    next attempt, or None when there is nothing more to do (delivered, given up, gone).

    Callers run one attempt of a delivery at a time (the outbox claim of its task).
    """
    delivery = (
        Delivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, state=DeliveryState.PENDING)
        .first()
    )
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    pending = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING)
    if not endpoint.is_enabled:
        pending.update(state=DeliveryState.FAILED, error=_("The endpoint is switched off."))
        return None
    body = delivery.body.encode()
    answer = transport.post(
        endpoint.url,
        body,
        {
            "Content-Type": "application/json",
            "Commons-Event": delivery.event,
            "Commons-Delivery": str(delivery.uid),
            "Commons-Signature": signature(
                secret=endpoint.secret, timestamp=int(time.time()), body=body
            ),
        },
    )
    attempts = delivery.attempts + 1
    outcome = {
        "attempts": attempts,
        "last_attempt_at": timezone.now(),
        "response_status": answer.status if answer.status and answer.status < 1000 else None,
        "duration_ms": answer.duration_ms,
        "error": answer.error[:500],
        "response_excerpt": answer.excerpt[:1000],
    }
    if answer.ok:
        with transaction.atomic():
            pending.update(state=DeliveryState.SUCCEEDED, **outcome)
            Endpoint.objects.filter(pk=endpoint.pk, consecutive_failures__gt=0).update(
                consecutive_failures=0
            )
        return None
    if attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        pending.update(**outcome)
        return retry_delay(attempts)
    with transaction.atomic():
        if pending.update(state=DeliveryState.FAILED, **outcome):
            _count_failure(endpoint)
    return None


def _count_failure(endpoint: Endpoint) -> None:
    """One more delivery given up: past the limit, switch the endpoint off (once) and tell
    its owners."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    switched_off = Endpoint.objects.filter(
        pk=endpoint.pk,
        is_enabled=True,
        consecutive_failures__gte=settings.WEBHOOK_DISABLE_AFTER_FAILURES,
    ).update(is_enabled=False, disabled_automatically_at=timezone.now())
    if switched_off:
        endpoint.refresh_from_db()
        tell_switched_off(endpoint)


def prune_deliveries(*, now: datetime.datetime | None = None) -> int:
    """Forget deliveries made more than WEBHOOK_LOG_KEEP_DAYS ago that are no longer
    pending; returns how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.WEBHOOK_LOG_KEEP_DAYS)
    old = Delivery.objects.filter(created_at__lt=cutoff).exclude(state=DeliveryState.PENDING)
    # Redeliveries of what goes go with it (the event's whole log at once).
    deleted, _by_model = old.delete()
    return deleted


def endpoint_page_url(endpoint: Endpoint) -> str:
    if endpoint.community_id is None:
        return reverse("site_webhook_detail", args=[endpoint.pk])
    return reverse("community_webhook_detail", args=[endpoint.community.slug, endpoint.pk])


def tell_switched_off(endpoint: Endpoint) -> int:
    """Email the people who manage `endpoint` that it was switched off (through the
    queue, after commit); returns how many were told."""
    people = list(permissions.webhook_managers_of(endpoint.community).order_by("pk"))
    messages = []
    for person in people:
        language = getattr(person, "language", None) or settings.LANGUAGE_CODE
        with translation.override(language):
            context = {
                "person": person,
                "endpoint": endpoint,
                "community": endpoint.community,
                "failures": endpoint.consecutive_failures,
                "page_url": _absolute(endpoint_page_url(endpoint)),
                "site_name": settings.SITE_NAME,
            }
            subject = _("Webhook switched off after repeated failures: %(url)s") % {
                "url": endpoint.url
            }
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("webhooks/email/switched_off.txt", context),
                to=[person.email],
                headers={KIND_HEADER: "webhook-switched-off"},
            )
            message.attach_alternative(
                render_to_string("webhooks/email/switched_off.html", context), "text/html"
            )
        messages.append(message)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
