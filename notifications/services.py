"""Every write of notifications: recording events, fanning them out, emailing, reading.

Flow: a service of a lower app publishes an event inside its transaction
(`core.events.publish`); `record_event` stores an `Event` row in that same transaction
and schedules `fan_out_event` after commit. The worker's fan-out finds the recipients
through the access rule's audience face, in chunks: one bulk insert per chunk guarded by
the (recipient, event) constraint, so a rerun (a retry, a killed worker, the sweep) adds
nothing twice. Emails are built later, one task per batch, which checks access again.
"""

import datetime
import itertools
import logging
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateTimeField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from communities import permissions as community_permissions
from communities import services as community_services
from communities.models import (
    Invitation,
    JoinRequest,
    Membership,
    NotificationLevel,
)
from core.background import enqueue_after_commit, enqueue_each_after_commit
from discussions.models import (
    Decision,
    DecisionVote,
    IdeaStatusChange,
    IdeaVote,
    Mention,
    Post,
    Thread,
    ThreadSubscription,
)
from moderation.models import AuditEntry
from notifications import selectors
from notifications.models import (
    DigestCadence,
    EmailDelivery,
    EmailState,
    Event,
    EventKind,
    Notification,
    NotificationKind,
    NotificationSettings,
    email_field,
)
from purposes import permissions as purpose_permissions
from purposes.models import Measurement, PurposeFollow

logger = logging.getLogger(__name__)

# Levels that hear of nothing but mentions (and mentions only when kept, for muted).
QUIET_LEVELS = (NotificationLevel.MENTIONS, NotificationLevel.NONE)
EMAIL_BATCH = 100
SWEEP_AFTER = datetime.timedelta(minutes=2)
CLOSING_SOON = datetime.timedelta(hours=24)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
DECISION_EVENTS = (
    EventKind.DECISION_CLOSING,
    EventKind.DECISION_CLOSED,
    EventKind.DECISION_DECIDED,
    EventKind.DECISION_OUTCOME,
)


def chunk_size() -> int:
    return getattr(settings, "NOTIFICATIONS_CHUNK_SIZE", 2000)


# -- recording events ---------------------------------------------------------------------


def _event_facts(kind: str, object_id: int) -> dict | None:
    """The actor, community, thread and post of what happened; None when it is gone."""
    if kind == EventKind.POST_CREATED:
        post = Post.objects.select_related("thread").filter(pk=object_id).first()
        if post is None:
            return None
        return {
            "actor_id": post.author_id,
            "community_id": post.thread.community_id,
            "thread_id": post.thread_id,
            "post_id": post.pk,
        }
    if kind == EventKind.IDEA_STATUS_CHANGED:
        change = IdeaStatusChange.objects.select_related("idea").filter(pk=object_id).first()
        if change is None:
            return None
        return {
            "actor_id": change.changed_by_id,
            "community_id": change.idea.community_id,
            "thread_id": change.idea.thread_id,
        }
    if kind in DECISION_EVENTS:
        decision = Decision.objects.select_related("thread").filter(pk=object_id).first()
        if decision is None:
            return None
        return {
            "actor_id": decision.outcome_by_id
            if kind in (EventKind.DECISION_OUTCOME, EventKind.DECISION_DECIDED)
            else None,
            "community_id": decision.thread.community_id,
            "thread_id": decision.thread_id,
        }
    if kind == EventKind.MEASUREMENT_RECORDED:
        measurement = Measurement.objects.select_related("goal").filter(pk=object_id).first()
        if measurement is None:
            return None
        return {"actor_id": measurement.recorded_by_id, "purpose_id": measurement.goal.purpose_id}
    if kind in (
        EventKind.JOIN_REQUESTED,
        EventKind.JOIN_REQUEST_APPROVED,
        EventKind.JOIN_REQUEST_DECLINED,
    ):
        join_request = JoinRequest.objects.filter(pk=object_id).first()
        if join_request is None:
            return None
        actor = join_request.user_id
        if kind != EventKind.JOIN_REQUESTED:
            actor = join_request.decided_by_id
        return {"actor_id": actor, "community_id": join_request.community_id}
    if kind == EventKind.INVITED:
        invitation = Invitation.objects.filter(pk=object_id).first()
        if invitation is None or not invitation.email:
            return None
        # Only a person who already has an account is told in the app (the email is
        # the communities app's).
        if not User.objects.filter(email__iexact=invitation.email, is_active=True).exists():
            return None
        return {"actor_id": invitation.invited_by_id, "community_id": invitation.community_id}
    if kind == EventKind.AUTHOR_WARNED:
        entry = AuditEntry.objects.filter(pk=object_id, subject__isnull=False).first()
        if entry is None:
            return None
        # No actor: a warning comes from the moderators, not from one of them by name.
        return {"actor_id": None, "community_id": entry.community_id}
    return None


