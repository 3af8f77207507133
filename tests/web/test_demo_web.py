"""`ykien demo` shows the web channel: simulated households answer the e-sheet over real HTTP,
served by the bot's own process, and count in the commune's figures."""

from __future__ import annotations

import re

from bot.cli import main
from bot.demo import WEB_HOUSEHOLDS, ZALO_HOUSEHOLDS


def test_demo_households_answer_on_the_web(capsys) -> None:
    assert main(["demo", "--residents", "3"]) == 0
    out = capsys.readouterr().out
    found = re.search(r"Phiếu web: (\d+) hộ .*, (\d+) câu trả lời, (\d+) phiếu đã gửi", out)
    assert found, out
    assert int(found[1]) == WEB_HOUSEHOLDS == int(found[3])
    assert int(found[2]) == WEB_HOUSEHOLDS * 13
    assert f"{WEB_HOUSEHOLDS + ZALO_HOUSEHOLDS} mã hộ đã phát" in out  # Zalo's too
