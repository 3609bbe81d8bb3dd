"""Rendered Markdown as a reader meets it: its text and its links, not its bytes."""

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True)
class Link:
    href: str | None
    text: str
    classes: tuple[str, ...]
    rel: str | None
    attributes: tuple[str, ...]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[Link] = []
        self._open: list[tuple[dict[str, str | None], list[str]]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self._open.append((dict(attrs), []))

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            attrs, text = self._open.pop()
            self.links.append(
                Link(
                    href=attrs.get("href"),
                    text="".join(text),
                    classes=tuple((attrs.get("class") or "").split()),
                    rel=attrs.get("rel"),
                    attributes=tuple(attrs),
                )
            )

    def handle_data(self, data):
        self.text.append(data)
        for _attrs, text in self._open:
            text.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def visible_text(html: str) -> str:
    """The text a reader sees, whitespace runs as one space."""
    return " ".join("".join(read(html).text).split())


def links(html: str) -> list[Link]:
    return read(html).links


def mentions(html: str) -> list[tuple[str | None, str]]:
    """(address, text) of each mention link, in order."""
    return [(link.href, link.text) for link in links(html) if "mention" in link.classes]


def tags(html: str) -> list[str]:
    """Every element's name, in order of appearance."""
    return read(html).tags
