"""Settings shared by every run mode; every behaviour is read from the environment.

`local.py` and `test.py` relax these defaults, `production.py` only tightens them.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", "Commons")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "core",
    "accounts",
    "purposes",
    "communities",
    "discussions",
    "notifications",
    "api",
    "moderation",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    # Our pages, partials and emails are Jinja2 templates in `jinja2/`; a name is rendered
    # by the first engine that has it, so these override allauth's pages. Django's own
    # form templates come from django.forms' `jinja2/` folder (APP_DIRS).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "config.jinja2.environment",
            "autoescape": True,
            # The backend adds `request`, `csrf_input` and `csrf_token` itself; these
            # run only for templates rendered with a request. Unlike Django's engine, it
            # lets them overwrite the caller's values (in the caller's own dict, which
            # allauth reuses for the text part of an email), so none may offer a name a
            # caller passes: no `user` (auth's processor); templates read `viewer`.
            "context_processors": [
                "core.context_processors.viewer",
                "core.jinja2.csrf_context",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "core.context_processors.site",
                "core.context_processors.csp_nonce",
                "accounts.context_processors.administrator",
            ],
        },
    },
    # The Django admin's templates, allauth's flash message texts and the pages of its
    # features turned off here (sign-in codes, passkeys, ...), and the bench's yardstick page.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "core.context_processors.site",
                "core.context_processors.csp_nonce",
                "accounts.context_processors.administrator",
            ],
        },
    },
]
# Widgets and fields render through the engines above (Jinja2 first), not a private engine.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"


def without_jit(options: dict) -> dict:
    """PostgreSQL connection options with JIT compilation off, the others kept."""
    return {**options, "options": f"{options.get('options', '')} -c jit=off".strip()}


DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'commons.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Web requests and the worker share the file: wait for a lock instead of failing.
    # Transactions take the write lock when they begin, so two writers queue for it
    # instead of one failing with "database is locked" when it upgrades a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT compilation: PostgreSQL compiles any query it estimates above a cost
    # threshold, and a search reading posts newest first until it has enough matches is
    # estimated far above it (as if it read them all) while it runs in milliseconds;
    # compiling it took 50 to 100 ms on every request. Our queries are short; none gains.
    DATABASES["default"]["OPTIONS"] = without_jit(DATABASES["default"].get("OPTIONS", {}))
    # Django's backend, with the reads a connection repeats prepared on the server
    # (planned once, not on every request): see core/postgresql/base.py.
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    DATABASES["default"]["OPTIONS"]["prepare_statements"] = env_bool("DB_PREPARE_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")


def next_redis_database(url: str) -> str:
    """redis://host:6379/0 -> redis://host:6379/1.

    The cache gets a database of its own because clearing a Redis cache flushes its whole
    database, which must never take the task queue with it.
    """
    parts = urlparse(url)
    current = int(parts.path.strip("/") or 0)
    return parts._replace(path=f"/{current + 1}").geturl()


REDIS_CACHE_URL = env("REDIS_CACHE_URL") or (next_redis_database(REDIS_URL) if REDIS_URL else "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "commons"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database, so a cache flush or a Redis restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.CommonsAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# allauth: email is the login, verification is required before anyone can take part.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
# The sign-up form says plainly when an address is taken; rate limits bound how far
# anyone can use that to probe for accounts.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# How many proxies of one's own stand in front of the app. Rate limits per address (the
# sign-in limits and core.ratelimit) then read the client's address from X-Forwarded-For
# at that depth; with 0 the header is never believed (anyone could write it).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

ACCOUNT_RATE_LIMITS = {
    "login": env("RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": env("RATE_LIMIT_SIGNUP", "20/m/ip"),
    "reset_password": env("RATE_LIMIT_RESET_PASSWORD", "20/m/ip,5/m/key"),
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
SOCIALACCOUNT_AUTO_SIGNUP = True
# The organisation's own identity provider is trusted to vouch for addresses it verified.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ONLY = False

OIDC_PROVIDER_ID = env("OIDC_PROVIDER_ID", "sso")
OIDC_SERVER_URL = env("OIDC_SERVER_URL")
SOCIALACCOUNT_PROVIDERS: dict = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = [
        {
            "provider_id": OIDC_PROVIDER_ID,
            "name": env("OIDC_NAME", "Single sign-on"),
            "client_id": env("OIDC_CLIENT_ID"),
            "secret": env("OIDC_CLIENT_SECRET"),
            "settings": {"server_url": OIDC_SERVER_URL},
        }
    ]

# Who joins through open sign-up with an address no organisation owns.
COMMONS_DEFAULT_MEMBER_TYPE = env("DEFAULT_MEMBER_TYPE", "customer")
AVATAR_MAX_UPLOAD_BYTES = env_int("AVATAR_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
AVATAR_SIZE_PX = 256
# Pictures are refused by the pixel count their header claims, before they are decoded.
AVATAR_MAX_PIXELS = env_int("AVATAR_MAX_PIXELS", 40_000_000)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024


def parse_email_url(url: str) -> dict:
    """Turn smtp://user:password@host:port?tls=1 into Django's EMAIL_* settings."""
    parts = urlparse(url)
    query = parse_qs(parts.query)
    flag = lambda key: query.get(key, ["0"])[0].lower() in {"1", "true", "yes"}  # noqa: E731
    return {
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": flag("tls"),
        "EMAIL_USE_SSL": parts.scheme == "smtps" or flag("ssl"),
    }


