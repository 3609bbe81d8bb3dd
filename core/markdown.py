"""User Markdown becomes safe HTML here, once, when it is saved; pages show the stored result."""

from urllib.parse import unquote, urlparse

import nh3
from django.conf import settings
from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
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
    return value


def render_markdown(source: str) -> str:
    """Markdown to HTML with only an allow-list of tags, attributes and URL schemes kept."""
    if not source:
        return ""
    html = _parser.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )
