"""Tests: fast password hashing; the database comes from DATABASE_URL or a SQLite file."""

import os

from prolotrack.settings.base import *  # noqa: F403
from prolotrack.settings.base import DATA_DIR, sqlite_database

SECRET_KEY = "test-only-secret-key-for-the-prolotrack-suite-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file (not :memory:) so the live server thread and the WAL settings are exercised; named
    # per run so two test runs in one checkout do not share it (xdist adds a worker suffix).
    _test_database = DATA_DIR / f"test-prolotrack-{os.getppid()}-{os.getpid()}.sqlite3"
    DATABASES["default"] = sqlite_database(_test_database)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(_test_database)}  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Query-count tests compare requests minutes apart on a busy machine: no session write between.
PROLOTRACK_SESSION_ACTIVITY_RESOLUTION_SECONDS = 600