EMAIL_URL = env("EMAIL_URL")
if EMAIL_URL:
    globals().update(parse_email_url(EMAIL_URL))
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_HOST = env("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
    EMAIL_DELIVERY_BACKEND = env(
        "EMAIL_DELIVERY_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
    )
EMAIL_TIMEOUT = 20
# Every message goes through the queue; the worker hands it to EMAIL_DELIVERY_BACKEND.
EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
DEV_MAILBOX_DIR = DATA_DIR / "mail"

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _queue_dir = DATA_DIR / "queue"
    # The folder transport fails on a missing folder instead of creating it.
    for _folder in ("messages", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "messages"),
        "data_folder_out": str(_queue_dir / "messages"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
else:
    # Redis hands a message that was taken but not acknowledged to another worker after
    # this long: longer than the longest task and the longest retry delay (30 minutes for
    # email), or a task still running or waiting for its retry would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged once it has run, and a task whose worker process died is handed
# back to the queue; the outbox claim keeps a task that finished from running twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# No task outlives its outbox claim (OUTBOX_CLAIM_SECONDS), or the sweep could start it a
# second time; work that may take longer is split into chunks (prefork pools enforce this).
CELERY_TASK_SOFT_TIME_LIMIT = 12 * 60
CELERY_TASK_TIME_LIMIT = 13 * 60
# A queue per kind of work, so a digest run or a big fan-out never holds up account email.
# A worker started without --queues consumes all of them. Other apps add their tasks here
# (glob patterns on the task name); unrouted tasks go to "celery".
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name)
    for name in ("celery", "fanout", "email", "digests", "webhooks")
)
CELERY_TASK_ROUTES = {
    "core.send_email": {"queue": "email"},
    "*digest*": {"queue": "digests"},
    "*.fan_out*": {"queue": "fanout"},
    "*.send_*email*": {"queue": "email"},
    # Receivers answer slowly or not at all: their deliveries wait on their own queue.
    "webhooks.*": {"queue": "webhooks"},
}
# The outbox (core.outbox): a row still pending this long after it was last sent is sent
# again by the sweep (every minute); a run holds its row this long at most; after this many
# runs a row is given up as failed; done rows are forgotten after this many days.
OUTBOX_SWEEP_AFTER_SECONDS = env_int("OUTBOX_SWEEP_AFTER_SECONDS", 3 * 60)
OUTBOX_CLAIM_SECONDS = env_int("OUTBOX_CLAIM_SECONDS", 15 * 60)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 20)
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7)
# The email log (core.EmailDelivery), pruned once a day by beat: sent emails are forgotten
# this many days after they were sent, failed ones (and outbox rows given up as failed)
# after this many days, so an administrator has long enough to see why and resend.
EMAIL_LOG_KEEP_SENT_DAYS = env_int("EMAIL_LOG_KEEP_SENT_DAYS", 90)
EMAIL_LOG_KEEP_FAILED_DAYS = env_int("EMAIL_LOG_KEEP_FAILED_DAYS", 365)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The REST API (`api/`): personal access tokens or the session (with its CSRF check), JSON
# only, errors as RFC 9457 problem details, requests counted per token, person and address
# (RATE_LIMITS["api_*"]).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.scopes.SignedInToWrite"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.CommonsAutoSchema",
    "EXCEPTION_HANDLER": "api.problems.handle_exception",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": (
        "The same communities, threads and ideas as the pages, with the same access rule. "
        "Sign in with a personal access token (`Authorization: Bearer <token>`, made in "
        "Settings → API tokens) or the browser's session. Errors are RFC 9457 problem "
        "details (`application/problem+json`); lists are cursor-paginated (`next`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per set of choices, where fields of the same name hold different sets.
    "ENUM_NAME_OVERRIDES": {
        "MemberTypeEnum": "accounts.models.MemberType",
        "ThreadKindEnum": "discussions.models.ThreadKind",
        "ReactionKindEnum": "discussions.models.ReactionKind",
        "NewThreadKindEnum": ["discussion", "question"],
        "EmailDeliveryEnum": "notifications.models.EmailDelivery",
        "NotificationLevelEnum": "communities.models.NotificationLevel",
        "IdeaStatusEnum": "discussions.models.IdeaStatus",
        "NewIdeaStatusEnum": [
            "new",
            "under_review",
            "planned",
            "in_progress",
            "implemented",
            "declined",
        ],
        "PurposeStatusEnum": "purposes.models.PurposeStatus",
        "OrganisationKindEnum": "accounts.models.OrganisationKind",
    },
}

