"""@mentions in the Markdown renderer: where an "@" names someone, what the link looks like
after nh3, and that whatever the resolver answers reaches the page escaped."""

import pytest

from core.markdown import mention_handles, render_markdown
from tests.core.reading import links, mentions, tags, visible_text

PEOPLE = {
    "Ada": "/people/1/",
    "Ada Lovelace": "/people/2/",
    "grace.h": "/people/3/",
    "Zoë O'Brien": "/people/4/",
    "Łukasz": "/people/5/",
    "李雷": "/people/6/",
}


class Resolver:
    """Answers for PEOPLE, with "@" and the handle as the label; remembers what it was asked."""

    def __init__(self, people=PEOPLE):
        self.people = people
        self.asked: list[str] = []

    def __call__(self, handle):
        self.asked.append(handle)
        url = self.people.get(handle)
        return None if url is None else (url, f"@{handle}")


def render(source: str, resolver=None):
    return render_markdown(source, mention=resolver or Resolver())


def test_a_handle_becomes_a_link_nh3_marks_like_any_other():
    html = render("Thanks @Ada Lovelace for the notes.")

    assert links(html)[0].classes == ("mention",)
    assert links(html)[0].rel == "nofollow ugc noopener"
    assert mentions(html) == [("/people/2/", "@Ada Lovelace")]
    assert visible_text(html) == "Thanks @Ada Lovelace for the notes."


def test_the_longest_handle_that_names_someone_wins():
    resolver = Resolver()
    html = render("@Ada Lovelace wrote to @Ada Byron today", resolver)

    assert mentions(html) == [("/people/2/", "@Ada Lovelace"), ("/people/1/", "@Ada")]
    assert visible_text(html) == "@Ada Lovelace wrote to @Ada Byron today"
    assert resolver.asked[:2] == ["Ada Lovelace wrote to", "Ada Lovelace wrote"]


@pytest.mark.parametrize(
    "source, label",
    [
        ("@Ada.", "@Ada"),
        ("@Ada, hi", "@Ada"),
        ("(@Ada)", "@Ada"),
        ("@Ada!", "@Ada"),
        ("@Ada?", "@Ada"),
        ("@Ada-", "@Ada"),
        ("@Ada Lovelace.", "@Ada Lovelace"),
        ("@Ada Lovelace: hello", "@Ada Lovelace"),
        ("**@Ada**", "@Ada"),
        ("_@Ada_", "@Ada"),
        ("__@Ada__", "@Ada"),
        ("_dear @Ada_", "@Ada"),
        ("first line\n@Ada", "@Ada"),
    ],
)
def test_punctuation_after_a_handle_stays_outside_the_link(source, label):
    html = render(source)
    assert [text for _url, text in mentions(html)] == [label]
    assert visible_text(html) == " ".join(source.replace("*", "").replace("_", "").split())


def test_a_handle_with_dots_keeps_them():
    assert mentions(render("ping @grace.h.")) == [("/people/3/", "@grace.h")]


@pytest.mark.parametrize(
    "source, label",
    [
        ("Hi @Zoë O'Brien!", "@Zoë O'Brien"),
        ("Cześć @Łukasz", "@Łukasz"),
        ("你好 @李雷", "@李雷"),
    ],
)
def test_names_in_any_script(source, label):
    assert [text for _url, text in mentions(render(source))] == [label]


@pytest.mark.parametrize(
    "source",
    [
        "`@Ada`",
        "``see @Ada here``",
        "    @Ada in an indented block",
        "```\n@Ada in a fence\n```",
        "~~~python\nprint('@Ada')\n~~~",
        "[@Ada](https://example.org)",
        "[thanks @Ada Lovelace](https://example.org/ada)",
        "[@Ada][ref]\n\n[ref]: https://example.org",
        "<https://example.org/@Ada>",
        "<mailto:Ada@example.org>",
        "![@Ada at work](/media/ada.png)",
        "ana@example.org",
        "Ada@Ada.org",
        "x.@Ada",
        "ana_@Ada.org",
        "@@Ada",
        "https://social.example/@Ada",
        "\\@Ada",
    ],
)
def test_no_mention_in_code_links_images_addresses_or_after_a_backslash(source):
    resolver = Resolver()
    html = render(source, resolver)
    assert mentions(html) == []
    assert "/people/" not in html
    assert resolver.asked == []


def test_code_and_links_keep_their_text():
    html = render("`@Ada` and [@Ada](https://example.org) and ![x @Ada](/media/a.png)")
    assert "<code>@Ada</code>" in html
    assert [(link.href, link.text) for link in links(html)] == [("https://example.org", "@Ada")]
    assert 'alt="x @Ada"' in html


def test_mentions_in_lists_tables_headings_and_emphasis():
    source = "# For @Ada\n\n- ask @grace.h\n\n| who |\n|---|\n| @Ada |\n\n_dear @Ada_"
    html = render(source)
    assert mentions(html) == [
        ("/people/1/", "@Ada"),
        ("/people/3/", "@grace.h"),
        ("/people/1/", "@Ada"),
        ("/people/1/", "@Ada"),
    ]


def test_an_unresolved_handle_stays_text_and_the_markdown_after_it_still_works():
    html = render("@Nobody _really_ and @Ada _too_")
    assert mentions(html) == [("/people/1/", "@Ada")]
    assert html.count("<em>") == 2
    assert visible_text(html) == "@Nobody really and @Ada too"


def test_without_a_resolver_nothing_is_a_mention():
    assert render_markdown("Hi @Ada") == "<p>Hi @Ada</p>\n"


def test_a_hostile_label_is_text():
    html = render_markdown(
        "Hi @x", mention=lambda handle: ("/people/9/", "<script>alert(1)</script>")
    )
    assert mentions(html) == [("/people/9/", "<script>alert(1)</script>")]
    assert "script" not in tags(html)
    assert "&lt;script&gt;" in html


def test_a_hostile_address_stays_one_attribute_value():
    hostile = '/p/" onmouseover="alert(1)'
    html = render_markdown("@x", mention=lambda handle: (hostile, "@x"))
    assert links(html)[0].attributes == ("class", "href", "rel")
    assert mentions(html) == [(hostile, "@x")]


def test_a_script_address_loses_its_href():
    html = render_markdown("@x", mention=lambda handle: ("javascript:alert(1)", "@x"))
    assert links(html)[0].href is None
    assert "javascript" not in html


def test_raw_html_cannot_forge_a_mention():
    html = render('<a class="mention" href="/people/1/">hi</a>', Resolver({}))
    assert links(html) == []
    assert visible_text(html) == '<a class="mention" href="/people/1/">hi</a>'


def test_handles_are_collected_without_code_links_or_addresses():
    source = (
        "@Ada Lovelace. and @grace.h, `@Code` [@Link](https://x.org) mail@ess.org\n\n    @Block\n"
    )
    assert mention_handles(source, limit=30) == {
        "Ada Lovelace. and",
        "Ada Lovelace.",
        "Ada Lovelace",
        "Ada",
        "grace.h",
    }
    assert mention_handles("no handles here", limit=30) == set()


def test_only_the_first_handles_up_to_the_limit_are_collected():
    source = " ".join(f"@p{number}" for number in range(5))
    assert mention_handles(source, limit=3) == {"p0", "p1", "p2"}
