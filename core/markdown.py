"""User Markdown becomes safe HTML here, once, when it is saved; pages show the stored result.

@mentions are an inline rule of the Markdown parser, so they follow its reading of the
text: never inside code, links, autolinks or image descriptions, never after a backslash.
Who a handle names is the caller's business (core knows no people): it passes a resolver
and gets the links back inside the HTML, which nh3 then sanitises like any other link.
"""

import re
from collections.abc import Callable
from urllib.parse import unquote, urlparse

import nh3
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline, image, link

MentionResolver = Callable[[str], tuple[str, str] | None]
"""`resolve(handle) -> (url, label)` for a handle that names someone, else None."""

MENTION_CLASS = "mention"
# Up to four words of letters, digits and . ' - after the "@".
_HANDLE = re.compile(r"\w[\w.'-]*(?: \w[\w.'-]*){0,3}")
# An "@" after these is part of a word, an email address or a path, not a mention.
_NOT_AFTER = re.compile(r"[\w@./]")
# Keys of the parser's per-call env.
_RESOLVE = "mention_resolve"
_COLLECT = "mention_collect"
_COLLECT_LIMIT = "mention_collect_limit"
_NESTED = "mention_nested"


def _candidates(words: str) -> list[str]:
    """What an "@" may name, longest first: "Ada Lovelace." -> ..., "Ada Lovelace", "Ada".

    Trailing punctuation and underscores are also tried without, so "_dear @Ada_" can
    end its emphasis after the handle.
    """
    parts = words.split(" ")
    found: list[str] = []
    for size in range(len(parts), 0, -1):
        text = " ".join(parts[:size])
        for variant in (text, text.rstrip(".'-_")):
            if variant and variant not in found:
                found.append(variant)
    return found


def _starts_a_word(src: str, at: int) -> bool:
    """Whether the "@" at `at` starts a word: not after a letter, digit, "@", "." or "/",
    nor after underscores glued to a word ("_@Ada_" is emphasis, "ana_@x.org" is not)."""
    before = at
    while before > 0 and src[before - 1] == "_":
        before -= 1
    return before == 0 or not _NOT_AFTER.match(src[before - 1])


def _mention_rule(state: StateInline, silent: bool) -> bool:
    env = state.env
    start = state.pos
    if state.src[start] != "@" or env.get(_NESTED) or silent:
        # `silent` is only the link rule measuring its text, where mentions never are.
        return False
    resolve, collect = env.get(_RESOLVE), env.get(_COLLECT)
    if resolve is None and collect is None:
        return False
    if collect is not None and len(collect) >= env[_COLLECT_LIMIT]:
        return False
    if not _starts_a_word(state.src, start):
        return False
    match = _HANDLE.match(state.src, start + 1, state.posMax)
    if match is None:
        return False
    if collect is not None:
        collect.append(_candidates(match.group()))
        return False
    for handle in _candidates(match.group()):
        found = resolve(handle)
        if found is None:
            continue
        url, label = found
        token = state.push("link_open", "a", 1)
        token.attrs = {"class": MENTION_CLASS, "href": url}
        token.markup = "mention"
        token = state.push("text", "", 0)
        token.content = label
        token = state.push("link_close", "a", -1)
        token.markup = "mention"
        state.pos = start + 1 + len(handle)
        return True
    return False


def _no_mentions_within(rule):
    """`rule` (links, images) with mentions switched off in the text it parses: a link
    inside a link is not allowed, and an image's description becomes its alt text."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        state.env[_NESTED] = state.env.get(_NESTED, 0) + 1
        try:
            return rule(state, silent)
        finally:
            state.env[_NESTED] -= 1

    return wrapped


def mentions_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.at("link", _no_mentions_within(link))
    md.inline.ruler.at("image", _no_mentions_within(image))
    md.inline.ruler.push("mention", _mention_rule)


_parser = (
    MarkdownIt("commonmark", {"html": False, "breaks": True})
    .enable(["table", "strikethrough"])
    .use(mentions_plugin)
)

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


def _is_media_path(src: str) -> bool:
    """Whether `src` is a path under MEDIA_URL however a browser reads it.

    An image makes every reader's browser GET its address, so a same-site image pointing
    at an action (an invitation link, sign-out) would act for them. Browsers resolve "."
    and ".." segments (also percent-encoded), read "\\" as "/" and drop tabs and line
    breaks before fetching, so anything that could leave the media path that way is
    refused rather than normalised.
    """
    media = settings.MEDIA_URL
    if not media.startswith("/") or not src.startswith(media):
        return False
    if "\\" in src or any(character.isspace() or ord(character) < 32 for character in src):
        return False
    path = unquote(urlparse(src).path)
    return not any(segment in (".", "..") for segment in path.split("/"))


def _image_source_allowed(src: str) -> bool:
    """Images come from the site's media files or from MARKDOWN_IMAGE_HOSTS over HTTPS
    (or protocol-relative to one of those hosts); any other address, same-site or not,
    is dropped."""
    parts = urlparse(src)
    if not parts.scheme and not parts.netloc:
        return _is_media_path(src)
    if parts.scheme not in ("https", ""):
        return False
    return parts.hostname is not None and parts.hostname in settings.MARKDOWN_IMAGE_HOSTS


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not _image_source_allowed(value):
        return None
    if tag == "code" and attribute == "class" and not value.startswith("language-"):
        return None
    if tag == "a" and attribute == "class" and value != MENTION_CLASS:
        return None
    return value


def mention_handles(source: str, *, limit: int) -> set[str]:
    """Every handle the first `limit` "@"s of `source` may name (each "@" offers its
    longest reading and the shorter ones), for resolving them all at once before
    `render_markdown`."""
    if "@" not in source:
        return set()
    found: list[list[str]] = []
    _parser.parse(source, {_COLLECT: found, _COLLECT_LIMIT: limit})
    return {handle for candidates in found for handle in candidates}


def render_markdown(source: str, *, mention: MentionResolver | None = None) -> str:
    """Markdown to HTML with only an allow-list of tags, attributes and URL schemes kept.

    With `mention`, each "@" that starts a word is offered its handles longest first
    ("@Ada Lovelace." asks "Ada Lovelace.", "Ada Lovelace", "Ada"); the first one
    `mention` answers becomes a link `<a class="mention">` to the url with the label as
    its text (every answer is linked, so the resolver may note whom it answered). Handles
    it does not answer stay plain text.
    """
    if not source:
        return ""
    html = _parser.render(source, {_RESOLVE: mention} if mention is not None else {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )


_BARE_ADDRESS = re.compile(r"\bhttps?://", re.IGNORECASE)


def content_counts(source: str) -> tuple[int, int, int]:
    """(links, images, "@" mentions) in `source`, for the limits on what one post may
    hold. Links are those Markdown makes and bare web addresses in the text; mentions are
    the "@"s that start a word, whoever they name."""
    if not source:
        return 0, 0, 0
    found: list[list[str]] = []
    links = images = 0
    for token in _parser.parse(source, {_COLLECT: found, _COLLECT_LIMIT: 10_000}):
        for child in token.children or ():
            if child.type == "link_open":
                links += 1
            elif child.type == "image":
                images += 1
            elif child.type == "text":
                links += len(_BARE_ADDRESS.findall(child.content))
    return links, images, len(found)
