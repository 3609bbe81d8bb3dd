"""Reads of notifications: the bell's count, the centre's grouped list, one notification
described for a page or an email, and what a person muted (for the digest)."""

import html
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from communities import permissions as community_permissions
from communities.models import Invitation, JoinRequest, Membership, NotificationLevel
from core.pagination import Page, keyset_page
from discussions import permissions as discussion_permissions
from discussions.models import (
    Decision,
    IdeaStatus,
    IdeaStatusChange,
    ThreadKind,
    ThreadSubscription,
)
from moderation.models import AuditEntry
from notifications.models import EventKind, Notification, NotificationKind, NotificationSettings
from purposes import permissions as purpose_permissions
from purposes.models import Measurement

LIST_LIMIT = 100
EXCERPT_LENGTH = 240


def unread_count(*, user: User) -> int:
    """The bell: one counter row, one query."""
    value = (
        NotificationSettings.objects.filter(user_id=user.pk)
        .values_list("unread_count", flat=True)
        .first()
    )
    return value or 0


def still_visible() -> Q:
    """The one rule of whether a notification's recipient may still see it, as a filter on
    notifications: the list and the bell's groups (one person), the email at sending
    (one row) and the digest (many people at once) all filter with it.

    The recipient is active, the post it is about is not deleted, and:
    - a request approved or declined, or an invitation, is the person's own: always;
    - a join request, only while they may still moderate the community;
    - a measurement, while they may still see the goal's purpose;
    - anything else, while they may still read the community's content.
    """
    own = [NotificationKind.MEMBERSHIP]
    special = [
        NotificationKind.MEMBERSHIP,
        NotificationKind.JOIN_REQUEST,
        NotificationKind.MEASUREMENT,
    ]
    return (
        Q(recipient__is_active=True)
        & (
            Q(event__post__isnull=True)
            | (
                Q(event__post__deleted_at__isnull=True)
                & discussion_permissions.published_q(prefix="event__post__")
            )
        )
        & (
            Q(kind__in=own)
            | (
                Q(kind=NotificationKind.JOIN_REQUEST)
                & community_permissions.moderates_community_q(
                    person="recipient", community="community"
                )
            )
            | (
                Q(kind=NotificationKind.MEASUREMENT)
                & purpose_permissions.sees_purpose_q(person="recipient", purpose="purpose")
            )
            | (
                ~Q(kind__in=special)
                & community_permissions.reads_community_q(person="recipient", community="community")
            )
        )
    )


def visible_notifications(user: User) -> QuerySet[Notification]:
    """`user`'s notifications about what they may still see (`still_visible`): a
    notification of a community they lost access to disappears from the list."""
    return Notification.objects.filter(recipient=user).filter(still_visible())


@dataclass
class Described:
    headline: str
    where: str
    url: str
    excerpt: str = ""
    subject: str = ""


@dataclass
class Group:
    items: list[Notification] = field(default_factory=list)

    @property
    def newest(self) -> Notification:
        return self.items[0]

    @property
    def unread(self) -> int:
        return sum(1 for item in self.items if item.read_at is None)

    @property
    def headline(self) -> str:
        newest = self.newest
        count = len(self.items)
        if count == 1 or newest.thread is None:
            return newest.described.headline
        title = newest.thread.title
        if all(item.kind == NotificationKind.REPLY for item in self.items):
            return ngettext(
                "%(count)d new reply in “%(title)s”", "%(count)d new replies in “%(title)s”", count
            ) % {"count": count, "title": title}
        return ngettext(
            "%(count)d notification about “%(title)s”",
            "%(count)d notifications about “%(title)s”",
            count,
        ) % {"count": count, "title": title}


def _actor_name(notification: Notification) -> str:
    actor = notification.event.actor
    return actor.name if actor is not None else _("Someone")


def _thread_url(notification: Notification) -> str:
    thread = notification.thread
    return reverse(
        "thread_detail", kwargs={"slug": notification.community.slug, "thread_id": thread.pk}
    )


