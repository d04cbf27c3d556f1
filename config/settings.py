"""Settings for the magnesium tracker: one module, driven by the environment.

See README.md for the variables. Nothing here has a production default that is unsafe:
DEBUG is off unless DJANGO_DEBUG asks for it, and then a secret key is required.
"""

import re
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

from config.env import (
    ImproperEnvironment,
    cache_settings,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperEnvironment(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string in production, "
            "or set DJANGO_DEBUG=1 for local development (make run does this)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts",
    "tracker",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "ninja",
    "api",
    "django_tasks",
    "django_tasks_db",
]
# The benchmark's app (bench/: `manage.py seed_bench`, the minimal view): installed only when
# benchmarking. DJANGO_BENCH=1 installs it; DJANGO_BENCH_VIEWS=1 also routes its view.
if env_bool("DJANGO_BENCH", False) or env_bool("DJANGO_BENCH_VIEWS", False):
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    # A signed-in person's pages are never stored by browsers or proxies.
    "accounts.middleware.PrivateCacheMiddleware",
    "accounts.middleware.AccountGoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), BASE_DIR)}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Persistent connections: each worker keeps its connection this many seconds (0: one per
    # request), checked before reuse so a restarted server or pgbouncer is not an error page.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DJANGO_CONN_HEALTH_CHECKS", True)
    # pgbouncer in transaction pooling mode hands each transaction to any server connection,
    # where a named cursor of an earlier transaction does not exist (README: several servers).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DJANGO_DISABLE_SERVER_SIDE_CURSORS", False
    )
# The planner's cost of a random page read, set on each new connection (tracker/apps.py).
PG_RANDOM_PAGE_COST = env_str("DJANGO_PG_RANDOM_PAGE_COST", "1.1").strip()
if PG_RANDOM_PAGE_COST and not re.fullmatch(r"\d{1,3}(\.\d{1,3})?", PG_RANDOM_PAGE_COST):
    raise ImproperEnvironment(
        f"DJANGO_PG_RANDOM_PAGE_COST must be a number such as 1.1; got {PG_RANDOM_PAGE_COST!r}"
    )

# Rendered dashboard, day, week and history pages, per person, until their data changes
# (tracker/page_cache.py). Local memory per worker process, or Redis shared by all with
# REDIS_URL (below); the version that invalidates them is in the database. 0 seconds turns
# the page cache off.
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 600)
# Pages above PAGE_CACHE_MAX_PAGE_BYTES are rendered every time rather than kept, and the
# whole page cache of a worker stays under DJANGO_PAGE_CACHE_MAX_MB (least recently used
# pages go first): one person's huge day page or endless ?v=N URLs cannot grow a worker.
PAGE_CACHE_MAX_PAGE_BYTES = env_int("DJANGO_PAGE_CACHE_MAX_PAGE_KB", 512) * 1024
PAGE_CACHE_MAX_BYTES = env_int("DJANGO_PAGE_CACHE_MAX_MB", 32) * 1024 * 1024
# REDIS_URL (redis://host:6379/0) shares both caches, and so the page cache, the rate limits
# and the sessions, between every app server (README: "Several app servers"); without it each
# worker process keeps its own in local memory.
REDIS_URL = env_redis_url("REDIS_URL")
CACHES = cache_settings(
    redis_url=REDIS_URL,
    key_prefix=env_str("DJANGO_CACHE_KEY_PREFIX", "mg"),
    page_seconds=PAGE_CACHE_SECONDS,
    page_max_bytes=PAGE_CACHE_MAX_BYTES,
    page_max_value_bytes=PAGE_CACHE_MAX_PAGE_BYTES,
)
if REDIS_URL:
    # Sessions read from Redis, written through to the database: a Redis restart signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Requests per API token per minute (api/throttle.py); more get 429.
API_RATE_PER_MINUTE = env_int("DJANGO_API_RATE_PER_MINUTE", 120)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "dashboard"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day

AUTHENTICATION_BACKENDS = [
    # Counts failed log-ins and refuses locked-out ones before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Reverse proxies in front of the app that append to X-Forwarded-For (README: production).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
# The lock-out counts per real client address, not per proxy (accounts/client_ip.py).
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
# Lock the pair (account, address): one attacker cannot lock a person out from everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from npm into node_modules/ and are served by the app itself.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads (import) are capped; the import view gives its own clear message for the limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: console by default so a fresh checkout shows warnings in the terminal.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "magnesium-tracker@localhost")
# The address people reach the app at, for links in e-mails sent outside a request.
SITE_URL = env_str("DJANGO_SITE_URL", "http://127.0.0.1:8000")

# Work outside a request (reminders, refill notices, warning e-mails) runs on Django's Tasks
# API with the database backend: no other server, and `manage.py db_worker` may run on
# several machines (README "Reminders and the task queue").
TASKS = {
    "default": {
        "BACKEND": env_str("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A warning e-mail waits this long, so that an entry undone at once sends nothing.
WARNING_EMAIL_DELAY_SECONDS = env_int("DJANGO_WARNING_EMAIL_DELAY_SECONDS", 300)
# /healthz/queue answers 503 when the oldest due task has waited longer than this.
TASK_QUEUE_STUCK_SECONDS = env_int("DJANGO_TASK_QUEUE_STUCK_SECONDS", 300)
# Web Push (VAPID): `manage.py make_vapid_keys` prints a pair; empty = push is not offered.
VAPID_PUBLIC_KEY = env_str("DJANGO_VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env_str("DJANGO_VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("DJANGO_VAPID_SUBJECT", "mailto:magnesium-tracker@localhost")

# Production hardening, switched on from the environment (README: "Running in production").
# Off by default so that a plain `manage.py runserver` or the test client works over HTTP;
# `manage.py check --deploy` names any of these a deployment forgot.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy: only this server's own scripts, styles and images; no inline script
# or style anywhere (page data reaches scripts through json_script). img-src allows data: for
# the SVG icons inside Bootstrap's CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}