def follow_moved_thread(kind: str, object_id: int) -> None:
    """A thread moved to another community: its events and notifications move with it
    (in the move's transaction), so the list, the bell's groups and emails not yet sent
    check the access rule of the community it is in now, never the one it left."""
    if kind != "thread_moved":
        return
    community_id = Thread.objects.filter(pk=object_id).values_list("community_id", flat=True)
    Event.objects.filter(thread_id=object_id).update(community_id=Subquery(community_id))
    Notification.objects.filter(thread_id=object_id).update(community_id=Subquery(community_id))


def record_event(kind: str, object_id: int) -> Event | None:
    """Record that `kind` happened to `object_id` (in the caller's transaction) and fan it
    out after commit. Subscribed to `core.events`; recording twice records once."""
    if kind not in EventKind.values:
        return None
    facts = _event_facts(kind, object_id)
    if facts is None:
        return None
    event, created = Event.objects.get_or_create(kind=kind, object_id=object_id, defaults=facts)
    if created:
        from notifications import tasks

        enqueue_after_commit(tasks.fan_out_event, event.pk)
    return event


# -- who is told ----------------------------------------------------------------------------


def _levels(community_id: int, levels: Iterable[str]) -> QuerySet:
    return Membership.objects.filter(
        community_id=community_id, notification_level__in=list(levels)
    ).values("user_id")


def _thread_muters(thread_id: int) -> QuerySet:
    return ThreadSubscription.objects.filter(thread_id=thread_id, muted=True).values("user_id")


def _followers(thread_id: int) -> QuerySet:
    return ThreadSubscription.objects.filter(
        thread_id=thread_id, following=True, muted=False
    ).values("user_id")


def _not_quiet(people: QuerySet[User], event: Event) -> QuerySet[User]:
    """Leave out people who muted the thread or quieted the community."""
    people = people.exclude(pk__in=_levels(event.community_id, QUIET_LEVELS))
    if event.thread_id:
        people = people.exclude(pk__in=_thread_muters(event.thread_id))
    return people


def _audience(event: Event) -> QuerySet[User]:
    """The access rule's audience face for the event's community."""
    return community_permissions.audience_for(event.community)


