"""Liptako's one settings module, configured by environment variables.

See README.md ("Configuration") for the variables. Everything an instance writes lives in
``LIPTAKO_HOME`` (default ``var/`` in the checkout), so two homes are two separate instances.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from liptako.environment import (
    env_base_url,
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_str,
    env_timezone,
    home_directory,
    secret_key,
)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent
LIPTAKO_HOME = home_directory(PROJECT_ROOT)

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = secret_key(LIPTAKO_HOME)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django_htmx",
    "ninja",  # its bundled Swagger UI assets: the API docs load nothing from a CDN
    "liptako.core",
    "liptako.audit",
    "liptako.accounts",
    "liptako.alliance",
    "liptako.plans",
    "liptako.validation",
    "liptako.meetings",
    "liptako.monitoring",
    "liptako.documents",
    "liptako.api",
    "liptako.demo",
    # After Liptako's apps: their catalogues win over django-otp's French ("Log in").
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # passkeys, one more second-factor device (decision 0220)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files need no policy, and slow links save its bytes on them.
    "csp.middleware.CSPMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "liptako.core.middleware.MarkingBannerMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liptako.core.middleware.FrenchFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before CSRF and idempotency, which read the body: pages' upload limits (core/uploads.py).
    "liptako.core.uploads.BodyLimitMiddleware",
    "liptako.api.middleware.NullCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Below authentication: both need to know who is asking.
    "liptako.core.middleware.PrivateResponsesMiddleware",
    # Every page requires a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Absolute session lifetime, then the second factor (docs/security/authentication.md).
    "liptako.accounts.middleware.SessionLifetimeMiddleware",
    "liptako.accounts.middleware.SecondFactorMiddleware",
    "liptako.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "liptako.core.middleware.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liptako.urls"
WSGI_APPLICATION = "liptako.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liptako.core.context_processors.marking",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        f"sqlite:///{LIPTAKO_HOME / 'liptako.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock at BEGIN (no "database is locked" half-way through a request),
    # readers never wait for writers (WAL), and a busy writer is waited for, not failed.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("LIPTAKO_TEST_SQLITE_NAME", "") or None}
# The few hot reads compiled once (liptako.core.compiled) run as prepared statements on
# PostgreSQL, planned once per connection with one generic plan (decision 0230). Django's own
# queries are bound on the client and never prepared, whatever these options say. Set
# DATABASE_PREPARED_STATEMENTS=0 behind a pooler that cannot keep prepared statements
# (PgBouncer in transaction mode before 1.21).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASE_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"].startswith(
    "django.db.backends.postgresql"
):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["prepare_threshold"] = 0
    _generic_plans = "-c plan_cache_mode=force_generic_plan"
    _options["options"] = f"{_options.get('options', '')} {_generic_plans}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sessions ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle timeout: a session expires after this many minutes without a request. Its expiry is
# pushed back by the first request of each minute (SESSION_RENEW_SECONDS), not by every
# request: a write per page view was the largest cost of an API read (decision 0225).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_RENEW_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute timeout: a session ends this many hours after its log-in, however active.
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login lockout (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair is locked for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Two-factor authentication (django-otp): TOTP apps and single-use recovery codes. Required for
# the roles of accounts.models.SECOND_FACTOR_ROLES, optional for the others.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Liptako")
RECOVERY_CODE_COUNT = 10

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
# Each app keeps its own catalogue in <app>/locale (docs/decisions/0002-translations.md).
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage; pages use the user's zone (accounts.User.timezone)
DEFAULT_USER_TIMEZONE = env_timezone("DEFAULT_USER_TIMEZONE", "Africa/Bamako")
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["liptako.formats"]  # English dates day-first, 24-hour (decision 0009)

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = LIPTAKO_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = LIPTAKO_HOME / "files"  # never served directly: views check permissions
# No request body above this is read (core/uploads.py); pages have lower limits of their own.
LIPTAKO_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "liptako.core.uploads.UploadCeilingHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Hashed, compressed names with far-future caching under `liptako serve`, which runs
# `collectstatic` then starts gunicorn with LIPTAKO_STATIC_MANIFEST=1; plain files straight from
# the apps otherwise (development, tests), so a stale manifest never breaks a page
# (docs/decisions/0006-static-files.md).
_MANIFEST_READY = env_bool("LIPTAKO_STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "liptako.core.static_storage.ManifestStaticFilesStorage"
        if _MANIFEST_READY
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _MANIFEST_READY
# Pages only link hashed names, so only those are kept and compressed; source maps (megabytes
# in the API docs' bundles) are for developers: copied, not compressed. Both keep the start of
# `liptako serve` short.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Liptako <liptako@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers -----------------------------------------------------------------------
# LIPTAKO_HTTPS=1 when served over TLS (usually behind a reverse proxy that sets
# X-Forwarded-Proto): secure cookies, HSTS and the redirect to https.
HTTPS = env_bool("LIPTAKO_HTTPS", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse these cookies unless they are Secure, set by
    # this very host (no Domain) for the whole site (Path=/): a sibling subdomain cannot
    # plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy (django-csp): only this origin's own files; no inline script or style
# (marking colours come from a stylesheet view, decision 0160), no plugins, no <base>, no
# framing. data: images: Swagger UI's icons and QR codes drawn as data URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}
SILENCED_SYSTEM_CHECKS = ["security.W021"] if HTTPS else []  # HSTS preload is the owner's call

# --- Liptako ---------------------------------------------------------------------------------
# The instance's own Ed25519 key (audit checkpoints); generated on first use.
INSTANCE_SIGNING_KEY_PATH = LIPTAKO_HOME / "instance_ed25519.pem"
PAGE_SIZE = env_int("PAGE_SIZE", 25, minimum=1)
# Address of the instance as users reach it, for the absolute links of mail and calendars
# (core.links.absolute_url). `check --deploy` fails when it is unset in production.
LIPTAKO_BASE_URL = env_base_url("LIPTAKO_BASE_URL") or ("http://127.0.0.1:8000" if DEBUG else "")

# Passkeys (django-otp-webauthn) as a second factor, never instead of the password (decision
# 0220). The relying party is the host users open (LIPTAKO_BASE_URL), or a parent domain of it
# given as OTP_WEBAUTHN_RP_ID; browsers refuse IP addresses, so development and tests use
# "localhost", where any port is accepted (accounts.passkeys.LiptakoWebAuthnHelper).
_BASE_HOST = urlsplit(LIPTAKO_BASE_URL).hostname or ""
OTP_WEBAUTHN_RP_ID = env_str("OTP_WEBAUTHN_RP_ID", "") or (
    _BASE_HOST if _BASE_HOST and not _is_ip_address(_BASE_HOST) else "localhost"
)
OTP_WEBAUTHN_RP_NAME = "Liptako"
OTP_WEBAUTHN_ALLOWED_ORIGINS = (
    [_origin(LIPTAKO_BASE_URL)]
    if LIPTAKO_BASE_URL and not _is_ip_address(_BASE_HOST)
    else ["http://localhost:8000"]
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "liptako.accounts.passkeys.LiptakoWebAuthnHelper"
OTP_WEBAUTHN_TIMEOUT_SECONDS = 120

_LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", _LOG_LEVELS)},
    "loggers": {"axes": {"level": "WARNING"}},
}
