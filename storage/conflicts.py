"""Households that answered a round through more than one channel, and staff's decisions.

Which response counts is the view household_pick (*_counted_rule.sql), kept in
responses.counted; a decision only moves responses.hold ('set_aside': out of the pick; NULL:
back in), so the rule stays the one view and `ykien rescore` reproduces the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import dt, dt_req

# Responses that take part in a conflict: complete ones, and those held after a paper sheet
# (held from their start, migration 0018).
_TAKING_PART = "(r.completed_at IS NOT NULL OR r.hold = 'conflict')"
_SELECT = (
    "SELECT h.id, h.code, r.id, r.channel, r.completed_at, r.updated_at, r.hold, r.counted "
    "FROM responses r JOIN residents p ON p.id = r.resident_id "
    "JOIN households h ON h.id = p.household_id "
)
_ORDER = " ORDER BY h.code, r.completed_at IS NULL, r.completed_at, r.id"


@dataclass(frozen=True)
class ChannelResponse:
    """One response of a household in a round, as staff need it to decide."""

    household_id: int
    code: str
    response_id: int
    channel: str  # 'chat' (Telegram), 'web', 'zalo', 'paper'
    completed_at: datetime | None
    updated_at: datetime  # the last answer given or changed: the pick's order among complete
    hold: str | None  # None, 'conflict' (waits for staff), 'set_aside' (staff did not take it)
    counted: bool


def _row(r: aiosqlite.Row) -> ChannelResponse:
    return ChannelResponse(r[0], r[1], r[2], r[3], dt(r[4]), dt_req(r[5]), r[6], bool(r[7]))


async def answered_twice(conn: aiosqlite.Connection, round_id: int) -> list[ChannelResponse]:
    """The complete (or held) responses of households that have them on two channels or more
    in the round, by household code, then by completion."""
    rows = await sql.rows(
        conn,
        f"{_SELECT}WHERE r.round_id = :round AND {_TAKING_PART} AND h.id IN ("
        "SELECT p.household_id FROM responses r JOIN residents p ON p.id = r.resident_id "
        f"WHERE r.round_id = :round AND p.household_id IS NOT NULL AND {_TAKING_PART} "
        f"GROUP BY p.household_id HAVING count(DISTINCT r.channel) > 1){_ORDER}",
        {"round": round_id},
    )
    return [_row(r) for r in rows]


async def of_household(
    conn: aiosqlite.Connection, round_id: int, household_id: int
) -> list[ChannelResponse]:
    """The household's complete (or held) responses in the round."""
    rows = await sql.rows(
        conn,
        f"{_SELECT}WHERE r.round_id = ? AND h.id = ? AND {_TAKING_PART}{_ORDER}",
        (round_id, household_id),
    )
    return [_row(r) for r in rows]


async def keep_channel(
    conn: aiosqlite.Connection, round_id: int, household_id: int, channel: str
) -> int:
    """Staff's decision: the household's responses on `channel` take part in the pick again
    (a held one is released), those on every other channel are set aside. Returns how many
    were set aside."""
    members = "SELECT id FROM residents WHERE household_id = ?"
    await conn.execute(
        "UPDATE responses SET hold = NULL WHERE round_id = ? AND hold = 'conflict' "
        f"AND channel = ? AND resident_id IN ({members})",
        (round_id, channel, household_id),
    )
    cur = await conn.execute(
        "UPDATE responses SET hold = 'set_aside' WHERE round_id = ? "
        "AND (hold IS NULL OR hold = 'conflict') "
        f"AND channel <> ? AND resident_id IN ({members})",
        (round_id, channel, household_id),
    )
    return cur.rowcount
