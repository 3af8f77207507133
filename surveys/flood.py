"""Per-person flood limit: more than `count` updates in `window` seconds earns one warning and
`pause` seconds of being ignored. Kept in memory on purpose: it protects this process, and a
restart that forgets it costs nothing."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum


class FloodAction(StrEnum):
    PASS = "pass"
    WARN = "warn"  # just went over: tell the person once
    DROP = "drop"  # still paused: ignore silently


@dataclass
class _Sender:
    recent: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0


class FloodLimit:
    def __init__(self, count: int, window: float, pause: float) -> None:
        self.count, self.window, self.pause = count, window, pause
        self._senders: dict[int, _Sender] = {}
        self._last_sweep = 0.0

    def check(self, user_id: int, now: float) -> FloodAction:
        """Counts one update from the user at `now` (seconds) and says what to do with it."""
        self._sweep(now)
        sender = self._senders.setdefault(user_id, _Sender())
        if now < sender.paused_until:
            return FloodAction.DROP
        recent = sender.recent
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        recent.append(now)
        if len(recent) > self.count:
            recent.clear()
            sender.paused_until = now + self.pause
            return FloodAction.WARN
        return FloodAction.PASS

    def forgive(self, user_id: int) -> None:
        """Lifts a pause just given (to someone trusted): they start counting afresh."""
        self._senders.pop(user_id, None)

    def _sweep(self, now: float) -> None:
        """Forgets quiet senders now and then, so memory follows the active people only."""
        if now - self._last_sweep < self.window + self.pause:
            return
        self._last_sweep = now
        horizon = now - self.window
        self._senders = {
            uid: s
            for uid, s in self._senders.items()
            if s.paused_until > now or (s.recent and s.recent[-1] > horizon)
        }

    def __len__(self) -> int:
        return len(self._senders)
