"""Browser fixtures for every web page test: Debian's chromium driven by Playwright.

One browser per test session (per xdist worker), a fresh context and page per test.
Playwright comes from the test extra (its driver ships in the wheel); the browser is the
system's `/usr/bin/chromium` (`apt-get install chromium`), never a Playwright download.
Without chromium the tests skip, except in CI (`CI=true`), where that is a failure.

A web server under test runs in its own event loop thread (:class:`ServedInThread`), as
Playwright's synchronous API needs the test's own thread.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest

CHROMIUM = Path(os.environ.get("YKIEN_TEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000  # a safety net: Playwright's waits return as soon as the page is ready
T = TypeVar("T")


def _missing(reason: str) -> None:
    """Skip on a developer's machine; in CI a missing browser is a failure, never a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the whole session."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: apt-get install chromium (the browser tests drive it)")
    try:
        from playwright import sync_api
    except ImportError:
        _missing("the playwright package is missing: pip install -e '.[test]'")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new page in its own context (no cookies or storage shared between tests),
    360 px wide as a small phone."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


class ServedInThread(Generic[T]):
    """Runs an async context manager (a server) in a background event loop until exit.

    ``with ServedInThread(lambda: Server(...)) as served:`` gives ``served.value`` (what the
    context manager entered into) and ``served.run(coro_fn)`` to run code in that loop,
    e.g. reading the server's database.
    """

    def __init__(self, factory: Callable[[], AbstractAsyncContextManager[T]]) -> None:
        self._factory = factory
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._value: T | None = None
        self._thread = threading.Thread(target=self._main, name="served", daemon=True)

    @property
    def value(self) -> T:
        assert self._value is not None
        return self._value

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the test thread
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with self._factory() as value:
            self._value = value
            self._ready.set()
            await self._stop.wait()

    def run(self, work: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:
        """Runs ``work()`` in the server's loop and returns its result."""
        assert self._loop is not None

        async def call() -> Any:
            return await work()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout)

    def __enter__(self) -> ServedInThread[T]:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise RuntimeError("the server did not start") from self._error
        if self._value is None:
            raise TimeoutError("the server did not start within 60 s")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        if self._error is not None:
            raise RuntimeError("the server failed") from self._error
