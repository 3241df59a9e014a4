"""Settings shared by every environment. Everything that varies comes from the environment.

Environment variables:
- PROLOTRACK_DATA_DIR: where the SQLite database and other state live (default ./var).
- DATABASE_URL: postgres://... switches to PostgreSQL; unset means SQLite in the data dir.
- PROLOTRACK_SECRET_KEY, PROLOTRACK_ALLOWED_HOSTS (comma separated), PROLOTRACK_ENV.
- PROLOTRACK_REQUIRE_2FA=1: every account must use two-factor sign-in (always on in production).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PROLOTRACK_DATA_DIR", "var")).resolve()

SECRET_KEY = os.environ.get("PROLOTRACK_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("PROLOTRACK_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "prolotrack.clinics",
    "prolotrack.patients",
    "prolotrack.treatment",
    "prolotrack.audit",
    "prolotrack.outcomes",
    "prolotrack.safety",
    "prolotrack.followup",
    "prolotrack.assessment",
    "prolotrack.web",
    "prolotrack.signin",
    "prolotrack.emergency",
    "prolotrack.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "prolotrack.signin.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "prolotrack.web.middleware.NoStoreForAuthenticatedMiddleware",
    # After OTPMiddleware (which marks a verified session) and after the header middleware, so
    # its redirects carry the CSP and no-store headers too.
    "prolotrack.signin.two_factor_gate.TwoFactorMiddleware",
    # Last, so it turns a lockout flagged by the backend into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "prolotrack.settings.urls"
WSGI_APPLICATION = "prolotrack.settings.wsgi.application"
AUTH_USER_MODEL = "clinics.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "prolotrack.signin.middleware.session_timeout",
            ],
        },
    },
]


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite tuned for a clinical record: WAL, fsync on every commit, IMMEDIATE writers.

    `synchronous=FULL` keeps committed transactions across power loss in WAL mode;
    `BEGIN IMMEDIATE` takes the write lock at the start of a transaction so two writers
    queue on the busy timeout instead of failing half-way with "database is locked".
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000"
            ),
        },
    }


def database_from_environment() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return sqlite_database(DATA_DIR / "prolotrack.sqlite3")
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    )
    return config


DATABASES = {"default": database_from_environment()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Email (questionnaire invitations and reminders). Without PROLOTRACK_EMAIL_HOST nothing leaves
# the machine (demo clinics still keep a copy in their in-app outbox).
EMAIL_HOST = os.environ.get("PROLOTRACK_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("PROLOTRACK_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PROLOTRACK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PROLOTRACK_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("PROLOTRACK_EMAIL_TLS", "") == "1"
EMAIL_TIMEOUT = 15
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.dummy.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("PROLOTRACK_EMAIL_FROM", "prolotrack@localhost")
# The address patients' links point to.
PROLOTRACK_BASE_URL = os.environ.get("PROLOTRACK_BASE_URL", "http://127.0.0.1:8000")

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

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Sign-in: django-axes checks every authenticate() call, which must carry the request (the login
# form does) and locks a (username, address) pair after 5 failures for 15 minutes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# 15 minutes from the lockout: attempts during the lockout do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"

# Sessions end after 15 minutes idle and 12 hours after sign-in (prolotrack.signin.middleware);
# the page warns at 13 minutes and offers to stay signed in.
PROLOTRACK_SESSION_IDLE_SECONDS = 15 * 60
PROLOTRACK_SESSION_WARN_SECONDS = 13 * 60
PROLOTRACK_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
# The last-request time is saved at most once a minute (a session write per request otherwise).
PROLOTRACK_SESSION_ACTIVITY_RESOLUTION_SECONDS = 60
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # sessions_end needs them in the database

# Two-factor authentication (django-otp; prolotrack/signin/two_factor.py). With
# PROLOTRACK_REQUIRE_2FA=1 every account must set up an authenticator before any page;
# otherwise it is optional, but an account that has one must use it at every sign-in.
# Production settings always require it.
PROLOTRACK_REQUIRE_2FA = os.environ.get("PROLOTRACK_REQUIRE_2FA", "") == "1"
OTP_TOTP_ISSUER = "ProloTrack"
# Wrong codes lock the device for 1, 2, 4, 8 ... seconds after 1, 2, 3, 4 ... failures.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline
# and never eval. Styles allow inline because matplotlib's SVG charts carry style attributes;
# a style cannot run code. Images may be data: URIs (charts embedded in reports).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Demo accounts exist only when the demo clinic is loaded (`prolotrack demo` / `serve --demo`).
DEMO_PASSWORD_DEFAULT = "prolotrack-demo-2026"  # noqa: S105 (documented demo-only password)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every attempt at INFO; lockouts (WARNING) are enough, and they are audited.
        "axes": {"level": "WARNING"},
    },
}

# Break-glass emergency access (prolotrack.emergency): how long a grant lasts unless the user
# chooses otherwise, and the longest they may choose.
PROLOTRACK_EMERGENCY_ACCESS_MINUTES = int(
    os.environ.get("PROLOTRACK_EMERGENCY_ACCESS_MINUTES", "60")
)
PROLOTRACK_EMERGENCY_ACCESS_MAX_MINUTES = int(
    os.environ.get("PROLOTRACK_EMERGENCY_ACCESS_MAX_MINUTES", "240")
)
