"""Every translatable string, from Python, Django templates and Jinja2 templates, into
locale/<language>/LC_MESSAGES/django.po for each of the site's languages.

Django's makemessages reads Python and Django templates (with GNU gettext's xgettext) but
would read Jinja2 templates as Django ones, so it skips the Jinja2 folders; Babel reads those
with Jinja2's own parser, and their strings join the same template (.pot) before it is
merged into each language's catalogue, so translations already made for any of them stay.
"""

import os
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import write_po
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import makemessages
from django.core.management.utils import find_command, popen_wrapper
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from jinja2.ext import babel_extract

from core.jinja2 import EXTRACT_OPTIONS

GETTEXT_MISSING = (
    "GNU gettext's tools ({}) are missing. Install them (Debian/Ubuntu: "
    "sudo apt-get install gettext), or run `make messages`, which does it as root."
)


def jinja2_template_dirs() -> list[Path]:
    return [
        Path(directory)
        for engine in engines.all()
        if isinstance(engine, Jinja2)
        for directory in engine.template_dirs
    ]


def jinja2_catalog(base_dir: Path) -> Catalog:
    """The strings of every Jinja2 template, located relative to `base_dir`."""
    catalog = Catalog(charset="utf-8")
    for directory in jinja2_template_dirs():
        if not directory.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            directory,
            method_map=[("**", babel_extract)],
            options_map={"**": EXTRACT_OPTIONS},
            keywords=DEFAULT_KEYWORDS,
            comment_tags=("Translators",),
        ):
            location = os.path.relpath(directory / filename, base_dir)
            catalog.add(
                message, None, [(location, lineno)], auto_comments=comments, context=context
            )
    return catalog


def require(*programs: str) -> None:
    missing = [program for program in programs if find_command(program) is None]
    if missing:
        raise CommandError(GETTEXT_MISSING.format(", ".join(missing)))


def run(args: list[str]) -> None:
    _, errors, status = popen_wrapper(args)
    if status:
        raise CommandError(f"{args[0]} failed:\n{errors}")


class Command(makemessages.Command):
    help = (
        "Extract translatable strings from Python, Django templates and Jinja2 templates into "
        "locale/<language>/LC_MESSAGES/django.po, for every language in LANGUAGES but the "
        "source language (LANGUAGE_CODE) unless --locale names some; --compile also writes "
        "the .mo files the site reads."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--compile",
            action="store_true",
            help="Compile the updated catalogues (msgfmt --check-format) afterwards.",
        )

    def handle(self, *args, **options):
        base_dir = Path(settings.BASE_DIR)
        if options["domain"] != "django":
            raise CommandError("Only the 'django' domain holds the site's strings.")
        if not (options["locale"] or options["exclude"] or options["all"]):
            options["locale"] = [
                code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE
            ]
        # Django's extractor would misread Jinja2 syntax; Babel reads those folders instead.
        options["ignore_patterns"] = [
            *options["ignore_patterns"],
            *(
                os.path.relpath(directory, base_dir)
                for directory in jinja2_template_dirs()
                if directory.is_relative_to(base_dir)
            ),
            "var",
            "tests",
            "node_modules",
        ]
        require("xgettext", "msguniq", "msgmerge", "msgattrib", "msgcat")
        if options["compile"]:
            require("msgfmt")
        self.base_dir = base_dir
        self.written: list[Path] = []
        previous = os.getcwd()
        # makemessages reads the folder it runs in.
        os.chdir(base_dir)
        try:
            super().handle(*args, **options)
        finally:
            os.chdir(previous)
        if options["compile"]:
            self.compile()

    def build_potfiles(self) -> list[str]:
        potfiles = super().build_potfiles()
        catalog = jinja2_catalog(self.base_dir)
        if not len(catalog):
            return potfiles
        potfile = os.path.join(self.default_locale_path, f"{self.domain}.pot")
        with tempfile.TemporaryDirectory() as scratch:
            jinja_pot = os.path.join(scratch, "jinja2.pot")
            with open(jinja_pot, "wb") as out:
                write_po(out, catalog, width=79)
            if os.path.exists(potfile):
                # The first file's header and, for a string in both, the union of
                # their locations and flags.
                run(["msgcat", "--use-first", "-o", potfile, potfile, jinja_pot])
            else:
                run(["msgcat", "-o", potfile, jinja_pot])
        if potfile not in potfiles:
            potfiles.append(potfile)
        return potfiles

    def write_po_file(self, potfile: str, locale: str) -> None:
        super().write_po_file(potfile, locale)
        pofile = Path(potfile).parent / locale / "LC_MESSAGES" / f"{self.domain}.po"
        # makemessages lists ./locale twice when LOCALE_PATHS names it too.
        if pofile not in self.written:
            self.written.append(pofile)

    def compile(self) -> None:
        """What compilemessages does, for the catalogues this run wrote only."""
        for pofile in self.written:
            mofile = pofile.with_suffix(".mo")
            run(["msgfmt", "--check-format", "-o", str(mofile), str(pofile)])
            if self.verbosity > 0:
                self.stdout.write(f"compiled {mofile}")
