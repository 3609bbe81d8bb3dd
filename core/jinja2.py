"""The Jinja2 environment behind the second template engine (templates in `jinja2/`).

Templates get here what Django's template language gives them through tags and context
processors: addresses, static files, translation, dates in the reader's time zone and the
site's name. The backend itself adds `request`, `csrf_input` and `csrf_token` whenever a
template is rendered with a request.
"""

import datetime
from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.backends.utils import csrf_input as csrf_input_of
from django.template.defaultfilters import linebreaksbr
from django.templatetags.static import static as static_address
from django.utils import formats, timezone, translation
from django.utils.functional import lazy
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import trans_real
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from core import formatting
from core.addresses import url

# The same parser settings serve rendering and extracting strings for translation
# (`update_catalogues`), so a message id is the same text in both.
EXTENSIONS = ["jinja2.ext.i18n"]
TRIMMED = True
EXTRACT_OPTIONS = {
    "extensions": ",".join(EXTENSIONS),
    "trimmed": str(TRIMMED),
    "newstyle_gettext": "true",
    # A template the extractor cannot parse must stop the run, not lose its strings.
    "silent": "false",
}


def page_url(request: HttpRequest, **changes: Any) -> str:
    """The current address's query with its filters kept and `changes` applied (a value of
    None drops the parameter): `page_url(request, after=cursor)`."""
    # A plain dict of the query's lists: `QueryDict.copy()` deep-copies every value, on
    # every list page's pagination links.
    params = dict(request.GET.lists())
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = [value]
    return "?" + urlencode(params, doseq=True)


def filter_control(bound: forms.BoundField) -> str:
    """ "select" or "text" for the filter fields `macros/forms.html` writes itself, "" for
    any other field (rendered by Django's form templates)."""
    field = bound.field
    if isinstance(field, forms.ChoiceField) and type(field.widget) is forms.Select:
        return "select"
    if isinstance(field, forms.CharField) and type(field.widget) is forms.TextInput:
        return "text"
    return ""


def _in_reader_zone(value: Any) -> Any:
    # Django's date filters get aware values in the active time zone; so do these.
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def moment_parts(value: Any, format: str = "DATETIME_FORMAT") -> tuple[str, str]:
    """(ISO 8601, localised text) of a moment in the reader's time zone and language."""
    return formatting.moment(value, format)


def localtime(value: Any) -> Any:
    return _in_reader_zone(value)


def date(value: Any, format: str = "DATE_FORMAT") -> str:
    """`{{ when|date }}`, `{{ when|date("DATETIME_FORMAT") }}` or `{{ when|date("c") }}`:
    a setting's name or a format string, in the active language and time zone."""
    if value in (None, ""):
        return ""
    return formatting.date(value, format)


def time(value: Any, format: str = "TIME_FORMAT") -> str:
    if value in (None, ""):
        return ""
    return formats.time_format(_in_reader_zone(value), format)


def since(value: Any, now: Any = None) -> str:
    return timesince(value, now) if value else ""


def until(value: Any, now: Any = None) -> str:
    return timeuntil(value, now) if value else ""


# Django's translations, kept per catalogue and message: a list page asks for the same few
# labels row after row, and each lookup through Django's catalogues costs as much as the
# rest of a short row. The key is the active language's catalogue itself, so catalogues
# read again (new translations compiled) are looked up afresh.
@lru_cache(maxsize=4096)
def _translated(catalogue: Any, message: str) -> str:
    return translation.gettext(message)


@lru_cache(maxsize=4096)
def _translated_plural(catalogue: Any, singular: str, plural: str, number: int) -> str:
    return translation.ngettext(singular, plural, number)


@lru_cache(maxsize=4096)
def _shown_text(catalogue: Any, message: str, escaped: bool) -> str:
    text = translation.gettext(message)
    # Formatted even without variables ("100%%" shows "100%"), as Jinja's i18n does.
    # A translation is markup the project wrote (Jinja's i18n treats it the same way).
    return (Markup(text) if escaped else text) % {}  # noqa: S704


