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


class _FormReader(HTMLParser):
    """Error lists and form controls, for `form_errors` and `field_values`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.error_lists: dict[str, list[str]] = {}
        self.describers: list[tuple[str, str | None]] = []
        self.values: dict[str, list[str]] = {}
        self._list: list[str] | None = None
        self._item: list[str] | None = None
        self._fieldset_refs: list[str] = []
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._unnamed = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        name = attributes.get("name")
        refs = (attributes.get("aria-describedby") or "").split()
        if tag == "ul" and "errorlist" in classes:
            if "nonfield" in classes:
                key = "#nonfield"
            else:
                key = attributes.get("id") or f"#unnamed-{self._unnamed}"
                self._unnamed += 1
            self._list = self.error_lists.setdefault(key, [])
        elif tag == "li" and self._list is not None:
            self._item = []
        elif tag == "fieldset":
            self._fieldset_refs = refs
        if tag in ("input", "select", "textarea") and name:
            for ref in [*refs, *self._fieldset_refs]:
                self.describers.append((ref, name))
            self._fieldset_refs = []
            if tag == "textarea":
                self._textarea = (name, [])
            elif tag == "select":
                self._select = name
                self.values.setdefault(name, [])
            elif attributes.get("type") in ("checkbox", "radio"):
                values = self.values.setdefault(name, [])
                if "checked" in attributes:
                    values.append(attributes.get("value") or "on")
            elif attributes.get("type") not in ("submit", "button", "reset"):
                self.values.setdefault(name, []).append(attributes.get("value") or "")
        elif tag == "option" and self._select is not None and "selected" in attributes:
            self.values[self._select].append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "li" and self._item is not None and self._list is not None:
            self._list.append(" ".join("".join(self._item).split()))
            self._item = None
        elif tag == "ul":
            self._list = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # A line break right after <textarea> belongs to the markup, not the value.
            self.values.setdefault(name, []).append("".join(text).removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._item is not None:
            self._item.append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)


def _read_form(html: str) -> _FormReader:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader


def form_errors(html: str) -> dict[str, list[str]]:
    """The error messages a page's forms show, under the name of the field each list
    describes (through the control's aria-describedby), "__all__" for a form's own."""
    reader = _read_form(html)
    owners = dict(reversed(reader.describers))
    errors: dict[str, list[str]] = {}
    for key, messages in reader.error_lists.items():
        if key == "#nonfield":
            name = "__all__"
        else:
            name = owners.get(key) or key.removeprefix("id_").removesuffix("_error")
        errors.setdefault(name, []).extend(messages)
    return errors


def field_values(html: str) -> dict[str, list[str]]:
    """What each named control shows: an input's value, a textarea's text, the selected
    options and the ticked boxes (a list per name, as a form would send them)."""
    return _read_form(html).values


# -- Elements of a page, by tag and class (added with the purpose, feed and search pages) --

VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)


@dataclass(frozen=True)
class Element:
    tag: str
    attributes: dict[str, str | None]
    html: str  # its source, from its start tag to its end tag

    @property
    def text(self) -> str:
        """What a reader sees of it, whitespace runs as one space."""
        return visible_text(self.html)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple((self.attributes.get("class") or "").split())


class _Finder(HTMLParser):
    def __init__(self, source: str, tag: str, class_: str | None, attributes: dict) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.wanted = (tag, class_, attributes)
        self.found: list[tuple[int, Element]] = []
        self._line_starts = [0]
        for number, character in enumerate(source):
            if character == "\n":
                self._line_starts.append(number + 1)
        # Each open element of the wanted tag: (its start offset and attributes, or None
        # when it is not one of those wanted).
        self._open: list[tuple[int, dict[str, str | None]] | None] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _matches(self, tag: str, attrs: dict[str, str | None]) -> bool:
        wanted_tag, class_, attributes = self.wanted
        if tag != wanted_tag:
            return False
        if class_ is not None and class_ not in (attrs.get("class") or "").split():
            return False
        return all(attrs.get(name) == value for name, value in attributes.items())

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag != self.wanted[0]:
            return
        start = self._offset()
        if tag in VOID_ELEMENTS:
            if self._matches(tag, attributes):
                end = self.source.index(">", start) + 1
                self.found.append((start, Element(tag, attributes, self.source[start:end])))
            return
        self._open.append((start, attributes) if self._matches(tag, attributes) else None)

    def handle_startendtag(self, tag, attrs):
        if tag == self.wanted[0] and self._matches(tag, dict(attrs)):
            start = self._offset()
            end = self.source.index(">", start) + 1
            self.found.append((start, Element(tag, dict(attrs), self.source[start:end])))

    def handle_endtag(self, tag):
        if tag != self.wanted[0] or not self._open:
            return
        opened = self._open.pop()
        if opened is not None:
            start, attributes = opened
            end = self.source.index(">", self._offset()) + 1
            self.found.append((start, Element(tag, attributes, self.source[start:end])))


def elements(html: str, tag: str, class_: str | None = None, **attributes: str) -> list[Element]:
    """Every `tag` element (with the class `class_` and the attribute values given, if any),
    in the page's order: `elements(page, "article", "goal")`,
    `elements(page, "section", **{"aria-labelledby": "goals-heading"})`."""
    finder = _Finder(html, tag, class_, attributes)
    finder.feed(html)
    finder.close()
    return [found for _start, found in sorted(finder.found, key=lambda pair: pair[0])]


def element(html: str, tag: str, class_: str | None = None, **attributes: str) -> Element:
    """The one element `elements` finds; fails when there is none or several."""
    found = elements(html, tag, class_, **attributes)
    assert len(found) == 1, (tag, class_, attributes, len(found))
    return found[0]


def field_errors(html: str) -> dict[str, list[str]]:
    """The errors a form shows, by field name ("__all__" for those of the whole form), as
    Django's form templates write them (`<ul class="errorlist" id="id_<name>_error">`)."""
    shown: dict[str, list[str]] = {}
    for errors in elements(html, "ul", "errorlist"):
        if "nonfield" in errors.classes:
            name = "__all__"
        else:
            name = (errors.attributes.get("id") or "").removeprefix("id_").removesuffix("_error")
        shown.setdefault(name, []).extend(item.text for item in elements(errors.html, "li"))
    return shown
