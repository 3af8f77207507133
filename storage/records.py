"""Rows as frozen dataclasses (answers as named tuples): the vocabulary storage hands to the
domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple


@dataclass(frozen=True)
class Province:
    code: int
    name: str
    division_type: str


@dataclass(frozen=True)
class Commune:
    code: int
    name: str
    division_type: str
    province_code: int
    province_name: str


@dataclass(frozen=True)
class Village:
    id: int
    commune_code: int
    name: str


@dataclass(frozen=True)
class Resident:
    """A person (migration 0018); commune_code None for staff, officers, people not joined."""

    id: int
    display_name: str
    commune_code: int | None
    village_id: int | None
    joined_at: datetime
    stopped_at: datetime | None


@dataclass(frozen=True)
class ChatState:
    """A pending step of one chat; each feature names its states (see its module)."""

    state: str  # e.g. 'search_commune' (ref: province code), 'edit_comment' (ref: response id)
    ref: int
    question_id: str | None = None
    data: str = "{}"  # small JSON payload for multi-step flows


@dataclass(frozen=True)
class SurveyRow:
    id: str
    title: str
    definition: str  # JSON
    source: str
    added_at: datetime


@dataclass(frozen=True)
class Round:
    id: int
    commune_code: int
    survey_id: str
    opens_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    official: bool = False  # the commune's official survey round; else figures are indicative

    def is_open(self, now: datetime) -> bool:
        if self.closed_at is not None or now < self.opens_at:
            return False
        return self.closes_at is None or now < self.closes_at


@dataclass(frozen=True)
class Response:
    id: int
    round_id: int
    resident_id: int
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class Answer(NamedTuple):
    """An immutable tuple rather than a frozen dataclass, its time kept as stored: every tap
    builds one per answered question, and the checks never read the time."""

    question_id: str
    value_int: int | None
    value_text: str | None
    skipped: bool
    stamp: str  # when it was answered, as stored (ts)

    @property
    def answered_at(self) -> datetime:
        return dt_req(self.stamp)


@lru_cache(maxsize=1024)
def ts(value: datetime) -> str:
    """Stored timestamps are ISO 8601 in UTC, so they sort and compare correctly as text.
    Cached: a tap formats its one moment for each statement it binds (isoformat is the slow
    part), and concurrent taps each have their own."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def dt_req(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class Grant:
    id: int
    resident_id: int  # the person holding the role
    role: str  # 'staff' | 'officer' | 'admin'
    commune_code: int | None
    province_code: int | None
    granted_at: datetime
    granted_by: str
    revoked_at: datetime | None
    telegram_id: int | None = None  # the holder's Telegram address, for lists and menus


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    commune_code: int | None
    province_code: int | None
    outcome: str
    detail: str
