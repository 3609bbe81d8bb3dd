"""Reads about communities, always through the access rule in `permissions`."""

import datetime
from dataclasses import dataclass
from functools import partial

from django.db.models import CharField, Exists, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import PositionedReader, reader_position
from communities import permissions
from communities.models import (
    Category,
    Community,
    Invitation,
    JoinRequest,
    JoinRequestStatus,
    Membership,
)
from core import params
from core.compiled_reads import models_of, rows_of
from core.expressions import column, json_rows, load_json_rows, row_value, table
from core.pagination import Page, after_q, cursor_values, keyset_page, page_of
from purposes.models import Purpose
from purposes.permissions import purposes_visible_to
from purposes.selectors import purpose_shown_to

DIRECTORY_PAGE_SIZE = 20
MEMBERS_PAGE_SIZE = 30
MAX_CATEGORIES = 200
# The directory's purpose filter offers at most this many purposes, by title.
MAX_PURPOSE_CHOICES = 200


def _directory_page(
    position: tuple, after_cursor: bool, limit: int, *values
) -> QuerySet[Community]:
    """`community_directory`'s read of the whole directory for a reader in `position`:
    `values` are a signed-in reader's id and the moment their bans are judged at, then,
    past the first page, the cursor's name and id."""
    viewer = values[:2] if position[0] else ()
    communities = permissions.communities_listed_for(PositionedReader(position, *viewer[:1]))
    communities = communities.select_related("purpose")
    if viewer:
        communities = permissions.with_viewer_flags_of(communities, *viewer)
    communities = communities.order_by("name", "pk")
    if after_cursor:
        communities = communities.filter(after_q("name", *values[-2:]))
    return communities[:limit]


def community_directory(
    *,
    user: User,
    purpose_slug: str = "",
    open_to_me: bool = False,
    query: str = "",
    after: str | None = None,
    page_size: int = DIRECTORY_PAGE_SIZE,
) -> Page:
    """Communities listed for `user`, by name, a page at a time (keyset on name and id)."""
    if not (purpose_slug or query or open_to_me):
        # The whole directory, first page or any other: compiled once per reader's
        # position and kind of page (`core.compiled_reads`).
        position = reader_position(user)
        cursor = cursor_values(Community, "name", after)
        values = (user.pk, timezone.now()) if user.is_authenticated else ()
        limit = page_size + 1
        items = models_of(
            ("directory", position, cursor is not None, limit),
            partial(_directory_page, position, cursor is not None, limit),
            values + (cursor or ()),
        )
        page = page_of(items, field="name", page_size=page_size)
        _mark_memberships(page.items, user)
        return page
    communities = permissions.with_viewer_flags(
        permissions.communities_listed_for(user).select_related("purpose"), user
    )
    if purpose_slug:
        communities = communities.filter(purpose__slug=purpose_slug)
    if query:
        communities = communities.filter(name__icontains=query.strip())
    if open_to_me:
        communities = communities.filter(
            pk__in=permissions.communities_joinable_by(user).values("pk")
        )
    page = keyset_page(communities, field="name", after=after, page_size=page_size)
    _mark_memberships(page.items, user)
    return page


@dataclass
class DirectoryPurposes:
    choices: list[tuple[str, str]]
    """(slug, title) of the purposes the directory's filter offers, by title."""
    can_create: bool
    """Whether the viewer may create a community under some purpose."""


def _directory_purposes(position: tuple, limit: int, *viewer) -> QuerySet:
    """`directory_purposes`' read for a reader in `position`; `viewer` is the id of a
    signed-in reader who is not an administrator."""
    reader = PositionedReader(position, *viewer)
    purposes = purposes_visible_to(reader).order_by("title", "id")
    if not reader.is_authenticated:
        return purposes.values_list("slug", "title")[:limit]
    may_create = Exists(permissions.purposes_for_new_community(reader).order_by())
    return purposes.annotate(may_create=may_create).values_list("slug", "title", "may_create")[
        :limit
    ]


def directory_purposes(*, user: User) -> DirectoryPurposes:
    """The directory's purpose filter and whether `user` may create a community, in one
    query: the purposes are read as plain columns, and whether any purpose takes a new
    community from `user` comes along as a subquery PostgreSQL runs once. Compiled once
    per reader's position (`core.compiled_reads`)."""
    position = reader_position(user)
    signed_in, administrator, _member_type = position
    # Administrators see every purpose and may create under any: no id of theirs is read.
    viewer = (user.pk,) if signed_in and not administrator else ()
    rows = rows_of(
        ("directory-purposes", position, MAX_PURPOSE_CHOICES),
        partial(_directory_purposes, position, MAX_PURPOSE_CHOICES),
        viewer,
    )
    return DirectoryPurposes(
        choices=[(row[0], row[1]) for row in rows],
        can_create=bool(rows) and len(rows[0]) > 2 and rows[0][2],
    )


