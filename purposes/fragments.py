"""A purpose page's goals, the ideas linked to them and its challenges, rendered once and
kept in the cache for every reader who sees the same.

The measurement history of every goal (each row a localised date and number) and the
linked ideas' lines were about a quarter of the page's time. The key holds every value
those sections show or decide by (see `core.shown_cache`): each goal's fields and
measurements, its implemented ideas counted for this reader, the linked ideas this reader
may see, each challenge with its state now, and whether the reader manages the purpose.
Readers who would see the same share one entry; any change gives another key.
"""

from core.shown_cache import rendered, shown_key, templates_digest
from discussions.selectors.ideas import PurposeIdeas
from purposes.models import Challenge, Goal

SECTIONS_TEMPLATE = "purposes/_purpose_sections.html"
# The templates whose markup the entries hold: an edit to any of them starts new keys.
_TEMPLATES = (
    SECTIONS_TEMPLATE,
    "purposes/macros.html",
    "discussions/ideas/_purpose_ideas.html",
    "discussions/macros/ideas.html",
)


def _fields(instance) -> tuple:
    """The values of the fields `instance` was loaded with (the selectors read only what
    the page shows; a field left out would be read by a query of its own)."""
    loaded = instance.__dict__
    return tuple(
        loaded[field.attname] for field in instance._meta.concrete_fields if field.attname in loaded
    )


def _goal_values(goal: Goal) -> tuple:
    return (
        _fields(goal),
        goal.implemented_idea_count,
        tuple(
            (measurement.pk, measurement.measured_on, measurement.value, measurement.note)
            for measurement in goal.measurement_list
        ),
    )


def _ideas_values(ideas: PurposeIdeas) -> tuple:
    return tuple(
        (
            group.status,
            group.total,
            tuple(
                (
                    entry.thread_id,
                    entry.title,
                    entry.community_name,
                    entry.community_slug,
                    entry.status,
                    entry.vote_count,
                    tuple(goal.pk for goal in entry.goals),
                )
                for entry in group.ideas
            ),
        )
        for group in ideas.by_status
    )


def purpose_sections(
    *,
    purpose_slug: str,
    goals: list[Goal],
    purpose_ideas: PurposeIdeas,
    challenges: list[Challenge],
    can_manage: bool,
) -> str:
    """The goals (each with `measurement_list` and `implemented_idea_count`, as
    `get_purpose_page` and `purpose_ideas` set them), the linked ideas and the challenges
    of a purpose page, from the cache when a reader who sees the same has had them
    rendered (markup the template engine escaped)."""
    key = shown_key(
        "purpose-sections",
        templates_digest(_TEMPLATES),
        purpose_slug,
        can_manage,
        tuple(_goal_values(goal) for goal in goals),
        purpose_ideas.purpose_slug,
        _ideas_values(purpose_ideas),
        tuple((_fields(challenge), challenge.state) for challenge in challenges),
    )
    return rendered(
        key,
        SECTIONS_TEMPLATE,
        {
            "purpose_slug": purpose_slug,
            "goals": goals,
            "purpose_ideas": purpose_ideas,
            "challenges": challenges,
            "can_manage": can_manage,
        },
    )
