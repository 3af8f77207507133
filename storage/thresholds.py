"""Verdict thresholds stored per province."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import sql
from storage.records import ts


@dataclass(frozen=True)
class ProvinceThresholds:
    province_code: int
    preset: str | None
    overall: float
    question_floor: float
    fail_below: float
    margin: float
    coverage: float = 0.7  # share of the units surveyed the verdict needs
    floor_fails: bool = False  # a question under the floor makes it Chưa đạt


_SELECT = (
    "SELECT province_code, preset, overall, question_floor, fail_below, margin, coverage, "
    "floor_fails FROM province_thresholds"
)


def _row(r: aiosqlite.Row) -> ProvinceThresholds:
    return ProvinceThresholds(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]))


async def get(conn: aiosqlite.Connection, province_code: int) -> ProvinceThresholds | None:
    row = await sql.one(conn, f"{_SELECT} WHERE province_code = ?", (province_code,))
    return _row(row) if row else None


async def list_all(conn: aiosqlite.Connection) -> list[ProvinceThresholds]:
    return [_row(r) for r in await sql.rows(conn, f"{_SELECT} ORDER BY province_code")]


async def put(conn: aiosqlite.Connection, row: ProvinceThresholds, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO province_thresholds(province_code, preset, overall, question_floor, "
        "fail_below, margin, coverage, floor_fails, set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(province_code) DO UPDATE SET preset = excluded.preset, "
        "overall = excluded.overall, question_floor = excluded.question_floor, "
        "fail_below = excluded.fail_below, margin = excluded.margin, "
        "coverage = excluded.coverage, floor_fails = excluded.floor_fails, "
        "set_at = excluded.set_at",
        (
            row.province_code,
            row.preset,
            row.overall,
            row.question_floor,
            row.fail_below,
            row.margin,
            row.coverage,
            int(row.floor_fails),
            ts(now),
        ),
    )