def recipients(event: Event) -> list[tuple[str, QuerySet[User]]]:
    """Who is told of `event`, as (kind, people) in order of precedence: a person in
    several groups is told once, for the first (a mention before a reply)."""
    plan: list[tuple[str, QuerySet[User]]] = []
    actor = [event.actor_id] if event.actor_id else []
    kind = event.kind
    if kind == EventKind.POST_CREATED:
        audience = _audience(event)
        muted = _levels(event.community_id, [NotificationLevel.NONE])
        mentioned = audience.filter(
            pk__in=Mention.objects.filter(post_id=event.post_id).values("user_id")
        )
        # Muted means muted, except mentions for people who keep them (the default).
        silenced = Q(pk__in=muted) | Q(pk__in=_thread_muters(event.thread_id))
        mentioned = mentioned.exclude(
            silenced & Q(notification_settings__keep_mentions_when_muted=False)
        )
        plan.append((NotificationKind.MENTION, mentioned))
        if event.post.is_first:
            watchers = _levels(
                event.community_id, [NotificationLevel.ALL, NotificationLevel.TOPICS]
            )
            plan.append((NotificationKind.NEW_TOPIC, audience.filter(pk__in=watchers)))
        else:
            interested = Q(pk__in=_followers(event.thread_id)) | Q(
                pk__in=_levels(event.community_id, [NotificationLevel.ALL])
            )
            plan.append((NotificationKind.REPLY, _not_quiet(audience.filter(interested), event)))
    elif kind == EventKind.IDEA_STATUS_CHANGED:
        change = IdeaStatusChange.objects.select_related("idea__thread").get(pk=event.object_id)
        interested = (
            Q(pk=change.idea.thread.author_id)
            | Q(pk__in=IdeaVote.objects.filter(idea_id=change.idea_id).values("user_id"))
            | Q(pk__in=_followers(event.thread_id))
        )
        plan.append(
            (NotificationKind.IDEA_STATUS, _not_quiet(_audience(event).filter(interested), event))
        )
    elif kind in DECISION_EVENTS:
        interested = (
            Q(pk=event.thread.author_id)
            | Q(pk__in=DecisionVote.objects.filter(decision_id=event.object_id).values("user_id"))
            | Q(pk__in=_followers(event.thread_id))
            | Q(pk__in=_levels(event.community_id, [NotificationLevel.ALL]))
        )
        plan.append(
            (NotificationKind.DECISION, _not_quiet(_audience(event).filter(interested), event))
        )
    elif kind == EventKind.MEASUREMENT_RECORDED and event.purpose is not None:
        purpose = event.purpose
        # Only people who may see the purpose (a draft is its owners' and staff's).
        sees = purpose_permissions.audience_for(purpose).values("pk")
        for community in purpose.communities.order_by("pk"):
            members = community_permissions.audience_for(community).filter(
                community_permissions.member_q(community)
            )
            members = members.exclude(pk__in=_levels(community.pk, QUIET_LEVELS))
            plan.append((NotificationKind.MEASUREMENT, members.filter(pk__in=sees)))
        # Followers of the purpose, whether or not they belong to one of its communities
        # (someone in both is told once: the fan-out skips people already told).
        followers = PurposeFollow.objects.filter(purpose=purpose).values("user_id")
        plan.append(
            (
                NotificationKind.MEASUREMENT,
                purpose_permissions.audience_for(purpose).filter(pk__in=followers),
            )
        )
    elif kind == EventKind.JOIN_REQUESTED:
        community = event.community
        people = community_permissions.moderators_of(community)
        people = people.exclude(pk__in=_levels(community.pk, [NotificationLevel.NONE]))
        plan.append((NotificationKind.JOIN_REQUEST, people))
    elif kind in (EventKind.JOIN_REQUEST_APPROVED, EventKind.JOIN_REQUEST_DECLINED):
        # The person who asked: told of their own request, whatever they may read.
        join_request = JoinRequest.objects.get(pk=event.object_id)
        person = User.objects.filter(pk=join_request.user_id, is_active=True)
        plan.append((NotificationKind.MEMBERSHIP, person))
    elif kind == EventKind.AUTHOR_WARNED:
        # The person warned, about their own conduct: told whatever they may read.
        entry = AuditEntry.objects.get(pk=event.object_id)
        person = User.objects.filter(pk=entry.subject_id, is_active=True)
        plan.append((NotificationKind.MEMBERSHIP, person))
    elif kind == EventKind.INVITED:
        invitation = Invitation.objects.get(pk=event.object_id)
        person = User.objects.filter(email__iexact=invitation.email, is_active=True)
        plan.append((NotificationKind.MEMBERSHIP, person))
    return [(reason, people.exclude(pk__in=actor)) for reason, people in plan]


# -- fan-out --------------------------------------------------------------------------------


