"""Markup lives in the Jinja2 templates: no module of ours writes HTML.

Values reach HTML only through the template engine's escaping. HTML written in Python is
a second dialect of the same markup, and its safety rests on each string remembering to
escape; this test reads the source and fails when such a string appears. Two modules
write markup by nature and are allowed: the Markdown renderer (its output is sanitised by
nh3) and the server-side SVG charts (pygal). One more hands markup back without writing
any: the fragment cache returns, as markup, what the Jinja2 templates rendered (it holds
no tag of its own, which the second test still checks), and the templates' translation
functions mark a translated label as markup, as Jinja's own i18n extension does (the same
module hands templates Django's hidden CSRF field, once per response).
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "api",
    "communities",
    "core",
    "config",
    "discussions",
    "purposes",
    "benchyard",
    "webhooks",
]

ALLOWED_MODULES = {
    "core/markdown.py": "renders Markdown; nh3 sanitises the result",
    "purposes/charts.py": "pygal writes the SVG charts",
}
# Modules that may mark strings as markup but write no tag.
MARKS_RENDERED_MARKUP = {
    "core/shown_cache.py": "returns what the Jinja2 templates rendered, from the cache",
    "discussions/fragments.py": "returns no markup for an empty list",
    "communities/fragments.py": "returns no markup for an empty list",
    "core/jinja2.py": (
        "marks translations as markup where a template escapes, as Jinja's i18n does, "
        "and hands templates Django's own CSRF field"
    ),
}

MARKUP_CALLS = {"format_html", "format_html_join", "mark_safe", "Markup", "SafeString"}
# An opening or closing tag of an HTML element, e.g. `<a href=`, `<span class=`, `</li>`.
# (Named elements only: `<path>` in a URL pattern or `<language>` in help text is no tag.)
ELEMENTS = (
    "a|abbr|article|aside|b|blockquote|br|button|code|dd|details|div|dl|dt|em|fieldset|"
    "footer|form|h[1-6]|header|hr|i|img|input|label|legend|li|main|mark|nav|ol|option|p|"
    "pre|script|section|select|small|span|strong|style|summary|table|tbody|td|textarea|"
    "th|thead|time|tr|ul"
)
TAG = re.compile(rf"</?({ELEMENTS})(\s+[a-zA-Z-]+=|\s*/?>)", re.IGNORECASE)


def _modules(also_allowed=()):
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALLOWED_MODULES:
                continue
            if relative in also_allowed:
                continue
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_no_module_calls_the_markup_helpers():
    found = []
    for relative, tree in _modules(also_allowed=MARKS_RENDERED_MARKUP):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in MARKUP_CALLS:
                    found.append(f"{relative}:{node.lineno} {name}()")
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in MARKUP_CALLS:
                        found.append(f"{relative}:{node.lineno} imports {alias.name}")
    assert not found, "HTML belongs in a Jinja2 template:\n" + "\n".join(found)


def test_no_module_writes_html_tags_in_strings():
    found = []
    for relative, tree in _modules():
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and TAG.search(node.value)
            ):
                found.append(f"{relative}:{node.lineno} {node.value[:60]!r}")
    assert not found, "HTML belongs in a Jinja2 template:\n" + "\n".join(found)


def test_the_check_catches_a_builder():
    builder = ast.parse(
        'def row(title):\n    return format_html("<li>{}</li>", title)\n'
        'def cell(value):\n    return f"<td class=\\"n\\">{value}</td>"\n'
    )
    calls = [n for n in ast.walk(builder) if isinstance(n, ast.Call)]
    strings = [
        n for n in ast.walk(builder) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    assert any(getattr(c.func, "id", None) in MARKUP_CALLS for c in calls)
    assert {s.lineno for s in strings if TAG.search(s.value)} == {2, 4}
    assert not TAG.search(r"^media/(?P<path>.*)$")
