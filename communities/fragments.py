"""Community cards (the directory's and a purpose page's), rendered once and kept in the
cache for every reader who sees the same cards.

Twenty cards were a fifth of the directory's time: a card's address, its pluralised
member count and its badges, each translated. The key holds every value a card shows or
decides by (see `core.shown_cache`), the reader's membership mark included, so readers
who would see the same cards share one entry and any change gives another key.
"""

from markupsafe import Markup

from communities.models import AUDIENCE_FIELDS, Community
from core.shown_cache import rendered, shown_key, templates_digest

CARDS_TEMPLATE = "communities/_community_cards.html"
# The templates whose markup the entries hold: an edit to any of them starts new keys.
_TEMPLATES = (CARDS_TEMPLATE, "communities/macros.html")


def card_values(community: Community) -> tuple:
    """Every value of `community` its card shows or decides by."""
    return (
        community.pk,
        community.slug,
        community.name,
        community.member_count,
        community.visibility,
        community.viewer_is_member,
        *(getattr(community, field) for field in AUDIENCE_FIELDS.values()),
    )


def community_cards(communities: list[Community]) -> Markup:
    """The `<li>` cards of `communities` (each with `viewer_is_member` set, as the
    listing selectors do), from the cache when a reader who sees the same cards has had
    them rendered."""
    if not communities:
        return Markup()
    key = shown_key(
        "community-cards",
        templates_digest(_TEMPLATES),
        tuple(card_values(community) for community in communities),
    )
    return rendered(key, CARDS_TEMPLATE, {"communities": communities})