def describe(notification: Notification, extra: dict | None = None) -> Described:
    """What the notification says and where it leads. `extra` holds the rows a list
    loaded in bulk (status changes, measurements, requests, invitations by id); alone, a
    notification loads its own (one query)."""
    event = notification.event
    kind = event.kind
    extra = extra if extra is not None else _extra_for([notification])
    actor = _actor_name(notification)
    community = notification.community
    where = community.name if community is not None else ""
    values = {"actor": actor, "community": where}
    if notification.thread is not None:
        values["title"] = notification.thread.title
    if kind == EventKind.POST_CREATED:
        post = event.post
        url = f"{_thread_url(notification)}?after={post.pk - 1}#post-{post.pk}"
        # A deleted post's text is gone for its readers, here too.
        excerpt = "" if post.is_deleted else _excerpt(post.body_html)
        if notification.kind == NotificationKind.MENTION:
            headline = _("%(actor)s mentioned you in “%(title)s”") % values
        elif notification.kind == NotificationKind.NEW_TOPIC:
            headline = {
                ThreadKind.IDEA: _("%(actor)s posted the idea “%(title)s”"),
                ThreadKind.DECISION: _("%(actor)s opened the decision “%(title)s”"),
                ThreadKind.QUESTION: _("%(actor)s asked “%(title)s”"),
            }.get(notification.thread.kind, _("%(actor)s started “%(title)s”")) % values
        else:
            headline = _("%(actor)s replied in “%(title)s”") % values
        return Described(headline, where, url, excerpt)
    if kind == EventKind.IDEA_STATUS_CHANGED:
        change = extra["changes"].get(event.object_id)
        status = IdeaStatus(change.to_status).label if change else ""
        values["status"] = status
        headline = _("“%(title)s” is now %(status)s, with an official response") % values
        url = f"{_thread_url(notification)}#official-response-heading"
        return Described(headline, where, url, _excerpt(change.response_html if change else ""))
    if kind == EventKind.DECISION_CLOSING:
        headline = _("The decision “%(title)s” closes within 24 hours") % values
        return Described(headline, where, _thread_url(notification))
    if kind == EventKind.DECISION_DECIDED:
        # Closed with its outcome: one notification tells both.
        headline = _("The decision “%(title)s” has closed: here is what was decided") % values
        decision = extra["decisions"].get(event.object_id)
        outcome = _excerpt(decision.outcome_html) if decision else ""
        return Described(headline, where, _thread_url(notification), outcome)
    if kind == EventKind.DECISION_CLOSED:
        headline = _("Voting on the decision “%(title)s” has closed") % values
        return Described(headline, where, _thread_url(notification))
    if kind == EventKind.DECISION_OUTCOME:
        headline = _("The outcome of the decision “%(title)s” is recorded") % values
        decision = extra["decisions"].get(event.object_id)
        outcome = _excerpt(decision.outcome_html) if decision else ""
        return Described(headline, where, _thread_url(notification), outcome)
    if kind == EventKind.MEASUREMENT_RECORDED:
        measurement = extra["measurements"].get(event.object_id)
        if measurement is None:
            return Described(_("A goal was measured"), "", reverse("home"))
        goal = measurement.goal
        values.update(goal=goal.metric, purpose=goal.purpose.title)
        headline = _("New measurement of “%(goal)s”") % values
        url = reverse("purpose_detail", kwargs={"slug": goal.purpose.slug}) + f"#goal-{goal.pk}"
        return Described(headline, goal.purpose.title, url, measurement.note)
    if kind == EventKind.JOIN_REQUESTED:
        headline = _("%(actor)s asks to join %(community)s") % values
        url = reverse("community_moderation", kwargs={"slug": community.slug})
        request = extra["requests"].get(event.object_id)
        return Described(headline, where, url, request.message if request else "")
    if kind == EventKind.JOIN_REQUEST_APPROVED:
        headline = _("Welcome: your request to join %(community)s was approved") % values
        return Described(headline, where, community.get_absolute_url())
    if kind == EventKind.JOIN_REQUEST_DECLINED:
        headline = _("Your request to join %(community)s was declined") % values
        request = extra["requests"].get(event.object_id)
        excerpt = request.decision_reason if request else ""
        return Described(headline, where, reverse("notification_list"), excerpt)
    if kind == EventKind.AUTHOR_WARNED:
        warning = extra["warnings"].get(event.object_id)
        if community is not None:
            headline = _("The moderators of %(community)s sent you a warning") % values
        else:
            headline = _("The site's moderators sent you a warning")
        return Described(
            headline, where, reverse("notification_list"), warning.reason if warning else ""
        )
    if kind == EventKind.INVITED:
        headline = _("%(actor)s invites you to join %(community)s") % values
        invitation = extra["invitations"].get(event.object_id)
        url = invitation.get_absolute_url() if invitation else reverse("notification_list")
        return Described(headline, where, url)
    return Described(_("Something happened"), where, reverse("notification_list"))


