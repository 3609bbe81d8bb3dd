"""A page read as a tree of elements, to look at one part of it the way a person meets it:
a widget by its id, the buttons of a form, a badge by its class, each with its text.

    page = parse(response.text)
    widget = page.one(id=f"idea-vote-{idea.pk}")
    assert widget.one("button").text == "Vote for “Night buses”"

Text is what the browser shows (entities decoded, whitespace runs as one space), with
visually hidden text included: it is what a screen reader says, and part of a button's
accessible name. The parser trusts the markup to close what it opens (our templates do).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
UNSEEN = {"script", "style", "template"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list["Element | str"] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple((self.attrs.get("class") or "").split())

    @property
    def text(self) -> str:
        return " ".join(self._raw_text().split())

    def _raw_text(self) -> str:
        if self.tag in UNSEEN:
            return ""
        return "".join(
            child if isinstance(child, str) else child._raw_text() for child in self.children
        )

    def descendants(self) -> Iterator["Element"]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.descendants()

    def all(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> list:
        """Elements inside this one named `tag`, having class `cls` and the attributes
        given (`id="x"`; a name with a dash as `data_x` for `data-x`)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.descendants()
            if (tag is None or element.tag == tag)
            and (cls is None or cls in element.classes)
            and all(element.attrs.get(name) == value for name, value in wanted.items())
        ]

    def one(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> "Element":
        """The one element `all` finds; fails when there is none or several."""
        found = self.all(tag, cls=cls, **attrs)
        assert len(found) == 1, f"{len(found)} elements match {tag=} {cls=} {attrs}"
        return found[0]

    def texts(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> list:
        return [element.text for element in self.all(tag, cls=cls, **attrs)]

    def fields(self) -> dict[str, str | None]:
        """A form's hidden and text inputs by name (what it sends, buttons aside)."""
        return {
            element.attrs["name"]: element.attrs.get("value")
            for element in self.all("input")
            if element.attrs.get("name")
        }


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("[document]", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root
