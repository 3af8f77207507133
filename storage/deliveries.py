"""Delivery rows: one per recipient of a broadcast, on one channel address, and their states.

Every UPDATE here that moves a state is also a recorded transition (triggers, migrations 0016
and 0024). Which address a person is sent to (`_BEST`): Zalo when they wrote to the OA in the
last 7 days (Zalo takes the message, and it is the channel they use now), else Telegram, else
Zalo outside its window (most recently seen first): one message per person, never two.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from storage import sql
from storage.broadcasts import BroadcastRow, audience_args, audience_sql
from storage.records import dt, ts

WINDOW = timedelta(days=7)  # Zalo's window for consultation messages after a person writes
# The order of a person's addresses, best first; its one argument is the window's start.
_BEST = (
    "PARTITION BY r.id ORDER BY (a.channel = 'zalo' AND a.last_seen_at >= ?) DESC, "
    "a.channel = 'telegram' DESC, a.channel = 'zalo' DESC, a.last_seen_at DESC, a.address"
)


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for sending: marked 'sending' before the channel's call."""

    id: int
    resident_id: int
    chat_id: int  # the Telegram id; 0 on other channels
    attempts: int
    answered: int = 0  # questions of the round the resident has already answered (invite, reminder)
    channel: str = "telegram"
    address: str = ""  # the Zalo address ("<oa id>:<user id>"); '' on Telegram

    @property
    def key(self) -> int | str:
        """Who the message goes to, for the per-chat limit: one key per channel address."""
        return self.chat_id if self.channel == "telegram" else self.address


@dataclass(frozen=True)
class DeliveryOutcome:
    """What to write back for one delivery after its call."""

    id: int
    state: str
    attempts: int
    not_before: datetime | None = None
    detail: str = ""
    stop_resident: int | None = None  # resident id to mark stopped (403)


async def insert_deliveries(
    conn: aiosqlite.Connection, broadcast: BroadcastRow, now: datetime
) -> int:
    """One queued row per recipient on one channel address, in one statement, before anything
    is sent (the address is chosen as `_BEST` says)."""
    where = audience_sql(broadcast.kind, broadcast.audience)
    args = audience_args(
        broadcast.kind,
        broadcast.audience,
        broadcast.commune_code,
        broadcast.round_id,
        broadcast.audience_ref,
    )
    cur = await conn.execute(
        "INSERT INTO deliveries(broadcast_id, resident_id, chat_id, channel, address, updated_at) "
        "SELECT ?, rid, CASE WHEN channel = 'telegram' THEN CAST(address AS INTEGER) ELSE 0 END, "
        "channel, CASE WHEN channel = 'telegram' THEN '' ELSE address END, ? FROM ("
        f"SELECT r.id AS rid, a.channel, a.address, row_number() OVER ({_BEST}) AS n "
        "FROM residents r JOIN addresses a ON a.resident_id = r.id "
        f"AND a.channel IN ('telegram', 'zalo') WHERE {where}) WHERE n = 1 ORDER BY rid",
        [broadcast.id, ts(now), ts(now - WINDOW), *args],
    )
    return cur.rowcount


@dataclass(frozen=True)
class Reach:
    """Who of an audience each channel can reach now (the preview before a launch)."""

    telegram: int = 0
    zalo_in_window: int = 0  # wrote to the OA in the last 7 days: Zalo takes the message
    zalo_outside: int = 0  # did not: Zalo refuses it (230) until they write again
    link_only: int = 0  # households on the web sheet or paper only: no message can reach them

    @property
    def messageable(self) -> int:
        return self.telegram + self.zalo_in_window + self.zalo_outside


