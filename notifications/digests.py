"""Email digests: what happened around a person since their previous digest.

Reads (`build_digests`) and writes (`send_due_digests`, `enqueue_due_digests`) of the
digest, kept together in this module.

Flow: beat runs `enqueue_due_digests` every hour. It finds the people whose local digest
hour has come (and, weekly, whose weekday it is), in every time zone at once, and
enqueues one `send_digests` job per chunk of them. The job claims each person's period
by inserting a `DigestRecord` (unique per person and period), builds the digests of the
people it claimed in bulk, and in the same transaction marks them sent, marks the
notifications they carried as emailed and queues the emails (after commit). A second
beat, a retried job or a second worker finds the period claimed and sends nothing.

A digest covers, per community the person belongs to (the access rule checked now, not
muted or set to mentions only), what happened in [since, until): the most
active threads, new ideas with most votes, idea status changes, decisions closing before
the next digest, and the progress of the goals of the community's purpose ("42% → 47%");
plus the notifications waiting for the digest. Goal progress also comes from the purposes
the person follows (`purposes.PurposeFollow`), in a group of their own when none of the
person's communities works on them; a purpose's progress is told only while the person
may see the purpose.

The number of queries of `build_digests` depends on the number of distinct periods and
communities in the batch, never on the number of people.
"""

import datetime
import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from communities import permissions as community_permissions
from communities.models import Community, Membership
from core.background import enqueue_after_commit
from discussions.models import Decision, Idea, IdeaStatus, IdeaStatusChange, ReviewState, Thread
from notifications import selectors
from notifications.models import (
    DigestCadence,
    DigestRecord,
    DigestState,
    EmailState,
    Notification,
    NotificationSettings,
)
from notifications.services import DIGEST, unsubscribe_token
from purposes import permissions as purpose_permissions
from purposes.models import Goal, Measurement, Purpose, PurposeFollow

SECTION_LIMIT = 5
CHUNK = 1000
# Hours looked back by each beat: a beat or a job lost in the last hours is made up for.
CATCH_UP_HOURS = 3
PERIODS = {
    DigestCadence.DAILY: datetime.timedelta(days=1),
    DigestCadence.WEEKLY: datetime.timedelta(days=7),
}
DEFAULTS = NotificationSettings()


def _batched(values: Iterable, size: int) -> Iterator[list]:
    iterator = iter(values)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# -- periods and time zones ---------------------------------------------------------------


def language_of(person: User) -> str:
    return getattr(person, "language", None) or settings.LANGUAGE_CODE


def zone_of(person: User) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def period_length(cadence: str) -> datetime.timedelta:
    """A digest that is off still has a preview: it covers a week."""
    return PERIODS.get(cadence, PERIODS[DigestCadence.WEEKLY])


def period_key(cadence: str, due_at: datetime.datetime, zone: ZoneInfo) -> str:
    """The person's local day ("daily:2026-12-04") or ISO week ("weekly:2026-W49")."""
    local = due_at.astimezone(zone)
    if cadence == DigestCadence.DAILY:
        return f"daily:{local.date().isoformat()}"
    year, week, _weekday = local.isocalendar()
    return f"weekly:{year}-W{week:02d}"


def top_of_hour(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


# -- what a digest holds ------------------------------------------------------------------


@dataclass
class Item:
    text: str
    url: str
    detail: str = ""
    closes_at: datetime.datetime | None = None


@dataclass
class Section:
    heading: str
    items: list[Item]
    more: int = 0
    more_text: str = ""

    def __post_init__(self) -> None:
        if self.more and not self.more_text:
            self.more_text = ngettext("and %(count)d more", "and %(count)d more", self.more) % {
                "count": self.more
            }


@dataclass
class Group:
    name: str
    url: str
    sections: list[Section]

    @property
    def size(self) -> int:
        return sum(len(section.items) + section.more for section in self.sections)


@dataclass
class Digest:
    person: User
    cadence: str
    since: datetime.datetime
    until: datetime.datetime
    groups: list[Group] = field(default_factory=list)
    # Waiting notifications it tells of, and those it leaves out (access lost, gone).
    notification_ids: list[int] = field(default_factory=list)
    dropped_ids: list[int] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(group.size for group in self.groups)

    @property
    def is_empty(self) -> bool:
        return not self.groups


@dataclass
class News:
    """What happened in one community in one window, ranked, shared by every reader. Each
    row is (thread id, thread title, what is told: new posts, votes, status, closing
    time), plain values rather than model instances: a batch reads thousands."""

    threads: list[tuple] = field(default_factory=list)
    ideas: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)
    decisions: list[tuple] = field(default_factory=list)

    @property
    def thread_ids(self) -> set[int]:
        if "_thread_ids" not in self.__dict__:
            self.__dict__["_thread_ids"] = {
                row[0]
                for rows in (self.threads, self.ideas, self.changes, self.decisions)
                for row in rows
            }
        return self.__dict__["_thread_ids"]


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


