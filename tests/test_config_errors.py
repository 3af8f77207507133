"""Every refused setting gets its Vietnamese message from cli_config_error.txt, and `ykien`
prints it and exits 2 before touching anything."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import Config, ConfigError

CASES = [
    ({"YKIEN_MIN_GROUP": "2"}, "min_group", "YKIEN_MIN_GROUP phải là số nguyên từ 3 trở lên"),
    ({"YKIEN_ADMINS": "lan"}, "admins", "YKIEN_ADMINS phải là các số Telegram id"),
    ({"YKIEN_QUIET_HOURS": "21h"}, "broadcast", "cấu hình gửi tin không hợp lệ: Invalid"),
    ({"YKIEN_BROADCAST_RATE": "0"}, "broadcast_range", "YKIEN_BROADCAST_RATE phải trong"),
    ({"YKIEN_FLOOD_COUNT": "-3"}, "number", 'YKIEN_FLOOD_COUNT phải là số từ 1 trở lên (đang là'),
    ({"YKIEN_WEBHOOK_URL": "x"}, "webhook_url", "YKIEN_WEBHOOK_URL phải là địa chỉ https://"),
    ({"YKIEN_WEBHOOK_SECRET": "a b"}, "webhook_secret", "YKIEN_WEBHOOK_SECRET chỉ gồm"),
    ({"YKIEN_TIMEZONE": "Sao Hỏa"}, "timezone", "YKIEN_TIMEZONE phải là tên múi giờ IANA"),
]  # fmt: skip


@pytest.mark.parametrize(("env", "reason", "message"), CASES, ids=[c[1] for c in CASES])
def test_refused_settings_are_explained(env, reason, message, monkeypatch, capsys) -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_env(env).override()
    assert refused.value.reason == reason
    assert str(refused.value).startswith(message)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["migrate", "--list"]) == 2
    assert capsys.readouterr().err.startswith(message)
