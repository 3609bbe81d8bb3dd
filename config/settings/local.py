"""The embedded default: SQLite, a worker on a folder queue, emails kept in a local mailbox."""

import os

os.environ.setdefault("DEBUG", "true")

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import BASE_DIR, env

SECRET_KEY = env("SECRET_KEY", "local-development-only-not-secret")
# Without an SMTP server configured, mail lands in a folder readable at /dev/mailbox/.
if not env("EMAIL_URL") and not env("EMAIL_DELIVERY_BACKEND"):
    EMAIL_DELIVERY_BACKEND = "core.mail.MailboxBackend"
DEV_MAILBOX_ENABLED = True
LOCALE_PATHS = [BASE_DIR / "locale"]
