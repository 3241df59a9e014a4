"""Development: a generated-per-machine key is acceptable, DEBUG stays off unless asked for."""

import os

from prolotrack.settings.base import *  # noqa: F403

SECRET_KEY = (
    os.environ.get("PROLOTRACK_SECRET_KEY") or "development-only-key-not-for-production-use"
)
DEBUG = os.environ.get("PROLOTRACK_DEBUG", "") == "1"
# Static files straight from the apps; `prolotrack serve` also collects them into the data dir.
WHITENOISE_AUTOREFRESH = True
