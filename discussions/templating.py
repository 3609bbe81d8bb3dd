"""What discussion pages need from Python (`jinja2/discussions/`): addresses of threads
and of the actions on their posts, the labels of thread kinds, and grouped counts.

A list shows twenty-five threads and a thread page thirty posts with up to six actions
each; reversing every one of those addresses costs more than rendering the rows. An
address is reversed once per community (or thread) and action, with a placeholder for the
id, and each row's address is that pattern with its id put in.
"""

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils import formats

from discussions.models import ThreadKind

_PLACEHOLDER = "987654321"


@lru_cache(maxsize=1024)
def _pattern(prefix: str, viewname: str, args: tuple) -> tuple[str, str]:
    """The address of `viewname` for `args` followed by an id, as (before, after) the id.
    The id is the path's last number: the split is at the placeholder's last occurrence
    (a slug may hold digits)."""
    address = reverse(viewname, args=[*args, int(_PLACEHOLDER)])
    before, _found, after = address.rpartition(_PLACEHOLDER)
    return before, after


def _address(viewname: str, args: tuple, pk: int) -> str:
    before, after = _pattern(get_script_prefix(), viewname, args)
    return f"{before}{pk}{after}"


def thread_address(community_slug: str, thread_id: int) -> str:
    """`thread_detail` of the thread `thread_id` in the community at `community_slug`."""
    return _address("thread_detail", (community_slug,), thread_id)


def post_address(viewname: str, community_slug: str, thread_id: int, post_id: int) -> str:
    """The address of an action on a post: `post_address("post_edit", slug, thread.pk, pk)`
    (post_react, post_edit, post_revisions, post_accept, post_delete)."""
    return _address(viewname, (community_slug, thread_id), post_id)


def thread_kind_label(kind: str) -> str:
    """The label of a thread kind in the active language."""
    return str(ThreadKind(kind).label)


def grouped(value: int) -> str:
    """A count with the reader's language's thousands separator ("2,000"), as
    `floatformat:"g"` writes it."""
    return formats.number_format(value, force_grouping=True)


FILTERS = {"grouped": grouped}

GLOBALS = {
    "thread_address": thread_address,
    "post_address": post_address,
    "thread_kind_label": thread_kind_label,
}