# Addresses made by filling a reversed pattern: reversing each of thousands of threads and
# tokens was a good part of a batch's time.
_PLACEHOLDER = 987654321987
_PATTERNS: dict[tuple, str] = {}


def _thread_url(thread_id: int, slug: str) -> str:
    key = ("thread_detail", slug)
    if key not in _PATTERNS:
        _PATTERNS[key] = _absolute(
            reverse("thread_detail", kwargs={"slug": slug, "thread_id": _PLACEHOLDER})
        )
    return _PATTERNS[key].replace(str(_PLACEHOLDER), str(thread_id))


def _unsubscribe_url(token: str) -> str:
    key = ("notification_unsubscribe",)
    if key not in _PATTERNS:
        _PATTERNS[key] = _absolute(reverse("notification_unsubscribe", args=[str(_PLACEHOLDER)]))
    return _PATTERNS[key].replace(str(_PLACEHOLDER), token)


def _news(
    communities: dict[int, Community],
    since: datetime.datetime,
    until: datetime.datetime,
    horizon: datetime.datetime,
) -> dict[int, News]:
    """The ranked news of `communities` in [since, until), decisions closing by `horizon`:
    one query per kind of news, whatever the number of communities."""
    ids = list(communities)
    news: dict[int, News] = defaultdict(News)
    if not ids:
        return news
    window = {"gte": since, "lt": until}
    active = (
        Thread.objects.filter(
            community_id__in=ids,
            last_activity_at__gte=since,
            review_state=ReviewState.PUBLISHED,
        )
        .annotate(
            new_posts=Count(
                "posts",
                filter=Q(
                    posts__created_at__gte=window["gte"],
                    posts__created_at__lt=window["lt"],
                    posts__deleted_at__isnull=True,
                    posts__review_state=ReviewState.PUBLISHED,
                ),
            )
        )
        .filter(new_posts__gt=0)
        .order_by("-new_posts", "-last_activity_at", "-id")
        .values_list("community_id", "pk", "title", "new_posts")
    )
    for community_id, *row in active:
        news[community_id].threads.append(tuple(row))
    ideas = (
        Idea.objects.filter(
            community_id__in=ids,
            created_at__gte=since,
            created_at__lt=until,
            merged_into__isnull=True,
            thread__review_state=ReviewState.PUBLISHED,
        )
        .order_by("-vote_count", "-created_at", "-id")
        .values_list("community_id", "thread_id", "thread__title", "vote_count")
    )
    for community_id, *row in ideas:
        news[community_id].ideas.append(tuple(row))
    changes = (
        IdeaStatusChange.objects.filter(
            idea__community_id__in=ids, changed_at__gte=since, changed_at__lt=until
        )
        .order_by("-changed_at", "-id")
        .values_list("idea__community_id", "idea__thread_id", "idea__thread__title", "to_status")
    )
    for community_id, *row in changes:
        news[community_id].changes.append(tuple(row))
    decisions = (
        Decision.objects.filter(
            thread__community_id__in=ids,
            closed_at__isnull=True,
            closes_at__gt=until,
            closes_at__lte=horizon,
        )
        .order_by("closes_at", "id")
        .values_list("thread__community_id", "thread_id", "thread__title", "closes_at")
    )
    for community_id, *row in decisions:
        news[community_id].decisions.append(tuple(row))
    return news


def _value_at(moment: datetime.datetime) -> Subquery:
    """A goal's value as recorded before `moment` (the latest measurement by date)."""
    return Subquery(
        Measurement.objects.filter(goal=OuterRef("pk"), created_at__lt=moment)
        .order_by("-measured_on", "-id")
        .values("value")[:1]
    )


def _progress(goal: Goal, value) -> int:
    span = goal.target - goal.baseline
    return max(0, min(100, round(float((value - goal.baseline) / span * 100))))


