"""A manual clock for ``Sandbox(clock=...)``: time moves only when a test says so.

Message dates and flood-limit buckets read the injected clock, so rate-limit tests
advance time explicitly instead of sleeping.
"""

from __future__ import annotations


class FakeClock:
    """Callable returning unix seconds; :meth:`advance` moves it forward."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward (never backwards: Telegram dates are monotonic)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.now += seconds