def _joinable_communities(position: tuple, limit: int, *viewer) -> QuerySet[Community]:
    """`suggested_communities`' read for a reader in `position`; `viewer` is a signed-in
    reader's id and the moment their bans are judged at."""
    reader = PositionedReader(position, *viewer[:1])
    return (
        permissions.communities_joinable_by(reader, *viewer[1:])
        .order_by("name", "id")
        .only("name", "slug")[:limit]
    )


def suggested_communities(*, user: User, limit: int = 4) -> list[Community]:
    """Communities `user` could join or ask to join now, by name: the first of the
    directory's "open to me" list, with only their names and addresses."""
    position = reader_position(user)
    return models_of(
        ("suggested-communities", position, limit),
        partial(_joinable_communities, position, limit),
        (user.pk, timezone.now()) if user.is_authenticated else (),
    )


def _mark_memberships(communities: list[Community], user: User) -> None:
    """`viewer_is_member` on each community, for cards: suspended memberships do not count."""
    for community in communities:
        community.viewer_is_member = permissions.is_member(user, community)


def _community_at(
    with_purpose: bool, with_categories: bool, with_membership: bool, signed_in: bool, slug, *viewer
) -> QuerySet[Community]:
    """`get_community_for`'s read; `viewer` is the signed-in reader's id and the moment
    their bans and silences are judged at (nothing for a visitor)."""
    communities = Community.objects.select_related("purpose") if with_purpose else Community.objects
    communities = communities.all()
    if signed_in:
        communities = permissions.with_viewer_flags_of(communities, *viewer)
    if with_categories:
        cells = [column(Category, name, "c") for name in ("pk", "name", "position")]
        rows = f"FROM {table(Category, 'c')} WHERE {column(Category, 'community', 'c')} = "
        communities = communities.annotate(
            category_rows=json_rows(cells, rows + column(Community, "pk"))
        )
    if with_membership and signed_in:
        member = f"FROM {table(Membership, 'm')} WHERE {column(Membership, 'community', 'm')} = "
        member += f"{column(Community, 'pk')} AND {column(Membership, 'user', 'm')} = %s"
        communities = communities.annotate(
            viewer_notification_level=row_value(
                column(Membership, "notification_level", "m"), member, (viewer[0],), CharField()
            )
        )
    return communities.filter(slug=slug).order_by()[:1]


def get_community_for(
    *,
    user: User,
    slug: str,
    with_categories: bool = False,
    with_purpose: bool = True,
    with_membership: bool = False,
) -> Community:
    """The community at `slug` if `user` may see it; otherwise 404, as if it did not exist.

    With `with_categories`, its categories come in the same query (`category_rows`, read
    by `community_categories`). Without `with_purpose`, its purpose is not joined: for
    the busiest pages, which never show it (reading `community.purpose` would then cost
    a query). With `with_membership`, what `membership_shown` tells of the viewer's
    membership comes in the same query too.
    """
    signed_in = user.is_authenticated
    values = (slug, user.pk, timezone.now()) if signed_in else (slug,)
    # Every community page starts here: its SQL is compiled once per kind of page and
    # reader (signed in or not), and run again with the slug and the reader's values.
    shape = ("community-at", with_purpose, with_categories, with_membership, signed_in)
    found = models_of(
        shape,
        partial(_community_at, with_purpose, with_categories, with_membership, signed_in),
        values,
    )
    community = found[0] if found else None
    if community is None or not permissions.can_see(user, community):
        raise Http404
    return community


@dataclass(frozen=True)
class MembershipShown:
    """What a community's page shows of the viewer's membership."""

    role: str
    notification_level: str


def membership_shown(*, user: User, community: Community) -> MembershipShown | None:
    """The viewer's membership of `community` as its page shows it (suspended ones too), or
    None: read from the community when `get_community_for(..., with_membership=True)`
    loaded it, else one query."""
    if not user.is_authenticated:
        return None
    level = community.__dict__.get("viewer_notification_level", _NOT_LOADED)
    if level is _NOT_LOADED:
        row = (
            Membership.objects.filter(community=community, user=user)
            .values_list("role", "notification_level")
            .first()
        )
        return MembershipShown(*row) if row else None
    role = permissions.membership_role(user, community)
    if role is None or level is None:
        return None
    return MembershipShown(role, level)


