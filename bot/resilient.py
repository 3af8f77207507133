"""Bot API requests that ride out Telegram's faults: replies retried, polling that resumes fast
and skips an update python-telegram-bot cannot read.

Both wrap the transport (bot/http_client.py, or the sandbox's in-process request) at PTB's
`BaseRequest.do_request` seam, so PTB still maps every final answer to its errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from surveys.priority import Priority

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
OnUnreadable = Callable[[int, str], Awaitable[None]]

REPLY_ATTEMPTS = 10  # failed calls (5xx, timeouts) of one reply before the handler sees it
REPLY_BUDGET = 60.0  # seconds one reply may spend waiting for retries, 429s included
POLL_RETRY = 2.0  # longest wait between getUpdates calls while Telegram is unreachable
LOG_EVERY = 60.0  # seconds between two log lines about the same kind of fault
# getMe is the start-up check: failing at once lets `ykien run` say Telegram is unreachable
# and exit, and the service manager starts it again (deploy/ykien.service, README).
NOT_RETRIED = frozenset({"getMe"})


def _backoff(failures: int, cap: float) -> float:
    return min(cap, 0.5 * 2.0 ** max(0, failures - 1))


class _Quiet:
    """A log line at most every LOG_EVERY seconds, with the count of those left out."""

    def __init__(self) -> None:
        self._last = -LOG_EVERY
        self._left_out = 0

    def warning(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last < LOG_EVERY:
            self._left_out += 1
            return
        left_out, self._left_out, self._last = self._left_out, 0, now
        suffix = f" ({left_out} more like it not logged)" if left_out else ""
        log.warning(message + suffix, *args)


class _Wrapper(BaseRequest):
    """Delegates to another request object (which owns the connection)."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def _once(
        self,
        url: str,
        method: str,
        request_data: RequestData | None,
        timeouts: tuple[ODVInput[float], ODVInput[float], ODVInput[float], ODVInput[float]],
    ) -> tuple[int, bytes]:
        read, write, connect, pool = timeouts
        return await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read,
            write_timeout=write,
            connect_timeout=connect,
            pool_timeout=pool,
        )


def _retry_after(body: bytes) -> float:
    try:
        data = json.loads(body)
        return float(data["parameters"]["retry_after"])
    except (ValueError, KeyError, TypeError):
        return 1.0


class RetryingRequest(_Wrapper):
    """Retries replies to people on 429 (after retry_after), 5xx and timeouts.

    A 429 is Telegram saying when to call again, not a failure of the call: it is bounded by
    the time budget alone. Counted against the attempts too, ten 429s in a row (one reply in
    a thousand at 50 % 429s, 9 s of waiting) dropped a next question well inside the budget.

    While a reply waits for its retry, the broadcast sender holds back (surveys.priority),
    so the retry finds the flood budget free. The sender's own calls (marked background)
    pass straight through: it has its own retry and outage policy. A retried sendMessage
    after a timeout may arrive twice; a next question twice is better than none.
    """

    def __init__(
        self,
        inner: BaseRequest,
        priority: Priority,
        *,
        sleep: Sleep = asyncio.sleep,
        attempts: int = REPLY_ATTEMPTS,
        budget: float = REPLY_BUDGET,
    ) -> None:
        super().__init__(inner)
        self.priority = priority
        self.sleep = sleep
        self.attempts = attempts
        self.budget = budget
        self.retried = 0  # calls retried since start (for the benchmark and the logs)
        self._quiet = _Quiet()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        if Priority.is_background() or _method(url) in NOT_RETRIED:
            return await self._once(url, method, request_data, timeouts)
        retries, errors, waited = 0, 0, 0.0
        with contextlib.ExitStack() as holding:
            while True:
                try:
                    code, body = await self._once(url, method, request_data, timeouts)
                except (TimedOut, NetworkError) as exc:
                    errors += 1
                    wait, why = _backoff(errors, 8.0), type(exc).__name__
                    if errors >= self.attempts or waited + wait > self.budget:
                        raise
                else:
                    if code == 429:  # Telegram says when: it costs time, never an attempt
                        wait, why = _retry_after(body), "429"
                    elif code >= 500:
                        errors += 1
                        wait, why = _backoff(errors, 8.0), str(code)
                    else:
                        return code, body
                    if errors >= self.attempts or waited + wait > self.budget:
                        return code, body
                retries += 1
                if retries == 1:
                    holding.enter_context(self.priority.retrying())
                self.retried += 1
                self._quiet.warning("reply %s: %s, retried in %gs", _method(url), why, wait)
                waited += wait
                await self.sleep(wait)


