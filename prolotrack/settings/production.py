"""Production: refuses to start without a secret key; HTTPS-only cookies and HSTS."""

import os

from django.core.exceptions import ImproperlyConfigured

from prolotrack.settings.base import *  # noqa: F403

SECRET_KEY = os.environ.get("PROLOTRACK_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "PROLOTRACK_SECRET_KEY must be set to a random string of at least 50 characters "
        "in production"
    )
DEBUG = False
SECURE_SSL_REDIRECT = os.environ.get("PROLOTRACK_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# Every account signs in with a password and an authenticator code (ASVS 6.3.2; ONC (d)(13)).
PROLOTRACK_REQUIRE_2FA = True
