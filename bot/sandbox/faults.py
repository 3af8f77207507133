"""Failure injection and flood control, deterministic under an injected clock.

Flood limits use token buckets: each bucket holds up to ``max(1, rate)`` tokens
(one second's burst) and refills at ``rate`` tokens per second of the injected
clock.  A send that finds less than one token gets 429 with ``retry_after`` =
seconds until a token is back, rounded up, at least 1.  Buckets (unlike a sliding
window) handle fractional rates such as Telegram's 20 messages/minute in groups.
"""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Literal, get_args

from bot.sandbox.errors import (
    ApiError,
    SandboxNetworkError,
    bad_request,
    forbidden,
    too_many_requests,
)

FailureKind = Literal["429", "403", "400", "500", "network"]
FAILURE_KINDS: tuple[str, ...] = get_args(FailureKind)
# Methods that count against flood limits (they create or change visible messages).
SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup",
     "copyMessage"}
)  # fmt: skip
ANY_METHOD = "*"
# Float unix timestamps near 1.7e9 carry ~1e-7 s of noise; don't let it cost a token.
_EPSILON = 1e-6


@dataclass
class SandboxStats:
    """Counters for assertions: what succeeded and how things failed."""

    sent: Counter[str] = field(default_factory=Counter)  # successful send-type calls
    ok: Counter[str] = field(default_factory=Counter)  # successful calls of any method
    rate_limited: int = 0  # 429 answers, injected or from the flood limit
    errors: Counter[str] = field(default_factory=Counter)  # by kind: "400", "network", ...

    @property
    def total_sent(self) -> int:
        """All successful send-type calls."""
        return sum(self.sent.values())


@dataclass
class _Bucket:
    rate: float
    tokens: float
    last: float

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last look, capped at one second's burst."""
        capacity = max(1.0, self.rate)
        self.tokens = min(capacity, self.tokens + max(0.0, now - self.last) * self.rate)
        self.last = now

    def wait(self) -> int:
        """Whole seconds until a token is available (0 = one is available now)."""
        if self.tokens >= 1.0 - _EPSILON:
            return 0
        return max(1, math.ceil((1.0 - self.tokens) / self.rate - _EPSILON))


@dataclass(frozen=True)
class Injection:
    """One planned failure: its kind and, for 429, the ``retry_after`` to announce."""

    kind: FailureKind
    retry_after: int = 3


@dataclass
class _Rate:
    rate: float
    injection: Injection
    rng: random.Random


class Faults:
    """Holds every injected failure; the core asks it once per call."""

    def __init__(self) -> None:
        self.stats = SandboxStats()
        self._next: dict[str, deque[Injection]] = {}
        self._rates: dict[str, _Rate] = {}
        self._global_rate: float | None = None
        self._chat_rate: float | None = None
        self._global_bucket: _Bucket | None = None
        self._chat_buckets: dict[int | str, _Bucket] = {}

    def fail_next(self, method: str, count: int, injection: Injection) -> None:
        """Queue ``count`` failures for ``method`` (``"*"`` = any method)."""
        _check_kind(injection.kind)
        self._next.setdefault(method, deque()).extend([injection] * count)

    def set_failure_rate(self, method: str, rate: float, injection: Injection, seed: int) -> None:
        """Fail a fraction of calls, reproducibly (``random.Random(seed)``)."""
        _check_kind(injection.kind)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within 0..1")
        if rate == 0.0:
            self._rates.pop(method, None)
        else:
            self._rates[method] = _Rate(rate, injection, random.Random(seed))

    def set_flood_limit(self, global_per_second: float | None, per_chat: float | None) -> None:
        """(Re)arm the token buckets; ``None`` disables a limit."""
        for rate in (global_per_second, per_chat):
            if rate is not None and rate <= 0:
                raise ValueError("flood limits must be positive or None")
        self._global_rate, self._chat_rate = global_per_second, per_chat
        self._global_bucket = None
        self._chat_buckets.clear()

    def injected(self, method: str) -> Injection | None:
        """The failure to inject into this call, if any (consumes ``fail_next``)."""
        for key in (method, ANY_METHOD):
            queue = self._next.get(key)
            if queue:
                return queue.popleft()
        for key in (method, ANY_METHOD):
            rate = self._rates.get(key)
            if rate is not None and rate.rng.random() < rate.rate:
                return rate.injection
        return None

    @staticmethod
    def raise_injected(injection: Injection) -> None:
        """Raise the error a failure kind stands for."""
        kind = injection.kind
        if kind == "network":
            raise SandboxNetworkError("injected network failure")
        if kind == "429":
            raise too_many_requests(injection.retry_after)
        if kind == "403":
            raise forbidden("bot was blocked by the user")
        if kind == "400":
            raise bad_request("injected failure")
        raise ApiError(500, "Internal Server Error")

    def check_flood(self, method: str, chat_id: int | str | None, now: float) -> None:
        """Raise 429 when a send-type call exceeds a flood limit."""
        if method not in SEND_METHODS:
            return
        buckets: list[_Bucket] = []
        if self._global_rate is not None:
            if self._global_bucket is None:
                self._global_bucket = _Bucket(self._global_rate, max(1.0, self._global_rate), now)
            buckets.append(self._global_bucket)
        if self._chat_rate is not None and chat_id is not None:
            if chat_id not in self._chat_buckets:
                rate = self._chat_rate
                self._chat_buckets[chat_id] = _Bucket(rate, max(1.0, rate), now)
            buckets.append(self._chat_buckets[chat_id])
        for bucket in buckets:
            bucket.refill(now)
        wait = max((bucket.wait() for bucket in buckets), default=0)
        if wait:
            raise too_many_requests(wait)
        for bucket in buckets:  # only an accepted send spends tokens
            bucket.tokens = max(0.0, bucket.tokens - 1.0)


def _check_kind(kind: str) -> None:
    if kind not in FAILURE_KINDS:
        raise ValueError(f"unknown failure kind {kind!r}; use one of {FAILURE_KINDS}")
