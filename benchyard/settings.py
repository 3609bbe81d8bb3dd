"""Settings for `make bench` only: production, plus the yardstick page when asked for.

The bench runs gunicorn with `DJANGO_SETTINGS_MODULE=benchyard.settings` and
`BENCH_YARDSTICK=1`. Without that variable these are exactly the production settings;
`config.settings.production` itself never reads it, so no production setting can mount
the page.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import INSTALLED_APPS, env_bool

BENCH_YARDSTICK = env_bool("BENCH_YARDSTICK", False)
if BENCH_YARDSTICK:
    INSTALLED_APPS = [*INSTALLED_APPS, "benchyard"]
    ROOT_URLCONF = "benchyard.urls"
