"""YKIEN_WEB_URL on the command line: `ykien link` prints the commune's e-sheet link, and
`ykien households issue` prints each household's, which its card's QR code encodes; a web-only
deployment (no bot ever known) can issue cards."""

from __future__ import annotations

import segno

from bot.cli import main
from tests.conftest import COMMUNE

WEB = "https://ykien.tanuyen.vn"


def test_link_prints_the_web_link_and_the_poster_carries_both(
    db_path, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("YKIEN_WEB_URL", WEB + "/")
    poster = tmp_path / "poster.html"
    assert main(["link", "--commune", str(COMMUNE), "--qr", str(poster)]) == 0
    out = capsys.readouterr().out
    assert "https://t.me/ykien_bot?start=j" in out
    assert f"Phiếu web (mọi trình duyệt, cả Zalo): {WEB}/x/{COMMUNE}\n" in out
    html = poster.read_text(encoding="utf-8")
    assert f"{WEB}/x/{COMMUNE}" in html and "Qua trình duyệt" in html
    # Without a known bot, the web link alone.
    monkeypatch.delenv("YKIEN_BOT_USERNAME")
    assert main(["link", "--commune", str(COMMUNE)]) == 0
    out = capsys.readouterr().out
    assert "t.me" not in out and f"{WEB}/x/{COMMUNE}" in out


def test_household_cards_carry_the_web_link(db_path, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YKIEN_WEB_URL", WEB)
    monkeypatch.delenv("YKIEN_BOT_USERNAME")  # a web-only deployment: no bot at all
    assert main(["village", "add", "--commune", str(COMMUNE), "Bản Mới"]) == 0
    issue = ["households", "issue", "--commune", str(COMMUNE), "--village", "Bản Mới"]
    assert main([*issue, "--count", "2"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "\t" in ln]
    assert len(lines) == 2
    for line in lines:
        code, link = line.split("\t")
        assert link == f"{WEB}/x/{COMMUNE}/{code}"
    sheet = tmp_path / "cards.html"
    listed = ["households", "list", "--commune", str(COMMUNE), "--village", "Bản Mới"]
    assert main([*listed, "-o", str(sheet)]) == 0
    html = sheet.read_text(encoding="utf-8")
    code, link = lines[0].split("\t")
    assert segno.make(link, error="m").svg_inline(scale=3) in html  # the QR encodes it
    assert "Quét mã bằng camera điện thoại" in html and "t.me" not in html