_NOT_LOADED = object()


def get_readable_community(*, user: User, slug: str, **options) -> Community:
    """The community at `slug` when `user` may read its content; otherwise 404, as if it
    did not exist. `options` are those of `get_community_for`."""
    community = get_community_for(user=user, slug=slug, **options)
    permissions.require_read_content(user, community)
    return community


def community_categories(community: Community) -> list[Category]:
    """The community's categories in their order: from the `category_rows` that
    `get_community_for(..., with_categories=True)` read along with it, else one query."""
    rows = community.__dict__.get("category_rows")
    if rows is None:
        return list(community.categories.order_by("position", "name")[:MAX_CATEGORIES])
    categories = [
        Category(pk=pk, community=community, name=name, position=position)
        for pk, name, position in load_json_rows(rows)
    ]
    categories.sort(key=lambda category: (category.position, category.name))
    return categories[:MAX_CATEGORIES]


def _purpose_communities(
    position: tuple, limit: int, purpose_id: int, *viewer
) -> QuerySet[Community]:
    """`communities_of_purpose`'s read for a reader in `position`; `viewer` is a
    signed-in reader's id and the moment their bans are judged at."""
    reader = PositionedReader(position, *viewer[:1])
    communities = permissions.communities_listed_for(reader).filter(purpose_id=purpose_id)
    if viewer:
        communities = permissions.with_viewer_flags_of(communities, *viewer)
    return communities.order_by("name", "id")[:limit]


def communities_of_purpose(*, user: User, purpose: Purpose, limit: int = 50) -> list[Community]:
    position = reader_position(user)
    values = (purpose.pk, user.pk, timezone.now()) if user.is_authenticated else (purpose.pk,)
    communities = models_of(
        ("purpose-communities", position, limit),
        partial(_purpose_communities, position, limit),
        values,
    )
    _mark_memberships(communities, user)
    return communities


def member_page(
    *,
    community: Community,
    query: str = "",
    role: str = "",
    after: str | None = None,
    page_size: int = MEMBERS_PAGE_SIZE,
    viewer: User | None = None,
) -> Page:
    """Members in the order they joined, a page at a time (keyset on joined_at and id).

    The caller has checked `permissions.can_read_content`. Each membership carries, for
    `viewer`, `can_remove` and (for the community's moderators only) `suspension_reason`:
    why the membership is suspended, or None.
    """
    memberships: QuerySet[Membership] = Membership.objects.filter(
        community=community
    ).select_related("user", "user__organisation")
    if role:
        memberships = memberships.filter(role=role)
    if query:
        memberships = memberships.filter(user__display_name__icontains=query.strip())
    page = keyset_page(memberships, field="joined_at", after=after, page_size=page_size)
    moderating = viewer is not None and permissions.can_moderate(viewer, community)
    for membership in page.items:
        membership.community = community
        membership.can_remove = moderating and permissions.can_remove_member(viewer, membership)
        membership.suspension_reason = (
            permissions.suspension_reason(membership.user, community) if moderating else None
        )
    return page


