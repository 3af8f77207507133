"""The broadcast settings read from YKIEN_* variables, and refused when they make no sense."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.config import Config


def test_broadcast_settings_from_the_environment() -> None:
    config = Config.from_env(
        {
            "YKIEN_BROADCAST_RATE": "1000",
            "YKIEN_QUIET_HOURS": "22:00-06:30",
            "YKIEN_BLACKOUT_DATES": "2027-02-05, 2027-02-06",
            "YKIEN_REMINDER_DELAY_HOURS": "24",
            "YKIEN_REMINDER_MAX": "1",
        }
    )
    settings = config.settings
    assert settings.broadcast_rate == 1000
    assert (settings.quiet_start, settings.quiet_end) == (time(22, 0), time(6, 30))
    assert settings.blackout_dates == {date(2027, 2, 5), date(2027, 2, 6)}
    assert settings.reminder_delay == timedelta(hours=24) and settings.reminder_max == 1
    defaults = Config.from_env({}).settings
    assert defaults.broadcast_rate == 25 and defaults.quiet_start == time(21, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("YKIEN_BROADCAST_RATE", "5000"),
        ("YKIEN_BROADCAST_RATE", "0"),
        ("YKIEN_QUIET_HOURS", "21h"),
        ("YKIEN_BLACKOUT_DATES", "Tết"),
        ("YKIEN_REMINDER_MAX", "-1"),
    ],
)
def test_nonsense_is_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        Config.from_env({name: value})
