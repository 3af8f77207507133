"""A round's number as a commune says it: "Đợt 2 năm 2026", not a database id. Pure.

The number is the round's place among the commune's rounds (of any survey) opened in the same
calendar year, in the deployment's time zone, by opening time (then id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from storage.records import dt_req


@dataclass(frozen=True)
class RoundLabel:
    number: int  # 1 for the commune's first round of the year
    year: int


def labels(rounds: Iterable[tuple[int, int, datetime]], tz: ZoneInfo) -> dict[int, RoundLabel]:
    """round id -> its label, from (round id, commune code, opens_at) of whole communes."""
    by_year: dict[tuple[int, int], list[tuple[datetime, int]]] = {}
    for round_id, commune, opens in rounds:
        year = opens.astimezone(tz).year
        by_year.setdefault((commune, year), []).append((opens, round_id))
    out = {}
    for (_, year), found in by_year.items():
        for number, (_, round_id) in enumerate(sorted(found), start=1):
            out[round_id] = RoundLabel(number, year)
    return out


def from_stored(rows: Iterable[tuple[int, int, str]], tz: ZoneInfo) -> dict[int, RoundLabel]:
    """labels() of rows as storage.scores.round_starts reads them."""
    return labels(((r, c, dt_req(opens)) for r, c, opens in rows), tz)