def get_membership(*, community: Community, membership_id: int) -> Membership:
    membership = (
        Membership.objects.filter(community=community, pk=membership_id)
        .select_related("user", "community")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def get_membership_of_person(*, community: Community, user_id: int) -> Membership:
    """The membership `user_id` holds in `community`, or 404 when they hold none."""
    if params.positive_int(user_id) is None:
        raise Http404
    membership = (
        Membership.objects.filter(community=community, user_id=user_id)
        .select_related("user", "community")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@dataclass
class MemberCommunities:
    """The communities a person belongs to now (suspended memberships left out)."""

    community_ids: list[int]
    """Every one of them, most recently joined first."""
    purpose_statuses: dict[int, str]
    """Their purposes, as {id: status}."""
    memberships: list[Membership]
    """The first `shown` of them, as a list shows them: the role, the community's name
    and address, and `shown_purpose` (its purpose when the person may see it; a draft is
    its owners' and administrators' only, else None)."""


def _membership_rows(position: tuple, *viewer) -> QuerySet:
    """`member_communities`' read for a reader in `position`; `viewer` is a signed-in
    reader's id."""
    purpose = "community__purpose__"
    return (
        permissions.current_memberships(PositionedReader(position, *viewer))
        .order_by("-joined_at", "-id")
        .values_list(
            "pk",
            "role",
            "community_id",
            "community__name",
            "community__slug",
            "community__purpose_id",
            f"{purpose}title",
            f"{purpose}slug",
            f"{purpose}status",
        )
    )


def member_communities(*, user: User, shown: int = 12) -> MemberCommunities:
    """The person's `MemberCommunities`, in one query: every membership as plain columns
    (a person may belong to many communities), only the first `shown` made into
    memberships for a list."""
    position = reader_position(user)
    rows = rows_of(
        ("member-communities", position),
        partial(_membership_rows, position),
        (user.pk,) if user.is_authenticated else (),
    )
    communities = MemberCommunities(community_ids=[], purpose_statuses={}, memberships=[])
    for pk, role, community_id, name, slug, purpose_id, title, purpose_slug, status in rows:
        communities.community_ids.append(community_id)
        if purpose_id is not None:
            communities.purpose_statuses[purpose_id] = status
        if len(communities.memberships) < shown:
            purpose_row = (
                Purpose(pk=purpose_id, title=title, slug=purpose_slug, status=status)
                if purpose_id is not None
                else None
            )
            community = Community(pk=community_id, name=name, slug=slug, purpose=purpose_row)
            membership = Membership(pk=pk, role=role, community=community)
            membership.shown_purpose = purpose_shown_to(user=user, purpose=purpose_row)
            communities.memberships.append(membership)
    return communities


def membership_page(
    *, user: User, after: str | None = None, page_size: int = DIRECTORY_PAGE_SIZE
) -> Page:
    """The person's communities as memberships, most recently joined first, a page at a
    time (keyset on joined_at and id); suspended ones left out, as in `member_communities`.
    Each carries its community (with `shown_purpose`, as `member_communities` gives it)."""
    memberships = permissions.current_memberships(user).select_related(
        "community", "community__purpose"
    )
    page = keyset_page(
        memberships, field="joined_at", after=after, page_size=page_size, descending=True
    )
    for membership in page.items:
        membership.shown_purpose = purpose_shown_to(user=user, purpose=membership.community.purpose)
    return page


def viewer_membership(*, user: User, community: Community) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, user=user).first()


def pending_join_requests(*, community: Community) -> list[JoinRequest]:
    return list(
        community.join_requests.filter(status=JoinRequestStatus.PENDING)
        .select_related("user", "user__organisation")
        .order_by("created_at", "id")[:200]
    )


def get_pending_join_request(*, community: Community, request_id: int) -> JoinRequest:
    join_request = (
        community.join_requests.filter(pk=request_id).select_related("user", "community").first()
    )
    if join_request is None:
        raise Http404
    return join_request


def join_request_page(
    *, community: Community, after: str | None = None, page_size: int = MEMBERS_PAGE_SIZE
) -> Page:
    """The pending requests to join, oldest first, a page at a time. The caller has
    checked `permissions.can_moderate`."""
    requests = community.join_requests.filter(status=JoinRequestStatus.PENDING).select_related(
        "user", "user__organisation"
    )
    return keyset_page(requests, field="created_at", after=after, page_size=page_size)


def invitation_page(
    *, community: Community, after: str | None = None, page_size: int = MEMBERS_PAGE_SIZE
) -> Page:
    """The community's invitations, newest first, a page at a time, each with its
    `state` ("valid", "revoked", "expired" or "used_up"). The caller has checked
    `permissions.can_invite`."""
    invitations = community.invitations.select_related("invited_by")
    page = keyset_page(
        invitations, field="created_at", after=after, page_size=page_size, descending=True
    )
    now = timezone.now()
    for invitation in page.items:
        invitation.community = community
        invitation.state = invitation_state(invitation, now)
    return page


def get_community_invitation(*, community: Community, invitation_id: int) -> Invitation:
    invitation = community.invitations.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    invitation.community = community
    return invitation


def recent_invitations(*, community: Community, limit: int = 100) -> list[Invitation]:
    return list(
        community.invitations.select_related("invited_by").order_by("-created_at", "-id")[:limit]
    )


def get_invitation(*, token: str) -> Invitation:
    if params.NUL in token:  # PostgreSQL refuses it in any text; no token holds one
        raise Http404
    invitation = Invitation.objects.select_related("community", "community__purpose").filter(
        token=token
    )
    invitation = invitation.first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_state(invitation: Invitation, moment: datetime.datetime | None = None) -> str:
    return invitation.problem_at(moment or timezone.now()) or "valid"


def banned_people(*, community: Community) -> list:
    return list(community.bans.select_related("user").order_by("-created_at")[:200])
