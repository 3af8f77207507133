"""`ykien summary` in every format and `ykien rescore`, on a real database file."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from handlers.views import labels
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock, read_file_db, snapshot
from tests.summary_support import answer, open_round, second_survey


@pytest.fixture
def answered_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ykien.db"
    monkeypatch.setenv("YKIEN_DB", str(path))
    monkeypatch.setenv("YKIEN_PSEUDONYM_KEY", "bí mật của tỉnh")

    async def fill() -> None:
        clock = FakeClock(datetime.now(UTC))
        services = await Services.open(str(path), clock=clock)
        try:
            await services.residents.add_villages(COMMUNE, ["Thôn 1", "Thôn 2", "Thôn 3"])
            await open_round(services, clock)
            for uid in range(1, 7):
                await answer(services, uid, village="Thôn 1")
            await answer(services, 9, village="Thôn 2", scale="2", overall="0")
            for uid in range(10, 15):  # five: shown on its own, hidden to protect Thôn 2
                await answer(services, uid, village="Thôn 3")
        finally:
            await services.close()

    asyncio.run(fill())
    return path


def _rows(path: Path) -> dict:
    return read_file_db(path, snapshot)


def test_text_json_and_province(answered_db, capsys) -> None:
    assert main(["summary", "--commune", str(COMMUNE)]) == 0
    out = capsys.readouterr().out
    assert "Trả lời (n):          12 người" in out and "Thôn 1: 6 người" in out
    assert "Thôn 2: ẩn" in out and "Thôn 3: ẩn" in out  # Thôn 3: a complement
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["respondents"] == 12 and data["villages"][1]["share"] is None
    assert data["villages"][1]["respondents"] is None and data["criteria"]["2026"]
    assert [v["respondents"] for v in data["villages"]] == [6, None, None]
    assert main(["summary", "--province", "12"]) == 0
    assert "Xã Tân Uyên" in capsys.readouterr().out
    assert main(["summary", "--province", "12", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["communes"][0]["code"] == COMMUNE
    assert main(["summary"]) == 0
    assert "Lai Châu: 1 xã, 12 người" in capsys.readouterr().out


def test_files_in_every_format(answered_db, tmp_path, capsys) -> None:
    for fmt in ("html", "xlsx", "csv", "png"):
        target = tmp_path / f"out.{fmt}"
        assert main(["summary", "--commune", str(COMMUNE), "--format", fmt, "-o", str(target)]) == 0
        assert f"Đã ghi {target}" in capsys.readouterr().out
    assert (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG")
    assert "Hài lòng</th>" in (tmp_path / "out.html").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8-sig"))))
    lead = len(labels.CSV_COMMUNE_COLUMNS)
    assert rows[-1][lead : lead + 3] == ["tong_the", rows[-1][lead + 1], "11"]
    book = load_workbook(tmp_path / "out.xlsx")
    answers = list(book[labels.SHEET_ANSWERS].values)
    assert answers[0][0] == "Mã ẩn danh"
    pseudonyms = {r[0] for r in answers[1:]}
    assert len(pseudonyms) == 6 and all(len(p) == 16 for p in pseudonyms)
    assert {r[1] for r in answers[1:]} == {"Thôn 1"}  # no row of the hidden Thôn 2 and 3
    assert (
        main(["summary", "--province", "12", "--format", "xlsx", "-o", str(tmp_path / "p.xlsx")])
        == 0
    )
    province = list(load_workbook(tmp_path / "p.xlsx").active.values)
    assert "Lai Châu" in province[0][0] and province[3][-1] == "Kết luận"
    assert {row[-1] for row in province[4:]} <= {"Đạt", "Cần chú ý", "Chưa đạt", "Chưa đủ mẫu"}
    assert len(province) > 4


def test_rescore_rebuilds_the_same_scores(answered_db, capsys) -> None:
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 0
    before = capsys.readouterr().out
    assert main(["rescore"]) == 0
    assert "Đã tính lại mọi kết quả từ 144 câu trả lời" in capsys.readouterr().out  # 12 x 12
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 0
    assert capsys.readouterr().out == before


BAD = [
    (["summary", "--commune", "99999999"], "không có xã, phường mã 99999999"),
    (["summary", "--province", "999"], "không có tỉnh, thành phố mã 999"),
    (["summary", "--province", "1"], "chưa có đợt"),
    (["summary", "--commune", str(COMMUNE), "--round", "77"], "không có đợt 77"),
    (["summary", "--round", "1"], "--round chỉ dùng cùng --commune"),
    (["summary", "--commune", str(COMMUNE), "--format", "xlsx"], "cần -o"),
    (["summary", "--format", "html", "-o", "x.html"], "bảng toàn quốc có dạng text, json"),
]


def test_bad_summary_arguments_exit_2_and_change_nothing(answered_db, capsys) -> None:
    before = _rows(answered_db)
    for argv, message in BAD:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err, argv
    assert _rows(answered_db) == before


def test_a_scheduled_round_does_not_hide_the_open_one(answered_db, tmp_path, capsys) -> None:
    async def add() -> str:
        services = await Services.open(str(answered_db))
        try:
            return await second_survey(services, tmp_path)
        finally:
            await services.close()

    other = asyncio.run(add())
    opened = ["round", "open", "--commune", str(COMMUNE), "--survey", other]
    assert main([*opened, "--at", "2099-03-01 08:00"]) == 0
    capsys.readouterr()
    assert main(["summary", "--commune", str(COMMUNE)]) == 0
    out = capsys.readouterr().out
    assert "Trả lời (n):          12 người" in out and "chưa có câu trả lời" not in out
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["round"]["id"] == 1
    assert main(["summary", "--province", "12", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["communes"]
    assert row["code"] == COMMUNE and row["round_id"] == 1
    rounds = _rows(answered_db)["rounds"]
    assert [(r[0], r[2]) for r in rounds] == [(1, "ntm-2026"), (2, other)]