# Hosts that pictures in user Markdown may load from (besides this site's own paths), over
# https only; host names compare in lower case, as URLs give them.
MARKDOWN_IMAGE_HOSTS = {host.lower() for host in env_list("MARKDOWN_IMAGE_HOSTS")}

# Content Security Policy: scripts only from this site or carrying the response's nonce.
CSP_EXTRA_FORM_ACTION = env_list("CSP_EXTRA_FORM_ACTION")
if OIDC_SERVER_URL:
    _oidc = urlparse(OIDC_SERVER_URL)
    CSP_EXTRA_FORM_ACTION.append(f"{_oidc.scheme}://{_oidc.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # The Markdown sanitiser lets these hosts' pictures through; the browser must too.
        "img-src": [SELF, "data:", *(f"https://{host}" for host in sorted(MARKDOWN_IMAGE_HOSTS))],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *CSP_EXTRA_FORM_ACTION],
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
DEV_MAILBOX_ENABLED = False
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
COMMONS_OPEN_SIGNUP = env_bool("OPEN_SIGNUP", True)
INVITATIONS_PER_HOUR = env_int("INVITATIONS_PER_HOUR", 200)
POST_MAX_LENGTH = env_int("POST_MAX_LENGTH", 50000)
# New threads and replies one person may write in a minute (counted in the cache).
POSTS_PER_MINUTE = env_int("POSTS_PER_MINUTE", 10)
# People told of one event per bulk insert (a transaction each) when notifications fan out.
NOTIFICATIONS_CHUNK_SIZE = env_int("NOTIFICATIONS_CHUNK_SIZE", 2000)
# How often one person ("user") and one address ("ip") may repeat an action, in the syntax
# of ACCOUNT_RATE_LIMITS, counted in the cache (core.ratelimit); "" switches one off. An
# address counts everyone behind it (an office), hence its higher allowance.
RATE_LIMITS = {
    "votes": env("RATE_LIMIT_VOTES", "60/m/user,600/m/ip"),
    # Every other form that writes (posting, editing, moderating, settings, goals): a
    # ceiling no person reaches by hand, so a script is stopped without slowing anyone.
    "writes": env("RATE_LIMIT_WRITES", "60/m/user,600/m/ip"),
    "reactions": env("RATE_LIMIT_REACTIONS", "60/m/user,600/m/ip"),
    # Flags on posts, threads and profiles: a person flags a few things at a time.
    "flags": env("RATE_LIMIT_FLAGS", "10/m/user,100/m/ip"),
    "follows": env("RATE_LIMIT_FOLLOWS", "30/m/user,300/m/ip"),
    "joins": env("RATE_LIMIT_JOINS", "10/m/user,100/m/ip"),
    "invitations": env("RATE_LIMIT_INVITATIONS", "10/m/user,100/m/ip"),
    "lookups": env("RATE_LIMIT_LOOKUPS", "120/m/user,1200/m/ip"),
    "search": env("RATE_LIMIT_SEARCH", "30/m/user,300/m/ip"),
    # One-click unsubscribe POSTs come from mail servers, without a session.
    "unsubscribe": env("RATE_LIMIT_UNSUBSCRIBE", "600/m/ip"),
    # Every API request, per personal access token, per person signed in with the
    # session, and per visitor's address (api.throttling).
    "api_token": env("RATE_LIMIT_API_TOKEN", "600/m"),
    "api_session": env("RATE_LIMIT_API_SESSION", "600/m"),
    "api_anonymous": env("RATE_LIMIT_API_ANONYMOUS", "120/m"),
    # "Redeliver" and "Send a test event" on a webhook's delivery log: each is a request
    # to another server, so fewer than other writes.
    "webhook_deliveries": env("RATE_LIMIT_WEBHOOK_DELIVERIES", "10/m/user,100/m/ip"),
}

# Webhooks (`webhooks/`): signed POSTs to the endpoints administrators and community owners
# register. Endpoint addresses must resolve to public addresses, checked when saved and on
# the address each delivery connects to; these host names (lower case, no port) may
# resolve anywhere, loopback and private networks included, as an administrator decided.
WEBHOOK_ALLOWED_HOSTS = {host.lower() for host in env_list("WEBHOOK_ALLOWED_HOSTS")}
# Seconds to connect, and to wait for each read of the answer; no delivery lasts longer
# than twice this in all.
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10"))
# A delivery is tried this many times in all; the n-th retry waits BASE * 2**(n-1)
# seconds, at most MAX (under the broker's visibility timeout above).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_RETRY_BASE_SECONDS = float(env("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = float(env("WEBHOOK_RETRY_MAX_SECONDS", "3600"))
# An endpoint is switched off, and its owners told, once this many deliveries in a row
# failed for good (every attempt used).
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 5)
# Endpoints per community, and site-wide.
WEBHOOK_MAX_ENDPOINTS = env_int("WEBHOOK_MAX_ENDPOINTS", 20)
# Delivered and failed deliveries are forgotten this many days after they were made (beat,
# once a day).
WEBHOOK_LOG_KEEP_DAYS = env_int("WEBHOOK_LOG_KEEP_DAYS", 30)
