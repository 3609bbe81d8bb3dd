"""`manage.py update_catalogues` puts the strings of Python, Django templates and Jinja2
templates into one catalogue per language, keeps translations made for any of them, and a
translated Jinja2 string shows in the email once compiled."""

import pytest
from babel.messages.pofile import read_po, write_po
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.translation import trans_real

from communities.emails import send_invitation_emails
from tests.communities.factories import CommunityFactory, email_invitation, owner_of

pytestmark = pytest.mark.django_db

# Each exists in one kind of source only.
JINJA2_HTML = "You received this email because someone invited you to %(site_name)s."
JINJA2_TEXT = "Accept the invitation:"
DJANGO_TEMPLATE = "Django administration"  # the admin keeps its Django templates
PYTHON = "%(name)s invites you to %(community)s on %(site)s"

FRENCH = {
    JINJA2_HTML: "Ce message vous parvient car une personne vous invite sur %(site_name)s.",
    JINJA2_TEXT: "Pour accepter :",
    PYTHON: "%(name)s vous invite dans %(community)s sur %(site)s",
}


def forget_loaded_translations() -> None:
    # Catalogues are read once per process; the new .mo must be read again.
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()


@pytest.fixture
def locale_dir(settings, tmp_path):
    settings.LOCALE_PATHS = [str(tmp_path)]
    yield tmp_path
    forget_loaded_translations()


def french_catalogue(locale_dir):
    with open(locale_dir / "fr" / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po)


def files_of(message) -> set[str]:
    return {filename for filename, _line in message.locations}


def test_strings_from_python_django_and_jinja2_templates_land_in_one_catalogue(locale_dir):
    call_command("update_catalogues", locale=["fr"], verbosity=0)

    catalogue = french_catalogue(locale_dir)
    assert [path.name for path in locale_dir.iterdir()] == ["fr"]
    assert files_of(catalogue[JINJA2_HTML]) == {"jinja2/communities/email/invitation.html"}
    assert files_of(catalogue[JINJA2_TEXT]) == {"jinja2/communities/email/invitation.txt"}
    assert files_of(catalogue[DJANGO_TEMPLATE]) == {"templates/admin/base_site.html"}
    assert files_of(catalogue[PYTHON]) == {"communities/emails.py"}
    assert "python-format" in catalogue[JINJA2_HTML].flags
    # French plural rules, as makemessages writes them for a new catalogue.
    assert catalogue.plural_forms == "nplurals=2; plural=(n > 1);"


def test_every_site_language_but_the_source_one_by_default(locale_dir):
    call_command("update_catalogues", verbosity=0)

    assert sorted(path.name for path in locale_dir.iterdir()) == ["de", "es", "fr"]


def test_a_translated_jinja2_string_survives_the_next_run_and_shows_in_the_email(
    locale_dir, mailoutbox, django_capture_on_commit_callbacks
):
    call_command("update_catalogues", locale=["fr"], verbosity=0)
    catalogue = french_catalogue(locale_dir)
    for msgid, msgstr in FRENCH.items():
        catalogue[msgid].string = msgstr
    with open(locale_dir / "fr" / "LC_MESSAGES" / "django.po", "wb") as po:
        write_po(po, catalogue)

    call_command("update_catalogues", locale=["fr"], compile=True, verbosity=0)

    catalogue = french_catalogue(locale_dir)
    assert {msgid: catalogue[msgid].string for msgid in FRENCH} == FRENCH
    assert (locale_dir / "fr" / "LC_MESSAGES" / "django.mo").exists()

    community = CommunityFactory(name="Flotte verte")
    invitation = email_invitation(community, "victor@globex.example")
    inviter = owner_of(community).name
    forget_loaded_translations()
    with django_capture_on_commit_callbacks(execute=True), translation.override("fr"):
        send_invitation_emails([invitation])

    [message] = mailoutbox
    [(html, _kind)] = message.alternatives
    assert message.subject == f"{inviter} vous invite dans Flotte verte sur Commons"
    assert "Ce message vous parvient car une personne vous invite sur Commons." in html
    assert "Pour accepter : http://127.0.0.1:8000/invitations/" in message.body
    assert JINJA2_TEXT not in message.body


def test_without_gettext_the_command_says_what_to_install(locale_dir, monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    with pytest.raises(CommandError, match=r"sudo apt-get install gettext"):
        call_command("update_catalogues", locale=["fr"], verbosity=0)

    assert not (locale_dir / "fr").exists()