def _goal_progress(
    purpose_ids: set[int], since: datetime.datetime, until: datetime.datetime
) -> dict[int, list[Item]]:
    """Goals measured in [since, until), by purpose, with their progress then and now."""
    if not purpose_ids:
        return {}
    measured = Measurement.objects.filter(
        goal=OuterRef("pk"), created_at__gte=since, created_at__lt=until
    )
    goals = (
        Goal.objects.filter(purpose_id__in=purpose_ids)
        .filter(Exists(measured))
        .annotate(value_before=_value_at(since), value_after=_value_at(until))
        .select_related("purpose")
        .order_by("purpose_id", "position", "id")
    )
    found: dict[int, list[Item]] = defaultdict(list)
    for goal in goals:
        before = _progress(
            goal, goal.value_before if goal.value_before is not None else goal.baseline
        )
        after = _progress(goal, goal.value_after if goal.value_after is not None else goal.value)
        url = _absolute(reverse("purpose_detail", kwargs={"slug": goal.purpose.slug}))
        found[goal.purpose_id].append(
            Item(
                text=goal.metric,
                url=f"{url}#goal-{goal.pk}",
                detail=_("%(before)d%% → %(after)d%%") % {"before": before, "after": after},
            )
        )
    return found


def _capped(heading: str, items: list[Item]) -> Section | None:
    if not items:
        return None
    return Section(heading, items[:SECTION_LIMIT], max(0, len(items) - SECTION_LIMIT))


def _settings_of(people: list[User]) -> dict[int, NotificationSettings]:
    found = NotificationSettings.objects.in_bulk([person.pk for person in people])
    return {person.pk: found.get(person.pk) or DEFAULTS for person in people}


def _previous_due(user_ids: list[int], until: datetime.datetime) -> dict[int, datetime.datetime]:
    rows = (
        DigestRecord.objects.filter(user_id__in=user_ids, due_at__lt=until)
        .order_by("user_id", "-due_at")
        .values_list("user_id", "due_at")
    )
    found: dict[int, datetime.datetime] = {}
    for user_id, due_at in rows:
        found.setdefault(user_id, due_at)
    return found


