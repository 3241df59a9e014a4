"""Tests: fast password hashing; the database comes from DATABASE_URL or a SQLite file."""

from prolotrack.settings.base import *  # noqa: F403
from prolotrack.settings.base import DATA_DIR, sqlite_database

SECRET_KEY = "test-only-secret-key-for-the-prolotrack-suite-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"] = sqlite_database(DATA_DIR / "test-prolotrack.sqlite3")  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-prolotrack.sqlite3")}  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
