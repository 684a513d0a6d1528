"""A real Chromium for page tests, driven by Playwright, or a visible skip naming what is missing.

Playwright's own browser download does not work offline, so this uses the system Chromium:
``MOCKSERVER_TEST_CHROMIUM`` if set, else ``/usr/bin/chromium``, ``chromium`` or
``chromium-browser`` on the PATH (Debian: ``apt-get install chromium``).

Use from a test module (pytest finds fixtures imported into it):

    from tests.support.browser import browser, page  # noqa: F401

``browser`` is launched once per session; ``page`` is a fresh desktop-sized (1280x800) page in
its own context (cookies, storage) per test. ``new_page(browser, **context_options)`` opens
another, e.g. ``new_page(browser, **PHONE)``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM_ENV = "MOCKSERVER_TEST_CHROMIUM"
# Headless, no sandbox (root in a container), and nothing that phones home: on a closed network
# Chromium's background connections are refused.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
# Auto-waiting limit for actions and expectations: generous for a loaded CI machine, and a
# failing test still ends quickly.
TIMEOUT_MS = 10_000


def find_chromium() -> str | None:
    """The Chromium executable to use, or None."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if Path(configured).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright not installed: pip install -e '.[dev]' (or pip install playwright)"
    if find_chromium() is None:
        configured = os.environ.get(CHROMIUM_ENV)
        if configured:
            return f"Chromium not installed: {CHROMIUM_ENV}={configured} is not a file"
        return "Chromium not installed: apt-get install chromium"
    return None


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in the main
# thread while it is open, and later tests that call asyncio.run() there would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh temporary profile (its own --user-data-dir) and
        # removes it on close.
        launched = playwright.chromium.launch(
            executable_path=find_chromium(), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def new_page(browser: Browser, **context_options: Any) -> Iterator[Page]:
    """A page in a new browser context (``viewport``, ``is_mobile``, ...); closed afterwards."""
    context = browser.new_context(**{**DESKTOP, **context_options})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with new_page(browser) as opened:
        yield opened
