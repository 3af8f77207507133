"""Browser fixtures for every web page test: Debian's chromium driven by Playwright.

One browser per test session (per xdist worker), a fresh context and page per test.
Playwright comes from the test extra (its driver ships in the wheel); the browser is the
system's `/usr/bin/chromium` (`apt-get install chromium`), never a Playwright download.
Without chromium the tests skip, except in CI (`CI=true`), where that is a failure.

Playwright's async API, in one event loop for the session: its sync API keeps a loop
running in the test thread, which breaks every asyncio test after it in the same worker.
A browser test module sets ``pytestmark = BROWSER`` and starts the server it tests in a
``loop_scope="session"`` fixture, in the same loop as the browser.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

CHROMIUM = Path(os.environ.get("YKIEN_TEST_CHROMIUM", "/usr/bin/chromium"))
HAVE_CHROMIUM = CHROMIUM.exists()
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000  # a safety net: Playwright's waits return as soon as the page is ready
BROWSER = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def _missing(reason: str) -> None:
    """Skip on a developer's machine; in CI a missing browser is a failure, never a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    """One headless chromium for the whole session."""
    if not HAVE_CHROMIUM:
        _missing(f"{CHROMIUM} is missing: apt-get install chromium (the browser tests drive it)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _missing("the playwright package is missing: pip install -e '.[test]'")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield launched
        await launched.close()


def expect(target: Any) -> Any:
    """Playwright's auto-waiting assertions (``await expect(locator).to_contain_text(...)``),
    imported late: without playwright the ``browser`` fixture has skipped (or failed) first."""
    from playwright.async_api import expect as playwright_expect

    return playwright_expect(target)


@asynccontextmanager
async def new_page(browser: Any, **options: Any) -> AsyncIterator[Any]:
    """A page in a context of its own (no cookies or storage shared), 360 px wide as a
    small phone; ``options`` go to ``browser.new_context``, e.g. java_script_enabled=False."""
    settings = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN"} | options
    context = await browser.new_context(**settings)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Any) -> AsyncIterator[Any]:
    """A fresh page with JavaScript, as most people browse."""
    async with new_page(browser) as fresh:
        yield fresh


@pytest_asyncio.fixture(loop_scope="session")
async def page_without_js(browser: Any) -> AsyncIterator[Any]:
    """A fresh page with JavaScript off: pages must work with forms alone."""
    async with new_page(browser, java_script_enabled=False) as fresh:
        yield fresh