def build_digests(
    *, people: list[User], until: datetime.datetime, cadences: dict[int, str] | None = None
) -> list[Digest]:
    """The digest of each of `people`, covering from their previous digest (or one period)
    to `until`. Reads only; `cadences` overrides each person's cadence (the job passes
    the one it claimed the period for). A constant number of queries per batch."""
    if not people:
        return []
    ids = [person.pk for person in people]
    choices = _settings_of(people)
    cadence_of = {pk: (cadences or {}).get(pk) or choices[pk].digest_cadence for pk in ids}
    previous = _previous_due(ids, until)
    since_of = {pk: previous.get(pk, until - period_length(cadence_of[pk])) for pk in ids}
    since_of = {pk: min(since, until) for pk, since in since_of.items()}

    # The communities each person belongs to and may read now (the access rule, in bulk),
    # and whether they may see each community's purpose.
    memberships: dict[int, list[int]] = defaultdict(list)
    purpose_seen: set[tuple[int, int]] = set()
    for user_id, community_id, purpose_id, sees_purpose in (
        Membership.objects.filter(user_id__in=ids)
        .filter(community_permissions.reads_community_q(person="user", community="community"))
        .annotate(
            sees_purpose=Case(
                When(
                    purpose_permissions.sees_purpose_q(person="user", purpose="community__purpose"),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("community_id")
        .values_list("user_id", "community_id", "community__purpose_id", "sees_purpose")
    ):
        memberships[user_id].append(community_id)
        if sees_purpose:
            purpose_seen.add((user_id, purpose_id))
    # Purposes each person follows and may still see.
    followed: dict[int, list[int]] = defaultdict(list)
    for user_id, purpose_id in (
        PurposeFollow.objects.filter(user_id__in=ids)
        .filter(purpose_permissions.sees_purpose_q(person="user", purpose="purpose"))
        .order_by("purpose__title", "purpose_id")
        .values_list("user_id", "purpose_id")
    ):
        followed[user_id].append(purpose_id)
        purpose_seen.add((user_id, purpose_id))
    # Waiting notifications, each marked with the one rule of what its recipient may
    # still see (`selectors.still_visible`), in the same query.
    waiting = list(
        Notification.objects.filter(recipient_id__in=ids, email_state=EmailState.DIGEST)
        .annotate(
            visible=Case(
                When(selectors.still_visible(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related("community", "thread", "event", "event__actor", "event__post")
        .order_by("-created_at", "-id")
    )
    community_ids = {pk for found in memberships.values() for pk in found}
    community_ids |= {item.community_id for item in waiting if item.visible and item.community_id}
    communities = Community.objects.select_related("purpose").in_bulk(community_ids)
    purposes = Purpose.objects.in_bulk({pk for found in followed.values() for pk in found})
    muted_communities = selectors.muted_community_ids_of(user_ids=ids)
    muted_threads = selectors.muted_thread_ids_of(user_ids=ids)
    extra = selectors._extra_for(waiting) if waiting else {}

    # News per window: people due in the same hour mostly share one.
    covered: dict[int, list[int]] = {}
    windows: dict[datetime.datetime, set[int]] = defaultdict(set)
    purposes_of_window: dict[datetime.datetime, set[int]] = defaultdict(set)
    for pk in ids:
        covered[pk] = [
            cid for cid in memberships.get(pk, []) if cid not in muted_communities.get(pk, set())
        ]
        windows[since_of[pk]].update(covered[pk])
        purposes_of_window[since_of[pk]].update(
            {communities[cid].purpose_id for cid in covered[pk]} | set(followed.get(pk, []))
        )
    horizon = until + max(period_length(cadence_of[pk]) for pk in ids)
    news_of: dict[datetime.datetime, dict[int, News]] = {}
    goals_of: dict[datetime.datetime, dict[int, list[Item]]] = {}
    for since, cids in windows.items():
        chosen = {cid: communities[cid] for cid in cids}
        news_of[since] = _news(chosen, since, until, horizon)
        goals_of[since] = _goal_progress(purposes_of_window[since], since, until)

    waiting_of: dict[int, list[Notification]] = defaultdict(list)
    for item in waiting:
        waiting_of[item.recipient_id].append(item)
    urls: dict[int, str] = {}
    # Sections of a community's news, built once for everyone who hides none of it.
    shared: dict[tuple, list[Section]] = {}
    urls_of_communities: dict[int, str] = {}

    def thread_url(thread_id: int, community: Community) -> str:
        if thread_id not in urls:
            urls[thread_id] = _thread_url(thread_id, community.slug)
        return urls[thread_id]

    def goal_sections(since, purpose: Purpose, goals: dict, language: str) -> list[Section]:
        """The purpose's goal progress, built once for everyone sharing the window."""
        key = (since, "purpose", purpose.pk, language)
        if key not in shared:
            heading = _("Goal progress: %(purpose)s") % {"purpose": purpose.title}
            shared[key] = [_capped(heading, goals[purpose.pk])]
        return shared[key]

    digests = []
    for person in people:
        language = language_of(person)
        # In the person's language: shared sections are kept per language too.
        with translation.override(language):
            pk = person.pk
            digest = Digest(person, cadence_of[pk], since_of[pk], until)
            muted = muted_threads.get(pk, set())
            for_you: dict[int | None, list[Item]] = defaultdict(list)
            told_threads: set[int] = set()
            for item in waiting_of.get(pk, []):
                if not item.visible:
                    digest.dropped_ids.append(item.pk)
                    continue
                digest.notification_ids.append(item.pk)
                described = selectors.describe(item, extra)
                for_you[item.community_id].append(
                    Item(described.headline, _absolute(described.url), described.excerpt)
                )
                if item.thread_id:
                    told_threads.add(item.thread_id)
            if None in for_you:
                section = _capped(_("For you"), for_you.pop(None))
                digest.groups.append(Group(_("For you"), "", [section]))
            news = news_of.get(digest.since, {})
            goals = goals_of.get(digest.since, {})
            closing_by = until + period_length(digest.cadence)
            purposes_told: set[int] = set()
            groups = []
            shown = list(covered[pk]) + [
                cid for cid in for_you if cid not in covered[pk] and cid in communities
            ]
            for cid in shown:
                community = communities[cid]
                found = news.get(cid) or News()
                hidden = muted | told_threads
                key = (digest.since, cid, closing_by, language)
                if hidden.isdisjoint(found.thread_ids):
                    if key not in shared:
                        shared[key] = _news_sections(
                            found, set(), closing_by, community, thread_url
                        )
                    sections = list(shared[key])
                else:
                    sections = _news_sections(found, hidden, closing_by, community, thread_url)
                if for_you.get(cid):
                    sections.insert(0, _capped(_("For you"), for_you[cid]))
                purpose_id = community.purpose_id
                if (
                    purpose_id not in purposes_told
                    and goals.get(purpose_id)
                    and (pk, purpose_id) in purpose_seen
                ):
                    purposes_told.add(purpose_id)
                    sections.extend(goal_sections(digest.since, community.purpose, goals, language))
                if sections:
                    if cid not in urls_of_communities:
                        urls_of_communities[cid] = _absolute(
                            reverse("community_detail", kwargs={"slug": community.slug})
                        )
                    groups.append(Group(community.name, urls_of_communities[cid], sections))
            # Followed purposes not told of with one of the person's communities: a group
            # of their own, leading to the purpose's page.
            for purpose_id in followed.get(pk, []):
                if purpose_id in purposes_told or not goals.get(purpose_id):
                    continue
                purposes_told.add(purpose_id)
                purpose = purposes[purpose_id]
                groups.append(
                    Group(
                        purpose.title,
                        _absolute(purpose.get_absolute_url()),
                        goal_sections(digest.since, purpose, goals, language),
                    )
                )
            groups.sort(key=lambda group: -group.size)
            digest.groups.extend(groups)
            digests.append(digest)
    return digests


def _news_sections(
    found: News, hidden: set[int], closing_by: datetime.datetime, community: Community, thread_url
) -> list[Section]:
    """The ranked, capped sections of one community's news, leaving out `hidden` threads.
    Only the shown rows are described (the rest are counted)."""
    ideas = [row for row in found.ideas if row[0] not in hidden]
    # Decisions come by closing time: those closing before the next digest lead.
    closing = [row for row in found.decisions if row[2] <= closing_by and row[0] not in hidden]
    # A new idea or a decision to vote on is told once, in its own section.
    told_elsewhere = hidden | {row[0] for row in ideas} | {row[0] for row in closing}
    active = _without(found.threads, told_elsewhere)
    changes = _without(found.changes, hidden)
    sections = [
        _section(
            _("Most active threads"),
            active,
            lambda row: Item(
                row[1],
                thread_url(row[0], community),
                ngettext("%(count)d new post", "%(count)d new posts", row[2]) % {"count": row[2]},
            ),
        ),
        _section(
            _("New ideas"),
            ideas,
            lambda row: Item(
                row[1],
                thread_url(row[0], community),
                ngettext("%(count)d vote", "%(count)d votes", row[2]) % {"count": row[2]},
            ),
        ),
        _section(
            _("Ideas with a new status"),
            changes,
            lambda row: Item(
                row[1],
                thread_url(row[0], community) + "#official-response-heading",
                _("now %(status)s") % {"status": IdeaStatus(row[2]).label},
            ),
        ),
        _section(
            _("Decisions closing soon: have your say"),
            closing,
            lambda row: Item(row[1], thread_url(row[0], community) + "#decision", closes_at=row[2]),
        ),
    ]
    return [section for section in sections if section is not None]


def _without(rows: list[tuple], hidden: set[int]) -> list[tuple] | tuple[list[tuple], int]:
    """`rows` less those of `hidden` threads, as the first shown rows and how many are
    left in all: only as many rows are looked at as a section shows."""
    if not hidden:
        return rows
    shown = []
    for row in rows:
        if row[0] not in hidden:
            shown.append(row)
            if len(shown) > SECTION_LIMIT:
                break
    return shown, sum(1 for row in rows if row[0] not in hidden)


def _section(heading: str, rows, describe) -> Section | None:
    """`rows` is a list, or (the first rows, how many in all) from `_without`."""
    rows, total = rows if isinstance(rows, tuple) else (rows, len(rows))
    if not total:
        return None
    shown = [describe(row) for row in rows[:SECTION_LIMIT]]
    return Section(heading, shown, max(0, total - SECTION_LIMIT))


def preview_digest(*, user: User, now: datetime.datetime | None = None) -> Digest:
    """What `user`'s next digest would hold if it were built now."""
    now = now or timezone.now()
    return build_digests(people=[user], until=now)[0]


# -- the email ------------------------------------------------------------------------------


def digest_subject(digest: Digest) -> str:
    """What and where: "Your daily digest: 12 updates in Fleet and 2 other communities"."""
    names = [group.name for group in digest.groups if group.url]
    others = max(0, len(names) - 1)
    key = (translation.get_language(), digest.cadence, digest.item_count, bool(names), others)
    if key not in _SUBJECTS:
        _SUBJECTS[key] = _subject_pattern(digest.cadence, digest.item_count, bool(names), others)
    return _SUBJECTS[key] % {"first": names[0] if names else ""}


# Subject patterns by language, cadence and counts: the same few for thousands of people.
_SUBJECTS: dict[tuple, str] = {}


def _subject_pattern(cadence: str, count: int, somewhere: bool, others: int) -> str:
    """The subject with "%(first)s" left for the first community's name."""
    if cadence == DigestCadence.DAILY:
        what = ngettext(
            "Your daily digest: %(count)d update", "Your daily digest: %(count)d updates", count
        ) % {"count": count}
    else:
        what = ngettext(
            "Your weekly digest: %(count)d update", "Your weekly digest: %(count)d updates", count
        ) % {"count": count}
    what = what.replace("%", "%%")
    if not somewhere:
        return what
    if not others:
        where = "%(first)s"
    else:
        where = ngettext(
            "%(first)s and %(count)d other community",
            "%(first)s and %(count)d other communities",
            others,
        ) % {"first": "%(first)s", "count": others}
    return _("%(what)s in %(where)s") % {"what": what, "where": where}


# Texts every digest email of a language shares, translated once per process.
_LABELS: dict[str, dict[str, str]] = {}
_URLS: dict[str, str] = {}


def _labels(language: str) -> dict[str, str]:
    """Call with `language` active."""
    if language not in _LABELS:
        _LABELS[language] = {
            "span": _("From %(since)s to %(until)s"),
            "closes": _("closes %(when)s"),
            "browser": _("See it in your browser"),
            "why": _(
                "You receive this digest because it is switched on in your notification settings."
            ),
            "stop": _("Stop digests"),
            "stop_colon": _("Stop digests:"),
            "settings": _("All notification settings"),
            "settings_colon": _("All notification settings:"),
        }
    return _LABELS[language]


def _url(name: str) -> str:
    if name not in _URLS:
        _URLS[name] = _absolute(reverse(name))
    return _URLS[name]


def _group_fragments(
    group: Group, fragments: dict, zone: ZoneInfo, language: str
) -> tuple[str, str]:
    """The group rendered as HTML and text. A group made only of sections shared by
    several people (their community's news, nobody's own) is rendered once per time zone
    and language, into `fragments`, which lives as long as the batch holding them."""
    key = (group.name, tuple(id(section) for section in group.sections), zone.key, language)
    if key not in fragments:
        context = {"group": group, "labels": _labels(language)}
        fragments[key] = (
            render_to_string("notifications/digest/_group.html", context),
            render_to_string("notifications/digest/_group.txt", context),
        )
    return fragments[key]


def build_digest_email(digest: Digest, fragments: dict | None = None) -> EmailMultiAlternatives:
    """The digest's email. `fragments`, shared by the emails of one batch of digests,
    keeps the groups they have in common rendered once."""
    person = digest.person
    token = unsubscribe_token(user_id=person.pk, kind=DIGEST)
    unsubscribe_url = _unsubscribe_url(token)
    language = language_of(person)
    zone = zone_of(person)
    fragments = {} if fragments is None else fragments
    with translation.override(language), timezone.override(zone):
        rendered = [_group_fragments(group, fragments, zone, language) for group in digest.groups]
        context = {
            "groups_html": [html for html, _text in rendered],
            "groups_text": [text for _html, text in rendered],
            "digest": digest,
            "person": person,
            "subject": digest_subject(digest),
            "labels": _labels(language),
            "preview_url": _url("digest_preview"),
            "settings_url": _url("notification_settings"),
            "unsubscribe_url": unsubscribe_url,
            "site_name": settings.SITE_NAME,
        }
        body = render_to_string("notifications/digest/email.txt", context)
        html = render_to_string("notifications/digest/email.html", context)
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=body,
        to=[person.email],
        headers={
            "X-Commons-Kind": DIGEST,
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


# -- sending --------------------------------------------------------------------------------


def _with_cadence():
    return User.objects.filter(is_active=True).annotate(
        cadence=Coalesce("notification_settings__digest_cadence", Value(DEFAULTS.digest_cadence)),
        hour=Coalesce("notification_settings__digest_hour", Value(DEFAULTS.digest_hour)),
        weekday=Coalesce("notification_settings__digest_weekday", Value(DEFAULTS.digest_weekday)),
    )


def send_digests(*, user_ids: list[int], due_at: datetime.datetime) -> int:
    """Build and send the digests of `user_ids` due at `due_at`; returns how many emails.

    Each person's period is claimed by inserting its record: people whose period is
    already recorded (by this job before a retry, another job, another worker) are left
    alone. The records, the notifications marked as emailed and the queued emails commit
    together, or not at all.
    """
    claim = uuid.uuid4().hex
    people = {
        person.pk: person
        for person in _with_cadence()
        .filter(pk__in=user_ids)
        .exclude(cadence=DigestCadence.OFF)
        .exclude(email="")
    }
    with transaction.atomic():
        DigestRecord.objects.bulk_create(
            [
                DigestRecord(
                    user_id=pk,
                    period=period_key(person.cadence, due_at, zone_of(person)),
                    cadence=person.cadence,
                    due_at=due_at,
                    claim=claim,
                )
                for pk, person in people.items()
            ],
            ignore_conflicts=True,
        )
        ours = dict(DigestRecord.objects.filter(claim=claim).values_list("user_id", "pk"))
        claimed = [person for pk, person in people.items() if pk in ours]
        digests = build_digests(
            people=claimed,
            until=due_at,
            cadences={person.pk: person.cadence for person in claimed},
        )
        sent = [digest for digest in digests if not digest.is_empty]
        now = timezone.now()
        DigestRecord.objects.bulk_update(
            [
                DigestRecord(
                    pk=ours[digest.person.pk], state=DigestState.SENT, item_count=digest.item_count
                )
                for digest in sent
            ],
            ["state", "item_count"],
            batch_size=500,
        )
        told = [pk for digest in sent for pk in digest.notification_ids]
        if told:
            Notification.objects.filter(pk__in=told, email_state=EmailState.DIGEST).update(
                email_state=EmailState.SENT, emailed_at=now
            )
        dropped = [pk for digest in digests for pk in digest.dropped_ids]
        if dropped:
            Notification.objects.filter(pk__in=dropped, email_state=EmailState.DIGEST).update(
                email_state=EmailState.SKIPPED
            )
        if sent:
            fragments: dict = {}
            get_connection().send_messages(
                [build_digest_email(digest, fragments) for digest in sent]
            )
    return len(sent)


def due_people(*, due_at: datetime.datetime) -> list[int]:
    """People whose digest is due at the hour `due_at` in their own time zone (daily, or
    weekly on their weekday), with something a digest could cover, not yet recorded for
    that hour. One query for the time zones in use, one for the people."""
    buckets: dict[tuple[int, int], list[str]] = defaultdict(list)
    zones = User.objects.filter(is_active=True).values_list("timezone", flat=True).distinct()
    for name in zones.order_by():
        local = due_at.astimezone(zone_of(User(timezone=name)))
        buckets[(local.hour, local.weekday())].append(name)
    if not buckets:
        return []
    due = Q(pk__in=[])
    for (hour, weekday), names in buckets.items():
        due |= Q(timezone__in=names, hour=hour) & (
            Q(cadence=DigestCadence.DAILY) | Q(cadence=DigestCadence.WEEKLY, weekday=weekday)
        )
    something = (
        Exists(Membership.objects.filter(user=OuterRef("pk")))
        | Exists(PurposeFollow.objects.filter(user=OuterRef("pk")))
        | Exists(
            Notification.objects.filter(recipient=OuterRef("pk"), email_state=EmailState.DIGEST)
        )
    )
    recorded = DigestRecord.objects.filter(user=OuterRef("pk"), due_at=due_at)
    return list(
        _with_cadence()
        .filter(due, something)
        .exclude(email="")
        .exclude(Exists(recorded))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def enqueue_due_digests(*, now: datetime.datetime | None = None) -> int:
    """Run by beat every hour: one `send_digests` job per chunk of people due this hour
    (and those of the last hours a lost beat or job left without one). Returns how many
    people were enqueued."""
    from notifications import tasks

    hour = top_of_hour(now or timezone.now())
    count = 0
    for back in range(CATCH_UP_HOURS):
        due_at = hour - datetime.timedelta(hours=back)
        for chunk in _batched(due_people(due_at=due_at), CHUNK):
            enqueue_after_commit(tasks.send_digests, chunk, due_at.isoformat())
            count += len(chunk)
    return count
