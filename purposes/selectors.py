"""Reads about purposes shared by pages, later the API, feeds and digests."""

from collections import defaultdict
from functools import partial

from django.db.models import BooleanField, Prefetch, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import PositionedReader, reader_position
from core.compiled_reads import models_of
from core.expressions import (
    column,
    json_rows,
    load_json_rows,
    model_fields,
    models_from_json,
    row_value,
    table,
)
from core.pagination import Page, keyset_page
from purposes.models import Challenge, Goal, Measurement, Purpose, PurposeFollow, PurposeStatus
from purposes.permissions import can_see_purpose, purposes_visible_to

DIRECTORY_PAGE_SIZE = 24


# What the purpose page shows of an owner (a linked name with avatar and badge).
_OWNER_FIELDS = tuple(
    field.attname
    for field in User._meta.concrete_fields  # in the model's order, as `from_db` reads them
    if field.attname in {"id", "display_name", "email", "member_type", "avatar"}
)


def _with_owner_rows(purposes: QuerySet[Purpose]) -> QuerySet[Purpose]:
    """Each purpose's owners as JSON rows of `_OWNER_FIELDS` (`owner_rows`), in the
    purpose's own query: a prefetch costs a second query on every purpose page."""
    owned = Purpose.owners.through
    cells = [column(User, name, "owner") for name in _OWNER_FIELDS]
    rows = (
        f"FROM {table(owned, 'owned')} INNER JOIN {table(User, 'owner')} "
        f"ON {column(User, 'pk', 'owner')} = {column(owned, 'user', 'owned')} "
        f"WHERE {column(owned, 'purpose', 'owned')} = {column(Purpose, 'pk')}"
    )
    return purposes.annotate(owner_rows=json_rows(cells, rows))


def purpose_directory(
    *, user: User, status: str = PurposeStatus.ACTIVE, after: str | None = None
) -> Page:
    """A page of visible purposes in title order; the cursor continues after the last one."""
    purposes = (
        purposes_visible_to(user)
        .filter(status=status)
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("position", "id")))
    )
    return keyset_page(purposes, field="title", after=after, page_size=DIRECTORY_PAGE_SIZE)


def get_purpose_for(*, user: User, slug: str, purposes: QuerySet[Purpose] | None = None) -> Purpose:
    """The purpose at `slug` if `user` may see it, else 404 exactly as if it did not exist.
    `purposes` is `purposes_visible_to(user)` with more annotations, when given."""
    if purposes is None:
        purposes = purposes_visible_to(user)
    # The slug is unique: no ordering to plan.
    purposes = _with_owner_rows(purposes).filter(slug=slug).order_by()
    purpose = next(iter(purposes[:1]), None)
    if purpose is None:
        raise Http404
    return _with_owner_list(purpose)


def _with_owner_list(purpose: Purpose) -> Purpose:
    """`purpose` with `owner_list` (by id) and `owner_ids`, from its `owner_rows`."""
    purpose.owner_list = sorted(
        (User.from_db("default", _OWNER_FIELDS, row) for row in load_json_rows(purpose.owner_rows)),
        key=lambda owner: owner.pk,
    )
    purpose.owner_ids = {owner.pk for owner in purpose.owner_list}
    return purpose


_GOAL_FIELDS = model_fields(Goal, {field.attname for field in Goal._meta.concrete_fields})
_MEASUREMENT_FIELDS = model_fields(Measurement, {"id", "goal_id", "value", "measured_on", "note"})
_CHALLENGE_FIELDS = model_fields(
    Challenge,
    {"id", "purpose_id", "title", "question", "description_html", "opens_at", "closes_at"},
)


def _rows_of(model, fields: tuple[str, ...], alias: str, condition: str, joined: str = ""):
    """JSON rows of `fields` of `model` (as `alias`, `joined` to more tables) meeting
    `condition`, for an annotation."""
    cells = [column(model, name.removesuffix("_id"), alias) for name in fields]
    return json_rows(cells, f"FROM {table(model, alias)}{joined} WHERE {condition}")


def _purpose_page(position: tuple, slug: str, *viewer: int) -> QuerySet[Purpose]:
    """`get_purpose_page`'s read for a reader in `position`; `viewer` is a signed-in
    reader's id."""
    reader = PositionedReader(position, *viewer)
    purpose_id = column(Purpose, "pk")
    goal_of = f"{column(Goal, 'pk', 'goal')} = {column(Measurement, 'goal', 'measured')}"
    purposes = purposes_visible_to(reader).annotate(
        goal_rows=_rows_of(
            Goal, _GOAL_FIELDS, "goal", f"{column(Goal, 'purpose', 'goal')} = {purpose_id}"
        ),
        measurement_rows=_rows_of(
            Measurement,
            _MEASUREMENT_FIELDS,
            "measured",
            f"{column(Goal, 'purpose', 'goal')} = {purpose_id}",
            joined=f" INNER JOIN {table(Goal, 'goal')} ON {goal_of}",
        ),
        challenge_rows=_rows_of(
            Challenge,
            _CHALLENGE_FIELDS,
            "challenge",
            f"{column(Challenge, 'purpose', 'challenge')} = {purpose_id}",
        ),
    )
    if viewer:
        follow = PurposeFollow
        purposes = purposes.annotate(
            viewer_follows=row_value(
                "TRUE",
                f"FROM {table(follow, 'follow')} "
                f"WHERE {column(follow, 'purpose', 'follow')} = {purpose_id} "
                f"AND {column(follow, 'user', 'follow')} = %s",
                (viewer[0],),
                BooleanField(),
            )
        )
    # The slug is unique: no ordering to plan.
    return _with_owner_rows(purposes).filter(slug=slug).order_by()[:1]


