"""Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live server.

Playwright's own browser download does not work on these machines, so the system Chromium is
launched by path. Without it the browser tests skip on a developer machine and fail under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A page in a fresh Chromium with a new, empty profile.

    Playwright's sync API runs an event loop in this thread while it is open, and Django refuses
    database calls from a thread with a running loop: create the test's data first, then open
    the page (the live server answers from its own thread).

    The Content-Security-Policy is enforced in the browser: any violation reported on the
    console of any page the test opens (in this or a later context of the same browser) fails
    the test when the page is closed.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    violations: list[str] = []

    def watch(page: Any) -> None:
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        original_new_context = browser.new_context

        def new_context(**kwargs: Any) -> Any:
            context = original_new_context(**kwargs)
            context.on("page", watch)
            return context

        browser.new_context = new_context  # type: ignore[method-assign]
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"