@pass_context
def template_gettext(context: Context, message: str, **variables: Any) -> str:
    """`_("…")`, `gettext` and `{% trans %}` in templates: what Jinja's "newstyle" i18n
    callables do (a Markup where the template escapes, formatted with the keywords), in
    one call rather than three, and a label without variables kept per catalogue. Pages
    ask for dozens of labels; through Jinja's wrappers they cost more than a short row."""
    escaped = context.eval_ctx.autoescape
    if not variables:
        return _shown_text(trans_real.catalog(), message, escaped)
    text = _translated(trans_real.catalog(), message)
    return (Markup(text) if escaped else text) % variables  # noqa: S704 - see _shown_text


@pass_context
def template_ngettext(
    context: Context, singular: str, plural: str, number: int, **variables: Any
) -> str:
    """`ngettext` and `{% trans count=… %}…{% pluralize %}` in templates (see
    `template_gettext`); `num` is the number unless given."""
    variables.setdefault("num", number)
    text = _translated_plural(trans_real.catalog(), singular, plural, number)
    escaped = context.eval_ctx.autoescape
    return (Markup(text) if escaped else text) % variables  # noqa: S704 - see _shown_text


@lru_cache(maxsize=512)
def static(path: str) -> str:
    """The address of a static file: the same for the life of the process (the manifest of
    hashed names is read once), and looked up through the storage at some 40 µs a call,
    seven times for every page's layout alone."""
    return static_address(path)


@receiver(setting_changed)
def _forget_static_addresses(*, setting: str, **kwargs: Any) -> None:
    if setting in {"STATIC_URL", "STORAGES"}:
        static.cache_clear()


def user_display(user: Any) -> str:
    """What allauth's `{% user_display %}` tag shows for a person."""
    from allauth.account.utils import user_display as allauth_user_display

    return allauth_user_display(user)


# Request attributes holding the response's masked CSRF token and its hidden field.
_RESPONSE_TOKEN = "_commons_csrf_token"
_RESPONSE_INPUT = "_commons_csrf_input"


def _once_per_secret(request: HttpRequest, attribute: str, make):
    """`make(request)`, kept on the request while its CSRF secret stays the same (a
    sign-in in the same request rotates the secret, and a new token follows it)."""
    kept = getattr(request, attribute, None)
    secret = request.META.get("CSRF_COOKIE")
    if kept is not None and secret is not None and kept[0] == secret:
        return kept[1]
    value = make(request)
    setattr(request, attribute, (request.META.get("CSRF_COOKIE"), value))
    return value


def _response_token(request: HttpRequest) -> str:
    return _once_per_secret(request, _RESPONSE_TOKEN, get_token)


def _response_input(request: HttpRequest) -> SafeString:
    # Django's own hidden field, with a token masked for it.
    return _once_per_secret(request, _RESPONSE_INPUT, csrf_input_of)


def csrf_context(request: HttpRequest) -> dict:
    """`csrf_token` and `csrf_input` masked once per response, as in Django's own template
    language, where a page's forms share one token: the Jinja2 backend's lazy values
    masked the token again at every use (each masking draws 32 characters from the
    system's random generator), six times on a thread page. The later templates of the
    same response (partials, form fields) share them too.
    """
    return {
        "csrf_token": _lazy_token(request),
        "csrf_input": _lazy_input(request),
    }


_lazy_token = lazy(_response_token, str)
_lazy_input = lazy(_response_input, SafeString, str)


def environment(**options: Any) -> Environment:
    options["extensions"] = [*options.get("extensions", []), *EXTENSIONS]
    # Escaping is never a per-engine choice: text templates turn it off in the template.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.policies["ext.i18n.trimmed"] = TRIMMED
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    # In place of the extension's own (Jinja's newstyle wrappers around Django's functions,
    # and `_` an alias calling `gettext` through the context): the same behaviour, cached.
    env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    env.globals.update(
        {
            "url": url,
            "static": static,
            # Read at render time so a changed setting shows in the next page; pages
            # rendered with a request also get it from the context processor.
            "site_name": lazy(lambda: settings.SITE_NAME, str)(),
            "get_current_language": translation.get_language,
            "get_current_timezone": timezone.get_current_timezone_name,
            "user_display": user_display,
            "page_url": page_url,
            "filter_control": filter_control,
            "moment_parts": moment_parts,
        }
    )
    env.filters.update(
        {
            "date": date,
            "time": time,
            "localtime": localtime,
            "timesince": since,
            "timeuntil": until,
            "number": formatting.number,
            "linebreaksbr": lambda value: linebreaksbr(value, autoescape=True),
        }
    )
    return env
