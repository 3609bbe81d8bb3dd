"""The Jinja2 engine: found before the Django templates, escaping on, and the helpers a page
needs (addresses, static files, the CSRF field, translation, dates in the reader's zone)."""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import _unmask_cipher_token, rotate_token
from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import timezone, translation

from tests.accounts.factories import UserFactory

NEW_YEAR_UTC = datetime.datetime(2030, 1, 1, 1, 30, tzinfo=datetime.UTC)


def render(source: str, context: dict | None = None, request=None) -> str:
    return engines["jinja2"].from_string(source).render(context or {}, request=request)


def test_our_pages_come_from_jinja2_and_the_admin_keeps_its_django_templates():
    assert get_template("email/base.html").backend is engines["jinja2"]
    assert get_template("base.html").backend is engines["jinja2"]
    assert get_template("admin/index.html").backend is engines["django"]
    # Django's form templates come in both dialects; forms render through the Jinja2 ones.
    assert get_template("django/forms/widgets/input.html").backend is engines["jinja2"]


def test_values_are_escaped_unless_a_text_template_turns_escaping_off():
    hostile = '<script>alert("x")</script> & co'

    assert render("{{ value }}", {"value": hostile}) == (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co"
    )
    assert render("{% autoescape false %}{{ value }}{% endautoescape %}", {"value": hostile}) == (
        hostile
    )


def test_translated_strings_escape_their_values_but_not_their_own_markup():
    source = (
        "{% trans name=name %}Hello <strong>{{ name }}</strong>{% endtrans %}"
        '|{{ _("Hi %(name)s", name=name) }}'
    )

    assert render(source, {"name": "<b>Ana</b>"}) == (
        "Hello <strong>&lt;b&gt;Ana&lt;/b&gt;</strong>|Hi &lt;b&gt;Ana&lt;/b&gt;"
    )


def test_translations_in_text_templates_keep_values_as_written():
    # An email's text part turns escaping off: neither the label nor its values escaped.
    source = (
        "{% autoescape false %}"
        '{{ _("Hi %(name)s", name=name) }}|{{ _("Sign in") }}|'
        "{% trans count=n, name=name %}{{ name }} has {{ count }} idea"
        "{% pluralize %}{{ name }} has {{ count }} ideas{% endtrans %}"
        "{% endautoescape %}"
    )

    assert render(source, {"name": "Ana & <Bo>", "n": 2}) == (
        "Hi Ana & <Bo>|Sign in|Ana & <Bo> has 2 ideas"
    )


def test_a_label_without_values_is_still_formatted_and_each_call_is_its_own():
    source = '{{ _("100%% done") }}|{{ ngettext("vote", "votes", n) }}|{{ gettext("Yes") }}'

    assert render(source, {"n": 1}) == "100% done|vote|Yes"
    assert render(source, {"n": 5}) == "100% done|votes|Yes"
    with translation.override("fr"):
        assert render(source, {"n": 5}).endswith("|Oui")
    # Escaped and unescaped renderings of the same label are kept apart.
    assert render("{{ _('Yes') }}") == "Yes"
    assert render("{% autoescape false %}{{ _('Yes') }}{% endautoescape %}") == "Yes"


def test_url_and_static_globals():
    source = '{{ url("invitation_detail", token="a b") }}|{{ url("home") }}|{{ static("x.css") }}'

    assert render(source) == "/invitations/a%20b/|/|/static/x.css"


def test_addresses_ending_in_an_id_are_the_ones_django_reverses():
    from django.urls import NoReverseMatch, reverse

    cases = [
        ("person_detail", (7,)),
        ("person_detail", (987654321,)),
        ("thread_detail", ("fleet-2030", 12)),
        ("thread_detail", ("fleet-2030", 2030)),
        ("post_edit", ("a1", 3, 45)),
        ("goal_chart", ("co2-9", 9)),
    ]
    for viewname, args in cases:
        assert render("{{ url(name, *args) }}", {"name": viewname, "args": args}) == reverse(
            viewname, args=args
        )
    # A number where the address takes none is refused as Django refuses it.
    with pytest.raises(NoReverseMatch):
        render('{{ url("home", 3) }}')


def test_addresses_by_keywords_are_the_ones_django_reverses():
    """The API names its rows' addresses by keywords; a slug holding the placeholder's
    digits and an address with two ids come out as Django reverses them."""
    from django.urls import reverse

    from core.addresses import keyword_url

    cases = [
        ("api:thread-detail", {"slug": "fleet-2030", "thread_id": 12}),
        ("api:thread-detail", {"slug": "x-987654321", "thread_id": 987654321}),
        ("api:thread-detail", {"thread_id": 5, "slug": "order-of-keywords"}),
        ("api:community-detail", {"slug": "fleet"}),
        ("post_edit", {"slug": "a1", "thread_id": 3, "post_id": 45}),
    ]
    for viewname, kwargs in cases:
        assert keyword_url(viewname, **kwargs) == reverse(viewname, kwargs=kwargs)