class PollingRequest(_Wrapper):
    """getUpdates that resumes within POLL_RETRY seconds of an outage and skips unreadable
    updates.

    Outage: PTB's polling loop waits 1, 1.5, 2.25 ... up to 30 s after each network error
    (with a traceback each time), so polling came back up to half a minute after Telegram
    did; a timeout, though, it retries at once. So a connection failure is turned into a
    timeout after a short wait here, and logged once a minute.

    Unreadable update: when PTB cannot parse an answer it logs and asks again with the same
    offset, for ever (hundreds of calls a second, the update never skipped). So when an
    offset comes back after updates were returned for it, each update of the new answer is
    parsed here, and one that fails is replaced by its bare update id: PTB moves the offset
    past it, and the id and the reason are recorded (`on_unreadable`). Updates that parse are
    never parsed twice.
    """

    def __init__(self, inner: BaseRequest, *, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(inner)
        self.sleep = sleep
        self.on_unreadable: OnUnreadable | None = None
        self.skipped: list[tuple[int, str]] = []  # what was skipped since start
        self._returned_for: int | None = None  # the offset whose answer carried updates
        self._failures = 0
        self._quiet = _Quiet()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        if _method(url) != "getUpdates":
            return await self._once(url, method, request_data, timeouts)
        try:
            code, body = await self._once(url, method, request_data, timeouts)
        except NetworkError as exc:
            if isinstance(exc, TimedOut):
                raise
            self._failures += 1
            wait = _backoff(self._failures, POLL_RETRY)
            self._quiet.warning("Telegram unreachable (%s); polling again every %gs", exc, wait)
            await self.sleep(wait)
            raise TimedOut(f"unreachable: {exc}") from exc
        if self._failures:
            log.warning("Telegram reachable again after %d failed polls", self._failures)
            self._failures = 0
        if code != 200:
            return code, body
        offset = _offset(request_data)
        if offset is not None and offset == self._returned_for:
            body = await self._without_unreadable(body)
        self._returned_for = offset if body.count(b'"update_id"') else None
        return code, body

    async def _without_unreadable(self, body: bytes) -> bytes:
        data = json.loads(body)
        updates = data.get("result")
        if not isinstance(updates, list):
            return body
        changed = False
        for i, raw in enumerate(updates):
            try:
                Update.de_json(raw, None)
            except Exception as exc:  # whatever PTB chokes on, the rest must get through
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                if not isinstance(update_id, int):
                    continue
                reason = f"{type(exc).__name__}: {exc}"[:200]
                updates[i] = {"update_id": update_id}
                changed = True
                self.skipped.append((update_id, reason))
                self._quiet.warning("skipped unreadable update %d: %s", update_id, reason)
                if self.on_unreadable is not None:
                    try:
                        await self.on_unreadable(update_id, reason)
                    except Exception:  # recording is best effort; skipping is what matters
                        log.exception("could not record skipped update %d", update_id)
        return json.dumps(data).encode() if changed else body


def _method(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def _offset(request_data: RequestData | None) -> int | None:
    if request_data is None:
        return None
    value: Any = request_data.parameters.get("offset")
    return int(value) if isinstance(value, int | str) and str(value).lstrip("-").isdigit() else None
