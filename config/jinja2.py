"""The site's Jinja2 environment: core's (addresses, translation, dates) plus what each
app offers its templates in its `templating` module (`GLOBALS`, `FILTERS`)."""

from importlib import import_module
from typing import Any

from jinja2 import Environment

from core.jinja2 import environment as core_environment

TEMPLATING_MODULES = ["accounts.templating", "discussions.templating"]


def environment(**options: Any) -> Environment:
    env = core_environment(**options)
    for name in TEMPLATING_MODULES:
        module = import_module(name)
        env.globals.update(getattr(module, "GLOBALS", {}))
        env.filters.update(getattr(module, "FILTERS", {}))
    return env
