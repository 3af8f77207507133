"""The /rounds launch wizard's draft, kept in chat_states so a restart loses nothing.

State names: 'bc_draft' (waiting for a button), 'bc_at' (waiting for a typed start time),
'bc_closes' (waiting for a typed close time). `ref` is the commune; `data` is the draft JSON.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from storage import residents as residents_db
from storage.records import ChatState
from surveys.env import Env

STATES = ("bc_draft", "bc_at", "bc_closes")
_FORMATS = ("%H:%M %d/%m/%Y", "%d/%m/%Y %H:%M", "%H:%M %d/%m", "%d/%m %H:%M", "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Draft:
    commune: int
    nonce: str  # makes the launch key: a double tap on confirm launches once
    survey: str | None = None
    audience: str | None = None
    audience_ref: int | None = None
    starts_at: str | None = None  # ISO, UTC
    closes_at: str | None = None
    # "Send now" is kept as a choice, not a time: a time taken at the press would be in the
    # past by the time the staff member confirms.
    send_now: bool = False

    def starts(self) -> datetime | None:
        """The chosen start time; None for "now" (the moment of confirming) or not chosen."""
        return datetime.fromisoformat(self.starts_at) if self.starts_at else None

    def start_chosen(self) -> bool:
        return self.send_now or self.starts_at is not None

    def closes(self) -> datetime | None:
        return datetime.fromisoformat(self.closes_at) if self.closes_at else None

    def with_(self, **changes: object) -> Draft:
        # replace() checks the field names at run time; mypy cannot match **changes to them
        return replace(self, **changes)  # type: ignore[arg-type]


def parse_local_time(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """'19:00 30/11/2026', '30/11 19:00', '2026-11-30 19:00' (local time) -> aware datetime."""
    cleaned = " ".join(text.replace("h", ":").split())
    local_now = now.astimezone(tz)
    for fmt in _FORMATS:
        try:
            value = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        if "%Y" not in fmt:
            value = value.replace(year=local_now.year)
        return value.replace(tzinfo=tz)
    return None


class DraftStore:
    def __init__(self, env: Env) -> None:
        self.env = env

    async def start(self, person_id: int, commune: int) -> Draft:
        draft = Draft(commune, secrets.token_hex(6))
        await self.save(person_id, draft)
        return draft

    async def get(self, person_id: int) -> tuple[str, Draft] | None:
        return self.of(await residents_db.get_chat_state(self.env.db.conn, person_id))

    @staticmethod
    def of(state: ChatState | None) -> tuple[str, Draft] | None:
        """The wizard's state and draft in a chat's pending step; None when it holds none."""
        if state is None or state.state not in STATES:
            return None
        try:
            return state.state, Draft(**json.loads(state.data))
        except (TypeError, ValueError):
            return None

    async def save(self, person_id: int, draft: Draft, state: str = "bc_draft") -> None:
        assert state in STATES
        row = ChatState(state, draft.commune, None, json.dumps(asdict(draft)))
        async with self.env.db.transaction() as tx:
            await residents_db.set_chat_state(tx, person_id, row, self.env.now())

    async def clear(self, person_id: int) -> None:
        async with self.env.db.transaction() as tx:
            await residents_db.clear_chat_state(tx, person_id)
