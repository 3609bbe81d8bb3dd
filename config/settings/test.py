"""Tests: the real database and Redis when their URLs are set, tasks run eagerly."""

import os
from pathlib import Path
from urllib.parse import urlparse

os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")


def _per_test_process(variable: str, derive) -> None:
    """Under pytest-xdist each test process gets its own Redis databases and data folder,
    so one process clearing its cache or queue never touches another's. The value first
    given is kept in COMMONS_TEST_BASE_<variable>, so a worker process a test starts (which
    inherits both) derives the same value instead of shifting it again."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    base_key = f"COMMONS_TEST_BASE_{variable}"
    base = os.environ.setdefault(base_key, os.environ.get(variable, ""))
    if worker.startswith("gw") and worker[2:].isdigit() and int(worker[2:]) > 0:
        os.environ[variable] = derive(base, int(worker[2:]))


def _redis_for_worker(url: str, index: int) -> str:
    """redis://host/0 -> redis://host/2 for the second process (the cache takes the next
    database, so each process needs two)."""
    if not url:
        return url
    parts = urlparse(url)
    database = (int(parts.path.strip("/") or 0) + 2 * index) % 16
    return parts._replace(path=f"/{database}").geturl()


def _data_dir_for_worker(path: str, index: int) -> str:
    root = Path(path) if path else Path(__file__).resolve().parents[2] / "var"
    return str(root / f"test-process-{index}")


_per_test_process("REDIS_URL", _redis_for_worker)
_per_test_process("DATA_DIR", _data_dir_for_worker)

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import DATA_DIR, DATABASES, env  # noqa: E402

SECRET_KEY = "test-only-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
MEDIA_ROOT = DATA_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so a worker process started by a test sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-commons.sqlite3")}
DEV_MAILBOX_ENABLED = False
# Static files come from the app folders directly; nothing is collected for tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A worker process a test starts (tests/worker_support.py) sends the tasks it schedules
# itself (a fan-out's emails) to the test's own queue, as the test process does, rather
# than to the shared routed queues nothing in the test consumes.
if env("CELERY_TEST_QUEUE", ""):
    CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TEST_QUEUE", "")
    CELERY_TASK_ROUTES = {}