def get_purpose_page(*, user: User, slug: str) -> Purpose:
    """`get_purpose_for` with what its page shows of the purpose itself, read in the same
    query (each further query costs about a millisecond of Python on every view):
    `goal_list` (by position) with each goal's `measurement_list` (oldest first) and
    `challenge_list` (the latest opening first), and `viewer_follows` (whether `user`
    follows it)."""
    position = reader_position(user)
    values = (slug, user.pk) if user.is_authenticated else (slug,)
    # The busiest purpose read: compiled once per reader's position, run with the slug.
    found = models_of(("purpose-page", position), partial(_purpose_page, position), values)
    if not found:
        raise Http404
    purpose = _with_owner_list(found[0])
    purpose.viewer_follows = bool(getattr(purpose, "viewer_follows", False))
    measurements: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in sorted(
        models_from_json(Measurement, _MEASUREMENT_FIELDS, purpose.measurement_rows),
        key=lambda measurement: (measurement.measured_on, measurement.pk),
    ):
        measurements[measurement.goal_id].append(measurement)
    purpose.goal_list = sorted(
        models_from_json(Goal, _GOAL_FIELDS, purpose.goal_rows),
        key=lambda goal: (goal.position, goal.pk),
    )
    for goal in purpose.goal_list:
        goal.purpose = purpose
        goal.measurement_list = measurements[goal.pk]
    purpose.challenge_list = sorted(
        models_from_json(Challenge, _CHALLENGE_FIELDS, purpose.challenge_rows),
        key=lambda challenge: (-challenge.opens_at.timestamp(), challenge.pk),
    )
    return purpose


def purpose_shown_to(*, user: User, purpose: Purpose | None) -> Purpose | None:
    """`purpose` when `user` may see it, else None: pages of its communities then leave
    out its title and challenges (a draft is its owners' and administrators' only)."""
    if purpose is None or not can_see_purpose(user, purpose):
        return None
    return purpose


def purpose_goals(*, purpose: Purpose) -> list[Goal]:
    return list(
        purpose.goals.order_by("position", "id").prefetch_related(
            Prefetch("measurements", queryset=Measurement.objects.order_by("measured_on", "id"))
        )
    )


def purpose_challenges(*, purpose: Purpose) -> list[Challenge]:
    return list(purpose.challenges.order_by("-opens_at", "id"))


def get_goal(*, purpose: Purpose, goal_id: int) -> Goal:
    goal = purpose.goals.filter(pk=goal_id).first()
    if goal is None:
        raise Http404
    goal.purpose = purpose
    return goal


def follows_purpose(*, user: User, purpose: Purpose) -> bool:
    if not user.is_authenticated:
        return False
    return PurposeFollow.objects.filter(user=user, purpose=purpose).exists()


def followed_purposes(*, user: User) -> list[Purpose]:
    """The purposes `user` follows and may still see, by title (one query)."""
    followed = PurposeFollow.objects.filter(user=user).values("purpose_id")
    return list(purposes_visible_to(user).filter(pk__in=followed).order_by("title", "id"))


# -- the API's lists ---------------------------------------------------------------------------

API_PAGE_SIZE = 50


def purpose_page(
    *, user: User, status: str = "", after: str | None = None, page_size: int = API_PAGE_SIZE
) -> Page:
    """Visible purposes by title (all statuses unless `status`), each with `goal_list`:
    two queries whatever the page size."""
    purposes = purposes_visible_to(user)
    if status:
        purposes = purposes.filter(status=status)
    purposes = purposes.prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("position", "id"), to_attr="goal_list")
    )
    page = keyset_page(purposes, field="title", after=after, page_size=page_size)
    for purpose in page.items:
        for goal in purpose.goal_list:
            goal.purpose = purpose
    return page


def goal_page(
    *, purpose: Purpose, after: str | None = None, page_size: int = API_PAGE_SIZE
) -> Page:
    page = keyset_page(purpose.goals.all(), field="position", after=after, page_size=page_size)
    for goal in page.items:
        goal.purpose = purpose
    return page


def measurement_page(
    *, goal: Goal, after: str | None = None, page_size: int = API_PAGE_SIZE
) -> Page:
    """A goal's measurements, the latest day first, with who recorded them (one query)."""
    measurements = goal.measurements.select_related("recorded_by")
    return keyset_page(
        measurements, field="measured_on", after=after, page_size=page_size, descending=True
    )


def challenge_page(
    *, purpose: Purpose, after: str | None = None, page_size: int = API_PAGE_SIZE
) -> Page:
    """The purpose's challenges, the latest opening first (one query)."""
    page = keyset_page(
        purpose.challenges.all(),
        field="opens_at",
        after=after,
        page_size=page_size,
        descending=True,
    )
    for challenge in page.items:
        challenge.purpose = purpose
    return page


def get_challenge(*, purpose: Purpose, challenge_id: int) -> Challenge:
    challenge = purpose.challenges.filter(pk=challenge_id).first()
    if challenge is None:
        raise Http404
    challenge.purpose = purpose
    return challenge