def _batched(ids: list[int], size: int) -> Iterator[list[int]]:
    iterator = iter(ids)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _unread_count_of(user_ref) -> Coalesce:
    unread = (
        Notification.objects.filter(recipient_id=user_ref, read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(unread), Value(0))


def recount_unread(user_ids: Iterable[int]) -> None:
    """Set the bell's counter of each person from their unread notifications."""
    NotificationSettings.objects.filter(user_id__in=list(user_ids)).update(
        unread_count=_unread_count_of(OuterRef("user_id"))
    )


def _insert_from(model, columns: list[str], rows: QuerySet, conflict: list[str]) -> None:
    """`INSERT INTO <model> (columns) <rows' SELECT> ON CONFLICT (conflict) DO NOTHING`:
    one statement and no model instance per row (building thousands of instances cost a
    fan-out more than the insert itself)."""
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    keys = ", ".join(quote(column) for column in conflict)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) {select} "  # noqa: S608 - names from the model
            f"ON CONFLICT ({keys}) DO NOTHING",
            params,
        )


def _ensure_settings(user_ids: list[int]) -> None:
    """Give each person without a settings row one with the defaults."""
    fields = [f for f in NotificationSettings._meta.concrete_fields if not f.primary_key]
    people = (
        User.objects.filter(pk__in=user_ids)
        .order_by()
        .values_list("pk", *(Value(f.get_default(), output_field=f) for f in fields))
    )
    key = NotificationSettings._meta.pk.column
    _insert_from(NotificationSettings, [key, *(f.column for f in fields)], people, [key])


def _email_state_of(kind: str, event: Event) -> Case | Value:
    """The email state of a new notification, from the person's settings row: pending
    for "at once", digest for "in the digest", none otherwise (and for an invitation,
    which the communities app emailed itself)."""
    if event.kind == EventKind.INVITED:
        return Value(EmailState.NONE)
    field = email_field(kind)
    return Case(
        When(**{field: EmailDelivery.IMMEDIATELY}, then=Value(EmailState.PENDING)),
        When(**{field: EmailDelivery.DIGEST}, then=Value(EmailState.DIGEST)),
        default=Value(EmailState.NONE),
        output_field=CharField(),
    )