async def reach(
    conn: aiosqlite.Connection,
    kind: str,
    audience: str,
    commune: int,
    round_id: int,
    ref: int | None,
    now: datetime,
) -> Reach:
    """The audience by the channel a broadcast would use for each person (as insert_deliveries
    chooses it); people without a Telegram or Zalo address are counted by household."""
    where = audience_sql(kind, audience)
    rows = await sql.rows(
        conn,
        "SELECT CASE WHEN channel = 'zalo' AND seen >= ? THEN 'zalo_in' "
        "WHEN channel = 'zalo' THEN 'zalo_out' WHEN channel = 'telegram' THEN 'telegram' "
        "ELSE 'link' END AS how, count(DISTINCT CASE WHEN channel IN ('telegram', 'zalo') "
        "THEN 'p' || rid ELSE coalesce('h' || household_id, 'p' || rid) END) AS n FROM ("
        "SELECT r.id AS rid, r.household_id, a.channel, a.last_seen_at AS seen, "
        f"row_number() OVER ({_BEST}) AS rn FROM residents r "
        f"LEFT JOIN addresses a ON a.resident_id = r.id WHERE {where}) WHERE rn = 1 GROUP BY how",
        [
            ts(now - WINDOW),
            ts(now - WINDOW),
            *audience_args(kind, audience, commune, round_id, ref),
        ],
    )
    found = {r["how"]: int(r["n"]) for r in rows}
    return Reach(
        found.get("telegram", 0), found.get("zalo_in", 0), found.get("zalo_out", 0),
        found.get("link", 0),
    )  # fmt: skip


async def claim(
    conn: aiosqlite.Connection, broadcast_id: int, limit: int, now: datetime
) -> list[Claimed]:
    """Marks up to `limit` due queued rows 'sending' (the caller commits before calling out).

    Decided at send time, per claimed row (so each claim costs its batch, not the whole
    broadcast): a resident who said /stop or left the commune is 'skipped' ('stopped'); one
    who has finished the round since the broadcast was planned is 'skipped' ('finished') by an
    invitation or reminder; one half-way comes with the number of questions answered.
    Rows a restart found in flight come after the others (index deliveries_to_claim), so a
    crash loop catches fresh rows in flight rather than the same ones again.
    """
    rows = await sql.rows(
        conn,
        "SELECT d.id, d.resident_id, d.chat_id, d.attempts, d.channel, d.address, "
        "(r.stopped_at IS NOT NULL OR r.commune_code IS NOT b.commune_code) AS gone, "
        "(p.completed_at IS NOT NULL) AS finished, "
        "(SELECT count(*) FROM answers a WHERE a.response_id = p.id) AS answered "
        "FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
        "JOIN residents r ON r.id = d.resident_id "
        "LEFT JOIN responses p ON b.kind != 'result' AND p.round_id = b.round_id "
        "AND p.resident_id = d.resident_id "
        "WHERE d.broadcast_id = ? AND d.state = 'queued' "
        "AND (d.not_before IS NULL OR d.not_before <= ?) ORDER BY d.restarts, d.id LIMIT ?",
        (broadcast_id, ts(now), limit),
    )
    await conn.executemany(
        "UPDATE deliveries SET state = 'skipped', detail = ?, updated_at = ? WHERE id = ?",
        [
            ("stopped" if r["gone"] else "finished", ts(now), r["id"])
            for r in rows
            if r["gone"] or r["finished"]
        ],
    )
    claimed = [_claimed(r) for r in rows if not (r["gone"] or r["finished"])]
    await conn.executemany(
        "UPDATE deliveries SET state = 'sending', detail = '', updated_at = ? WHERE id = ?",
        [(ts(now), c.id) for c in claimed],
    )
    return claimed


async def record(
    conn: aiosqlite.Connection, outcomes: Iterable[DeliveryOutcome], now: datetime
) -> None:
    """Writes each call's outcome; a 403 also marks the resident stopped."""
    outcomes = list(outcomes)
    await conn.executemany(
        "UPDATE deliveries SET state = ?, attempts = ?, not_before = ?, detail = ?, "
        "updated_at = ? WHERE id = ?",
        [
            (
                o.state,
                o.attempts,
                ts(o.not_before) if o.not_before else None,
                o.detail,
                ts(now),
                o.id,
            )
            for o in outcomes
        ],
    )
    stopped = [(ts(now), o.stop_resident) for o in outcomes if o.stop_resident is not None]
    await conn.executemany(
        "UPDATE residents SET stopped_at = ? WHERE id = ? AND stopped_at IS NULL", stopped
    )