def test_csrf_field_request_and_request_context_come_with_a_request():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.csp_nonce = "n0nce"

    html = render(
        "{{ csrf_input }}|{{ request.path }}|{{ request.user.is_authenticated }}|{{ csp_nonce }}",
        request=request,
    )

    field, path, authenticated, nonce = html.split("|")
    assert field.startswith('<input type="hidden" name="csrfmiddlewaretoken" value="')
    assert (path, authenticated, nonce) == ("/", "False", "n0nce")


def test_the_forms_of_one_response_share_its_csrf_field_and_a_new_secret_gets_a_new_one():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    source = "{{ csrf_input }}|{{ csrf_input }}|{{ csrf_token }}|{{ csrf_token }}"

    first_input, second_input, first_token, second_token = render(source, request=request).split(
        "|"
    )
    # A partial rendered later in the same response shows the same values.
    later_input, _, later_token, _ = render(source, request=request).split("|")

    assert first_input == second_input == later_input
    assert first_token == second_token == later_token
    assert f'value="{first_token}"' not in first_input  # each is masked on its own
    secret = request.META["CSRF_COOKIE"]
    assert _unmask_cipher_token(first_token) == secret
    assert _unmask_cipher_token(re.search('value="([^"]+)"', first_input)[1]) == secret

    rotate_token(request)  # as signing in does
    rotated_input, _, rotated_token, _ = render(source, request=request).split("|")

    assert rotated_token != first_token and rotated_input != first_input
    assert _unmask_cipher_token(rotated_token) == request.META["CSRF_COOKIE"] != secret


def test_gettext_and_plurals_follow_the_active_language():
    source = (
        '{{ _("Yes") }}|{% trans count=n %}{{ count }} day{% pluralize %}'
        "{{ count }} days{% endtrans %}"
    )

    assert render(source, {"n": 1}) == "Yes|1 day"
    assert render(source, {"n": 3}) == "Yes|3 days"
    with translation.override("fr"):
        assert render(source, {"n": 3}) == "Oui|3 days"


def test_dates_and_times_show_in_the_active_time_zone_and_language():
    source = '{{ when|date }}|{{ when|date("c") }}|{{ when|time("H:i") }}|{{ nothing|date }}'

    with timezone.override("America/New_York"):
        assert render(source, {"when": NEW_YEAR_UTC, "nothing": None}) == (
            "Dec. 31, 2029|2029-12-31T20:30:00-05:00|20:30|"
        )
        with translation.override("fr"):
            assert render("{{ when|date }}", {"when": NEW_YEAR_UTC}) == "31 décembre 2029"
    with timezone.override("Asia/Tokyo"):
        assert render('{{ when|date("DATETIME_FORMAT") }}', {"when": NEW_YEAR_UTC}) == (
            "Jan. 1, 2030, 10:30 a.m."
        )


def test_time_since_and_until():
    later = NEW_YEAR_UTC + datetime.timedelta(days=2, hours=1)

    assert render("{{ a|timesince(b) }}|{{ b|timeuntil(a) }}", {"a": NEW_YEAR_UTC, "b": later}) == (
        "2\xa0days, 1\xa0hour|2\xa0days, 1\xa0hour"
    )


def test_site_name_is_read_when_the_template_renders(settings):
    settings.SITE_NAME = "Northwind <Commons>"

    assert render("{{ site_name }}") == "Northwind &lt;Commons&gt;"


@pytest.mark.django_db
def test_user_display_shows_what_allauth_shows():
    user = UserFactory(display_name="Ana <Lima>")

    assert render("{{ user_display(user) }}", {"user": user}) == "Ana &lt;Lima&gt;"


def test_context_processors_leave_the_callers_values_alone():
    # The backend lets processors overwrite the caller's dict; allauth passes `user` (the
    # person an email is about) while the request's user is someone else or nobody.
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    context = {"user": "Ana"}

    assert render("{{ user }}", context, request=request) == "Ana"
    assert context["user"] == "Ana"


def test_page_links_keep_the_filters_and_change_only_the_cursor():
    request = RequestFactory().get("/x/", {"kind": "idea", "tag": ["a b", "ç&d"], "after": "old"})
    source = "{{ page_url(request, after=cursor) }}|{{ page_url(request, after=None) }}"
    next_link, first_link = render(source, {"cursor": "2026|1"}, request=request).split("|", 1)
    assert next_link == "?kind=idea&amp;tag=a+b&amp;tag=%C3%A7%26d&amp;after=2026%7C1"
    assert first_link == "?kind=idea&amp;tag=a+b&amp;tag=%C3%A7%26d"
    # The request's own query is left as it was.
    assert request.GET.getlist("tag") == ["a b", "ç&d"] and request.GET["after"] == "old"