@transaction.atomic
def notify_chunk(*, event: Event, kind: str, user_ids: list[int]) -> None:
    """Tell `user_ids` of `event` for `kind`: one insert; those already told are left as
    they are. Their counters are recounted and immediate emails scheduled, the emails in
    one outbox insert.

    Each statement works in the database: a settings row for whoever has none, then the
    notifications selected from those rows (their email choice decides the email state),
    then the counters and the pending emails of the chunk's rows.
    """
    if not user_ids:
        return
    _ensure_settings(user_ids)
    meta = Notification._meta
    values = {
        "event": Value(event.pk),
        "kind": Value(kind),
        "community": Value(event.community_id, output_field=BigIntegerField()),
        "thread": Value(event.thread_id, output_field=BigIntegerField()),
        "purpose": Value(event.purpose_id, output_field=BigIntegerField()),
        "created_at": Value(event.created_at, output_field=DateTimeField()),
        "email_state": _email_state_of(kind, event),
    }
    rows = (
        NotificationSettings.objects.filter(user_id__in=user_ids)
        .order_by("user_id")
        .values_list("user_id", *values.values())
    )
    columns = [meta.get_field("recipient").column, *(meta.get_field(n).column for n in values)]
    _insert_from(
        Notification, columns, rows, [meta.get_field(n).column for n in ("recipient", "event")]
    )
    recount_unread(user_ids)
    pending = list(
        Notification.objects.filter(
            event=event, recipient_id__in=user_ids, email_state=EmailState.PENDING
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if pending:
        from notifications import tasks

        # One outbox insert for the chunk's email tasks, one task per EMAIL_BATCH rows.
        enqueue_each_after_commit(
            tasks.send_notification_emails, [[batch] for batch in _batched(pending, EMAIL_BATCH)]
        )


def fan_out_event(*, event_id: int) -> int:
    """Notify everyone `event_id` concerns; returns how many people were considered.

    Idempotent: returns at once for a gone or finished event; a rerun of a half-done one
    inserts only the missing rows.
    """
    event = (
        Event.objects.select_related("community", "thread", "post", "purpose")
        .filter(pk=event_id, fanned_out_at__isnull=True)
        .first()
    )
    if event is None:
        return 0
    considered = 0
    told: set[int] = set()
    # A post deleted before its fan-out tells nobody.
    plan = [] if event.post_id and event.post.is_deleted else recipients(event)
    for kind, people in plan:
        ids = [
            pk
            for pk in people.order_by("pk").values_list("pk", flat=True).distinct()
            if pk not in told
        ]
        told.update(ids)
        for batch in _batched(ids, chunk_size()):
            notify_chunk(event=event, kind=kind, user_ids=batch)
            considered += len(batch)
    Event.objects.filter(pk=event.pk, fanned_out_at__isnull=True).update(
        fanned_out_at=timezone.now()
    )
    return considered


def sweep(*, now: datetime.datetime | None = None) -> int:
    """Run by beat every minute: record decisions closing within 24 hours, and re-enqueue
    events recorded but not fanned out for a while (lost messages, killed workers)."""
    from notifications import tasks

    now = now or timezone.now()
    closing = Decision.objects.filter(
        closed_at__isnull=True, closes_at__gt=now, closes_at__lte=now + CLOSING_SOON
    ).exclude(pk__in=Event.objects.filter(kind=EventKind.DECISION_CLOSING).values("object_id"))
    for decision_id in closing.values_list("pk", flat=True):
        with transaction.atomic():
            record_event(EventKind.DECISION_CLOSING, decision_id)
    stale = Event.objects.filter(fanned_out_at__isnull=True, created_at__lte=now - SWEEP_AFTER)
    count = 0
    for event_id in stale.order_by("created_at").values_list("pk", flat=True)[:1000]:
        enqueue_after_commit(tasks.fan_out_event, event_id)
        count += 1
    return count


# -- emails ---------------------------------------------------------------------------------


def _sent_today(person: User, now: datetime.datetime) -> int:
    try:
        zone = ZoneInfo(person.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    start = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    return Notification.objects.filter(
        recipient=person, email_state=EmailState.SENT, emailed_at__gte=start
    ).count()


COMMUNITY = "community"
DIGEST = "digest"  # the kind of an unsubscribe token that turns the digest off


def unsubscribe_token(*, user_id: int, kind: str, community_id: int | None = None) -> str:
    """A signed token naming one person and one kind of email, or one community
    (`kind` "community"); it never expires."""
    payload = [user_id, kind] if community_id is None else [user_id, COMMUNITY, community_id]
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str, int | None] | None:
    """(person, kind, community) from a token, or None when it is not one of ours."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, list) or not payload or not isinstance(payload[0], int):
        return None
    if len(payload) == 3 and payload[1] == COMMUNITY and isinstance(payload[2], int):
        return payload[0], COMMUNITY, payload[2]
    if len(payload) == 2 and payload[1] in (*NotificationKind.values, DIGEST):
        return payload[0], payload[1], None
    return None


def build_email(notification: Notification) -> EmailMultiAlternatives:
    from notifications.selectors import describe

    person = notification.recipient
    token = unsubscribe_token(user_id=person.pk, kind=notification.kind)
    unsubscribe_url = settings.SITE_URL + reverse("notification_unsubscribe", args=[token])
    mute_url = ""
    if notification.community_id and notification.kind != NotificationKind.MEMBERSHIP:
        mute = unsubscribe_token(user_id=person.pk, kind="", community_id=notification.community_id)
        mute_url = settings.SITE_URL + reverse("notification_unsubscribe", args=[mute])
    language = getattr(person, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(person.timezone or "UTC"):
        context = {
            "notification": notification,
            "item": describe(notification),
            "person": person,
            "open_url": settings.SITE_URL + reverse("notification_open", args=[notification.pk]),
            "settings_url": settings.SITE_URL + reverse("notification_settings"),
            "unsubscribe_url": unsubscribe_url,
            "mute_url": mute_url,
            "kind_label": NotificationKind(notification.kind).label,
            "site_name": settings.SITE_NAME,
        }
        subject = render_to_string("notifications/email/subject.txt", context).strip()
        body = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[person.email],
        headers={
            "X-Commons-Kind": notification.kind,
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def send_notification_email(*, notification_id: int, now: datetime.datetime | None = None) -> bool:
    """Email one notification, if it still waits for it and the person may still see it
    and still wants it now; returns whether a message was sent. Sent at most once: the
    row moves from pending to sent before the message is queued, in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_related(
                "recipient", "community", "thread", "event__actor", "event__post", "event__thread"
            )
            .filter(pk=notification_id, email_state=EmailState.PENDING)
            .first()
        )
        if notification is None:
            return False
        # The one rule of what a person may still see (`selectors.still_visible`): who
        # lost access since the fan-out gets nothing.
        may_still_see = (
            Notification.objects.filter(pk=notification.pk)
            .filter(selectors.still_visible())
            .exists()
        )
        state = EmailState.SENT
        choices = NotificationSettings.objects.filter(user_id=notification.recipient_id).first()
        choice = choices.email_delivery(notification.kind) if choices else EmailDelivery.IMMEDIATELY
        if not may_still_see or choice == EmailDelivery.NEVER:
            state = EmailState.SKIPPED
        elif choice == EmailDelivery.DIGEST:
            state = EmailState.DIGEST
        elif (
            choices
            and choices.daily_email_cap is not None
            and _sent_today(notification.recipient, now) >= choices.daily_email_cap
        ):
            state = EmailState.DIGEST  # over the cap: it waits for the next digest
        changed = Notification.objects.filter(
            pk=notification.pk, email_state=EmailState.PENDING
        ).update(email_state=state, emailed_at=now if state == EmailState.SENT else None)
        if not changed or state != EmailState.SENT:
            return False
        get_connection().send_messages([build_email(notification)])
        return True


# -- reading --------------------------------------------------------------------------------


def mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s notifications read (all of them when `notification_ids` is None);
    returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    with transaction.atomic():
        changed = unread.update(read_at=timezone.now())
        if changed:
            NotificationSettings.objects.filter(user=user).update(
                unread_count=_unread_count_of(OuterRef("user_id"))
            )
    return changed


def mark_thread_read(*, user: User, notification: Notification) -> int:
    """Opening a notification of a thread reads every notification of that thread (the
    list shows them as one group)."""
    ids = [notification.pk]
    if notification.thread_id:
        ids = Notification.objects.filter(
            recipient=user, thread_id=notification.thread_id, read_at__isnull=True
        ).values_list("pk", flat=True)
    return mark_read(user=user, notification_ids=ids)


# -- preferences ----------------------------------------------------------------------------


def settings_for(user: User) -> NotificationSettings:
    found, _created = NotificationSettings.objects.get_or_create(user=user)
    return found


def update_settings(*, user: User, **values) -> NotificationSettings:
    """Save a person's own choices (email per kind, digest, cap, mentions when muted)."""
    allowed = {email_field(kind) for kind in NotificationKind.values} | {
        "keep_mentions_when_muted",
        "digest_cadence",
        "digest_weekday",
        "digest_hour",
        "daily_email_cap",
    }
    fields = sorted(set(values) & allowed)
    with transaction.atomic():
        found = NotificationSettings.objects.select_for_update().get(pk=settings_for(user).pk)
        for name in fields:
            setattr(found, name, values[name])
        found.save(update_fields=fields)
    return found


def unsubscribe(*, user_id: int, kind: str, community_id: int | None = None) -> bool:
    """Stop emails of `kind` for the person (`DIGEST`: turn the digest off), or mute
    `community_id` for them (nothing from there, in the app or by email); idempotent.
    False when the person is gone."""
    if not User.objects.filter(pk=user_id).exists():
        return False
    if community_id is not None:
        community_services.mute_community(user_id=user_id, community_id=community_id)
        return True
    NotificationSettings.objects.bulk_create(
        [NotificationSettings(user_id=user_id)], ignore_conflicts=True
    )
    if kind == DIGEST:
        change = {"digest_cadence": DigestCadence.OFF}
    else:
        change = {email_field(kind): EmailDelivery.NEVER}
    NotificationSettings.objects.filter(user_id=user_id).update(**change)
    return True