async def requeue_sending(
    conn: aiosqlite.Connection, now: datetime, broadcast_id: int | None = None
) -> int:
    """Rows left 'sending' (by a crash) may or may not have gone out: each is sent again once.
    A row found 'sending' a second time (a crash loop catching it in flight again) becomes
    'unknown': its call was started at most twice, and it is not sent a third time. Returns
    the rows moved."""
    where = "" if broadcast_id is None else " AND broadcast_id = ?"
    cur = await conn.execute(
        "UPDATE deliveries SET state = CASE WHEN restarts > 0 THEN 'unknown' ELSE 'queued' END, "
        "detail = CASE WHEN restarts > 0 THEN 'in flight at a second restart: not sent again' "
        "ELSE 'restart' END, restarts = restarts + 1, updated_at = ? "
        f"WHERE state = 'sending'{where}",
        (ts(now),) if broadcast_id is None else (ts(now), broadcast_id),
    )
    return cur.rowcount


async def queued(conn: aiosqlite.Connection, broadcast_id: int) -> tuple[int, datetime | None]:
    """How many rows wait, and the earliest retry time among them (None: one is due now)."""
    row = await sql.one(
        conn,
        "SELECT count(*) AS n, min(coalesce(not_before, '')) AS earliest FROM deliveries "
        "WHERE broadcast_id = ? AND state = 'queued'",
        (broadcast_id,),
    )
    if row is None or row["n"] == 0:
        return 0, None
    return int(row["n"]), dt(row["earliest"] or None)


async def state_counts(conn: aiosqlite.Connection, broadcast_id: int) -> dict[str, int]:
    rows = await sql.rows(
        conn,
        "SELECT state, count(*) AS n FROM deliveries WHERE broadcast_id = ? GROUP BY state",
        (broadcast_id,),
    )
    return {r["state"]: r["n"] for r in rows}


async def answered_among(conn: aiosqlite.Connection, broadcast_id: int, round_id: int) -> int:
    """Recipients of a broadcast who have completed the round."""
    return await sql.scalar(
        conn,
        "SELECT count(*) FROM deliveries d JOIN responses p ON p.resident_id = d.resident_id "
        "AND p.round_id = ? WHERE d.broadcast_id = ? AND p.completed_at IS NOT NULL",
        (round_id, broadcast_id),
    )


