"""Settings modules: base (shared), development, production, test."""

import os


def settings_module() -> str:
    """The settings module for PROLOTRACK_ENV (production or development, the default)."""
    env = os.environ.get("PROLOTRACK_ENV", "development").strip().lower()
    if env not in ("production", "development"):
        raise ValueError(f"PROLOTRACK_ENV must be production or development, not {env!r}")
    return f"prolotrack.settings.{env}"