def _excerpt(rendered: str) -> str:
    """The start of rendered, sanitised Markdown as plain text."""
    text = " ".join(html.unescape(strip_tags(rendered)).split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def _extra_for(notifications: list[Notification]) -> dict:
    """The rows the descriptions need beyond the notification and its event, one query
    per kind present."""
    wanted: dict[str, set[int]] = {}
    for item in notifications:
        wanted.setdefault(item.event.kind, set()).add(item.event.object_id)
    changes = wanted.get(EventKind.IDEA_STATUS_CHANGED)
    measurements = wanted.get(EventKind.MEASUREMENT_RECORDED)
    requests = set().union(
        *(
            wanted.get(kind, set())
            for kind in (
                EventKind.JOIN_REQUESTED,
                EventKind.JOIN_REQUEST_APPROVED,
                EventKind.JOIN_REQUEST_DECLINED,
            )
        )
    )
    invitations = wanted.get(EventKind.INVITED)
    warnings = wanted.get(EventKind.AUTHOR_WARNED)
    decisions = wanted.get(EventKind.DECISION_OUTCOME, set()) | wanted.get(
        EventKind.DECISION_DECIDED, set()
    )
    return {
        "decisions": Decision.objects.in_bulk(decisions) if decisions else {},
        "changes": IdeaStatusChange.objects.in_bulk(changes) if changes else {},
        "measurements": (
            Measurement.objects.select_related("goal__purpose").in_bulk(measurements)
            if measurements
            else {}
        ),
        "requests": JoinRequest.objects.in_bulk(requests) if requests else {},
        "invitations": Invitation.objects.in_bulk(invitations) if invitations else {},
        "warnings": AuditEntry.objects.in_bulk(warnings) if warnings else {},
    }


def _with_related(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    return notifications.select_related(
        "community", "thread", "event", "event__actor", "event__post"
    )


@dataclass
class GroupPage:
    groups: list[Group]
    next_cursor: str | None


def notification_groups(
    *, user: User, after: str | None = None, page_size: int = LIST_LIMIT
) -> GroupPage:
    """One page of `user`'s notifications, newest first, grouped by thread (newest group
    first): "3 new replies in …" is one row. A constant number of queries, whatever the
    count and the page.

    Pages are cut by notifications (`page_size` of them, a keyset cursor on
    (created_at, id) continuing after the last one shown), and grouping happens within a
    page: a thread whose notifications straddle a page boundary shows as a group on each
    page, each counting only the notifications of its page. So a group's count is always
    what the page holds, and no notification is shown twice or skipped, however many
    arrive while the person pages.
    """
    page = keyset_page(
        _with_related(visible_notifications(user)),
        field="created_at",
        after=after,
        page_size=page_size,
        descending=True,
    )
    items = page.items
    extra = _extra_for(items)
    groups: dict[tuple, Group] = {}
    for item in items:
        item.described = describe(item, extra)
        key = ("thread", item.thread_id) if item.thread_id else ("one", item.pk)
        groups.setdefault(key, Group()).items.append(item)
    return GroupPage(list(groups.values()), page.next_cursor)


def notification_page(*, user: User, after: str | None = None, page_size: int = LIST_LIMIT) -> Page:
    """One page of `user`'s notifications, newest first and one by one (the API's list;
    the page groups them, see `notification_groups`), each `described`. A constant number
    of queries, whatever the page."""
    page = keyset_page(
        _with_related(visible_notifications(user)),
        field="created_at",
        after=after,
        page_size=page_size,
        descending=True,
    )
    extra = _extra_for(page.items)
    for item in page.items:
        item.described = describe(item, extra)
    return page


def get_notification_for(*, user: User, notification_id: int) -> Notification:
    """One of `user`'s own notifications they may still see, or 404."""
    found = _with_related(visible_notifications(user)).filter(pk=notification_id).first()
    if found is None:
        raise Http404
    return found


# -- what a person muted: for digests -----------------------------------------------------


def muted_community_ids(*, user: User) -> set[int]:
    """Communities whose news the person wants nothing of (mentions aside)."""
    return muted_community_ids_of(user_ids=[user.pk]).get(user.pk, set())


def muted_thread_ids(*, user: User) -> set[int]:
    return muted_thread_ids_of(user_ids=[user.pk]).get(user.pk, set())


def muted_community_ids_of(*, user_ids: list[int]) -> dict[int, set[int]]:
    """`muted_community_ids` for many people at once (one query), by person."""
    found: dict[int, set[int]] = {}
    rows = Membership.objects.filter(
        user_id__in=user_ids,
        notification_level__in=[NotificationLevel.NONE, NotificationLevel.MENTIONS],
    ).values_list("user_id", "community_id")
    for user_id, community_id in rows:
        found.setdefault(user_id, set()).add(community_id)
    return found


def muted_thread_ids_of(*, user_ids: list[int]) -> dict[int, set[int]]:
    """`muted_thread_ids` for many people at once (one query), by person."""
    found: dict[int, set[int]] = {}
    rows = ThreadSubscription.objects.filter(user_id__in=user_ids, muted=True).values_list(
        "user_id", "thread_id"
    )
    for user_id, thread_id in rows:
        found.setdefault(user_id, set()).add(thread_id)
    return found


def waiting_for_digest(*, user: User) -> QuerySet[Notification]:
    """Notifications meant for the person's next digest (their choice, or over the daily
    cap), about what they may still see."""
    return visible_notifications(user).filter(email_state="digest")
