"""Quiet hours and blackout dates: when a broadcast may send, and when it may resume."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from surveys.env import Settings


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """True inside [start, end) local time; the window may span midnight (21:00-07:00)."""
    if start == end:
        return False
    if start > end:
        return local >= start or local < end
    return start <= local < end


def blocked_until(now: datetime, settings: Settings) -> datetime | None:
    """None when sending is allowed at `now`, else the (UTC) moment it is allowed again."""
    tz = settings.timezone
    local = now.astimezone(tz)
    moved = False
    for _ in range(800):  # bounded: a year of blackout dates and quiet nights at most
        if local.date() in settings.blackout_dates:
            local = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
            moved = True
            continue
        if in_quiet_hours(local.time(), settings.quiet_start, settings.quiet_end):
            end = datetime.combine(local.date(), settings.quiet_end, tzinfo=tz)
            local = end if end > local else end + timedelta(days=1)
            moved = True
            continue
        break
    return local.astimezone(UTC) if moved else None


def first_send(starts: datetime, settings: Settings) -> datetime:
    """When a broadcast that may start at `starts` really sends its first message: after
    quiet hours and blackout dates (what staff and the operator are told)."""
    return blocked_until(starts, settings) or starts


def this_evening(now: datetime, settings: Settings) -> datetime:
    """Today's evening start (local), or tomorrow's when it has passed; then past quiet hours."""
    tz = settings.timezone
    local = now.astimezone(tz)
    evening = datetime.combine(local.date(), settings.evening, tzinfo=tz)
    if evening <= local:
        evening += timedelta(days=1)
    start = evening.astimezone(UTC)
    return blocked_until(start, settings) or start


def next_block(now: datetime, settings: Settings) -> datetime | None:
    """When sending (allowed at `now`) must next stop: the next quiet-hours start or blackout
    date, whichever comes first (UTC); None when neither is configured."""
    tz = settings.timezone
    local = now.astimezone(tz)
    ends: list[datetime] = []
    if settings.quiet_start != settings.quiet_end:
        quiet = datetime.combine(local.date(), settings.quiet_start, tzinfo=tz)
        ends.append(quiet if quiet > local else quiet + timedelta(days=1))
    later = [d for d in settings.blackout_dates if d > local.date()]
    if later:
        ends.append(datetime.combine(min(later), time(0), tzinfo=tz))
    return min(ends).astimezone(UTC) if ends else None


def finish_time(now: datetime, work_seconds: float, settings: Settings) -> datetime:
    """When `work_seconds` of sending, started at `now`, ends: the work stops at quiet hours
    and blackout dates and goes on when they end (the ETA shown to staff)."""
    at = blocked_until(now, settings) or now
    left = max(0.0, work_seconds)
    for _ in range(800):  # bounded like blocked_until: one window per day at most
        stop = next_block(at, settings)
        if stop is None or (stop - at).total_seconds() >= left:
            break
        left -= (stop - at).total_seconds()
        at = blocked_until(stop, settings) or stop
    return at + timedelta(seconds=left)
