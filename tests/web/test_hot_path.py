"""The answer POST is the e-sheet's hot path: what one tap costs the database thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web.conftest import WebSheet


async def test_a_tap_and_its_next_page_take_three_trips_to_the_database(web: WebSheet) -> None:
    browser = await web.opened()
    conn = web.services.db.conn
    trips: list[str] = []
    execute = conn._execute

    async def counted(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await execute(fn, *args, **kwargs)

    conn._execute = counted  # type: ignore[method-assign]
    try:
        status, page = await browser.post("/s/q/0", value="4")  # then GET /s/q/1, as a browser
    finally:
        conn._execute = execute  # type: ignore[method-assign]
    assert status == 200 and "Câu 2/" in page  # read from the stored answers
    # the page read of the POST, the group commit, the page read of the next question
    assert trips == ["_each", "_commit_group", "_each"]
