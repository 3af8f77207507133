"""The ETA staff see: sending stops at quiet hours and blackout dates; the end moves past them."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from surveys.env import Settings
from surveys.quiet import finish_time, next_block

HOUR = 3600.0


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    """A Hà Nội wall-clock moment in November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_work_that_fits_before_quiet_hours_ends_the_same_evening() -> None:
    assert finish_time(vn(23, 20, 0), 0.5 * HOUR, Settings()) == vn(23, 20, 30)


def test_two_hours_from_20_30_ends_next_morning() -> None:
    # 30 minutes before 21:00, then the remaining 90 from 07:00.
    assert finish_time(vn(23, 20, 30), 2 * HOUR, Settings()) == vn(24, 8, 30)


def test_started_inside_quiet_hours_begins_at_their_end() -> None:
    assert finish_time(vn(23, 23, 0), 600, Settings()) == vn(24, 7, 10)
    assert finish_time(vn(24, 5, 0), 600, Settings()) == vn(24, 7, 10)


def test_a_blackout_date_is_skipped_whole() -> None:
    tet = Settings(blackout_dates=frozenset({date(2026, 11, 24), date(2026, 11, 25)}))
    # 20:30 on the 23rd: 30 minutes, then nothing on the 24th and 25th, then 07:00 on the 26th.
    assert finish_time(vn(23, 20, 30), 2 * HOUR, tet) == vn(26, 8, 30)
    assert next_block(vn(23, 10), tet) == vn(23, 21)


def test_a_long_broadcast_spans_several_days() -> None:
    # 14 sending hours a day (07:00-21:00): 30 hours from 07:00 is 07:00-21:00 twice, then 2 h.
    assert finish_time(vn(23, 7), 30 * HOUR, Settings()) == vn(25, 9)


def test_without_quiet_hours_or_blackouts_it_is_plain_arithmetic() -> None:
    always = Settings(quiet_start=time(0), quiet_end=time(0))
    assert next_block(vn(23, 20, 30), always) is None
    assert finish_time(vn(23, 20, 30), 2 * HOUR, always) == vn(23, 22, 30)