async def transitions(
    conn: aiosqlite.Connection, broadcast_id: int
) -> list[tuple[int, str | None, str, str]]:
    rows = await sql.rows(
        conn,
        "SELECT t.delivery_id, t.from_state, t.to_state, t.detail FROM delivery_transitions t "
        "JOIN deliveries d ON d.id = t.delivery_id WHERE d.broadcast_id = ? ORDER BY t.id",
        (broadcast_id,),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def channel_counts(
    conn: aiosqlite.Connection, broadcast_id: int
) -> dict[str, dict[str, int]]:
    """The rows' states by channel (progress shows Zalo's own states apart)."""
    rows = await sql.rows(
        conn,
        "SELECT channel, state, count(*) AS n FROM deliveries WHERE broadcast_id = ? "
        "GROUP BY channel, state",
        (broadcast_id,),
    )
    found: dict[str, dict[str, int]] = {}
    for r in rows:
        found.setdefault(r["channel"], {})[r["state"]] = r["n"]
    return found


@dataclass(frozen=True)
class Waiting:
    """A delivery that waited for its person to write (claimed: 'sending')."""

    broadcast_id: int
    row: Claimed


async def has_waiting(conn: aiosqlite.Connection, person_id: int) -> bool:
    """Whether any of the person's rows may wait for them to write (claim_waiting's states):
    a read, so that a person with none costs no write transaction."""
    return bool(
        await sql.scalar(
            conn,
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE resident_id = ? "
            "AND state IN ('outside_window', 'quota', 'queued'))",
            (person_id,),
        )
    )


async def claim_waiting(
    conn: aiosqlite.Connection, person_id: int, now: datetime, results_since: datetime
) -> list[Waiting]:
    """Marks 'sending' the person's rows that wait for them to write: refused by Zalo's window
    or quota, or re-queued by a crash after their broadcast had finished (a broadcast still
    running sends its queued rows itself). Of an invitation or reminder whose round closed, or
    that the person has finished since, the row is 'skipped'; of several for one round, only
    the newest is sent (the others 'skipped': 'superseded'); a result waits only if its
    broadcast was made after `results_since`. Call inside a transaction, commit, then send."""
    rows = await sql.rows(
        conn,
        "SELECT d.id, d.broadcast_id, d.resident_id, d.chat_id, d.attempts, d.channel, "
        "d.address, b.kind, b.round_id, b.created_at, "
        "(r.stopped_at IS NOT NULL OR r.commune_code IS NOT b.commune_code) AS gone, "
        "(p.completed_at IS NOT NULL) AS finished, "
        "(s.closed_at IS NOT NULL OR (s.closes_at IS NOT NULL AND s.closes_at <= ?)) AS closed, "
        "(SELECT count(*) FROM answers a WHERE a.response_id = p.id) AS answered "
        "FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
        "JOIN residents r ON r.id = d.resident_id JOIN rounds s ON s.id = b.round_id "
        "LEFT JOIN responses p ON b.kind != 'result' AND p.round_id = b.round_id "
        "AND p.resident_id = d.resident_id "
        "WHERE d.resident_id = ? AND b.status NOT IN ('cancelled', 'expired') "
        "AND (d.state IN ('outside_window', 'quota') "
        "OR (d.state = 'queued' AND b.status = 'done')) "
        "ORDER BY b.id DESC",
        (ts(now), person_id),
    )
    skipped: list[tuple[str, str, int]] = []
    chosen: list[Waiting] = []
    rounds: set[int] = set()
    for r in rows:
        if r["kind"] == "result" and r["created_at"] < ts(results_since):
            continue
        reason = ""
        if r["gone"]:
            reason = "stopped"
        elif r["kind"] != "result" and r["finished"]:
            reason = "finished"
        elif r["kind"] != "result" and r["closed"]:
            reason = "round closed"
        elif r["kind"] != "result" and r["round_id"] in rounds:
            reason = "superseded"  # a newer invitation or reminder of the round is sent
        if reason:
            skipped.append((reason, ts(now), r["id"]))
            continue
        if r["kind"] != "result":
            rounds.add(r["round_id"])
        chosen.append(Waiting(r["broadcast_id"], _claimed(r)))
    await conn.executemany(
        "UPDATE deliveries SET state = 'skipped', detail = ?, updated_at = ? WHERE id = ?", skipped
    )
    await conn.executemany(
        "UPDATE deliveries SET state = 'sending', detail = 'the person wrote', updated_at = ? "
        "WHERE id = ?",
        [(ts(now), w.row.id) for w in chosen],
    )
    return chosen


async def reply_address(
    conn: aiosqlite.Connection, person_id: int, now: datetime
) -> tuple[str, str] | None:
    """(channel, address) a message to the person goes to, chosen as broadcasts choose it;
    None when they have no Telegram or Zalo address (web or paper only)."""
    row = await sql.one(
        conn,
        f"SELECT a.channel, a.address, row_number() OVER ({_BEST}) AS rn FROM residents r "
        "JOIN addresses a ON a.resident_id = r.id AND a.channel IN ('telegram', 'zalo') "
        "WHERE r.id = ? ORDER BY rn LIMIT 1",
        (ts(now - WINDOW), person_id),
    )
    return (row["channel"], row["address"]) if row else None


def _claimed(r: aiosqlite.Row) -> Claimed:
    return Claimed(
        r["id"], r["resident_id"], r["chat_id"], r["attempts"], r["answered"] or 0,
        r["channel"], r["address"],
    )  # fmt: skip
