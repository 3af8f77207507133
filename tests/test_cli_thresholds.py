"""`ykien thresholds set|list`: stored per province, used by every output, bad values refused."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database
from tests.conftest import COMMUNE, FakeClock, read_file_db, table_counts, tg_person
from tests.summary_support import answer, open_round

PROVINCE = 12  # the province of COMMUNE


@pytest.fixture
def answered_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Seven residents: six satisfied, one not (85.7 % overall): short of 90 %, over 80 %."""
    from surveys.services import Services

    path = tmp_path / "ykien.db"
    monkeypatch.setenv("YKIEN_DB", str(path))

    async def fill() -> None:
        clock = FakeClock(datetime.now(UTC))
        services = await Services.open(str(path), clock=clock)
        try:
            await open_round(services, clock)
            for uid in range(1, 7):
                await answer(services, uid)
            await answer(services, 9, scale="2", overall="0")
        finally:
            await services.close()

    asyncio.run(fill())
    return path


async def _stored(db: Database) -> tuple[dict[str, int], list[tuple[object, ...]]]:
    """Every table's size (but the audit log, which records the refusal too) and the thresholds."""
    rows = await db.conn.execute_fetchall("SELECT * FROM province_thresholds")
    counts = await table_counts(db)
    counts.pop("audit_log")
    return counts, [tuple(r) for r in rows]


def _verdict(capsys) -> tuple[str, dict]:
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    return data["verdict"], data["thresholds"]


def test_thresholds_set_list_and_used_everywhere(answered_db, capsys) -> None:
    verdict, used = _verdict(capsys)
    assert verdict != "dat" and used["overall"] == 0.9 and used["question_floor"] == 0.7
    assert main(["thresholds", "list"]) == 0
    out = capsys.readouterr().out
    assert "Chưa tỉnh nào đặt ngưỡng riêng" in out and "hài lòng chung ≥ 90%" in out

    assert main(["thresholds", "set", "--province", str(PROVINCE), "--overall", "80"]) == 0
    assert "hài lòng chung ≥ 80%, mỗi câu ≥ 70%" in capsys.readouterr().out
    verdict, used = _verdict(capsys)
    assert verdict == "dat" and used["overall"] == 0.8 and used["fail_below"] == 0.8
    assert main(["summary", "--commune", str(COMMUNE)]) == 0
    assert "ngưỡng: chung ≥ 80%, mỗi câu ≥ 70%" in capsys.readouterr().out
    assert main(["summary", "--province", str(PROVINCE), "--format", "json"]) == 0
    province = json.loads(capsys.readouterr().out)
    assert province["thresholds"]["overall"] == 0.8
    assert province["communes"][0]["verdict"] == "dat"

    assert main(["thresholds", "set", "--province", str(PROVINCE), "--preset", "95"]) == 0
    assert "bộ ngưỡng 95" in capsys.readouterr().out
    verdict, used = _verdict(capsys)
    assert verdict == "chua_dat" and used["overall"] == 0.95 and used["question_floor"] == 0.85
    assert main(["summary", "--province", str(PROVINCE)]) == 0
    assert "hài lòng chung ≥ 95%, mỗi câu ≥ 85%" in capsys.readouterr().out
    # a preset with a figure on top: no longer the preset itself
    assert main(["thresholds", "set", "--province", str(PROVINCE), "--preset", "90"]) == 0
    assert main(["thresholds", "set", "--province", str(PROVINCE), "--floor", "60"]) == 0
    capsys.readouterr()
    assert main(["thresholds", "list"]) == 0
    out = capsys.readouterr().out
    assert "Lai Châu (mã 12), ngưỡng riêng: hài lòng chung ≥ 90%, mỗi câu ≥ 60%" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--overall", "49"], "ngưỡng hài lòng chung «49» phải là số phần trăm từ 50 đến 100"),
        (["--overall", "101"], "ngưỡng hài lòng chung «101» phải là số phần trăm từ 50 đến 100"),
        (["--overall", "chín"], "ngưỡng hài lòng chung «chín» phải là số phần trăm"),
        (["--overall", "nan"], "ngưỡng hài lòng chung «nan» phải là số phần trăm"),
        (["--floor", "-1"], "ngưỡng của mỗi câu «-1» phải là số phần trăm từ 0 đến 100"),
        (["--margin", "0"], "sai số cỡ mẫu «0» phải là số phần trăm từ 1 đến 20"),
        (["--preset", "99"], "không có bộ ngưỡng «99». Các bộ ngưỡng có sẵn: 90, 95"),
        (["--coverage", "101"], "tỷ lệ lấy ý kiến tối thiểu «101» phải là số phần trăm từ 0"),
        (["--floor-rule", "chua-dat"], "--floor-rule «chua-dat» phải là fail"),
        ([], "cần ít nhất một trong --preset, --overall, --floor, --margin, --coverage"),
    ],
)
def test_bad_values_refused_and_nothing_changes(answered_db, capsys, args, message) -> None:
    assert main(["thresholds", "set", "--province", str(PROVINCE), "--preset", "95"]) == 0
    before = read_file_db(answered_db, _stored)
    assert main(["thresholds", "set", "--province", str(PROVINCE), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Không có gì được thay đổi." in err
    assert read_file_db(answered_db, _stored) == before


def test_unknown_province_refused(answered_db, capsys) -> None:
    before = read_file_db(answered_db, _stored)
    assert main(["thresholds", "set", "--province", "999", "--preset", "95"]) == 2
    assert "không có tỉnh/thành phố mã 999" in capsys.readouterr().err
    assert read_file_db(answered_db, _stored) == before


def test_coverage_and_floor_rule_decide_the_verdict(answered_db, capsys) -> None:
    """Seven of eight residents answered (87.5 %); one question is under the floor (6 of 7 is
    fine, so the floor is raised to 90 %): "Cần chú ý" by default, "Chưa đạt" with the rule."""
    assert main(["thresholds", "set", "--province", str(PROVINCE), "--overall", "80"]) == 0
    assert main(["thresholds", "set", "--province", str(PROVINCE), "--floor", "90"]) == 0
    capsys.readouterr()
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "can_chu_y" and data["reason"]["code"] == "floor_watch"
    assert data["thresholds"]["coverage"] == 0.7 and data["thresholds"]["floor_fails"] is False
    assert main(["thresholds", "set", "--province", str(PROVINCE), "--floor-rule", "fail"]) == 0
    assert "câu dưới ngưỡng: chưa đạt" in capsys.readouterr().out
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "chua_dat" and data["reason"]["code"] == "floor_fail"
    assert (
        data["reason"]["params"]["floor"] == 0.9
        and "duong" in data["reason"]["params"]["questions"]
    )
    assert main(["summary", "--commune", str(COMMUNE)]) == 0
    assert "Kết luận: Chưa đạt: câu 1, " in capsys.readouterr().out
    # the coverage rule: 100 % of the units required, 7 of 7 registered answered... then 8
    assert main(["thresholds", "set", "--province", str(PROVINCE), "--coverage", "100"]) == 0
    capsys.readouterr()
    verdict, used = _verdict(capsys)
    assert verdict == "chua_dat" and used["coverage"] == 1.0  # all 7 registered answered

    async def join_one_more(db: Database) -> None:
        from surveys.services import Services

        services = Services(db)
        await services.residents.join(await tg_person(services, 99), "R99", COMMUNE)

    read_file_db(answered_db, join_one_more)
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "chua_du_mau" and data["reason"]["code"] == "coverage"
    assert data["reason"]["params"] == {"coverage": 7 / 8, "required": 1.0}
    assert main(["summary", "--commune", str(COMMUNE)]) == 0
    assert (
        "mới lấy ý kiến được 87,5% số người, quy định cần ít nhất 100%" in capsys.readouterr().out
    )
    rows = read_file_db(answered_db, _stored)[1]
    assert [(r[0], r[-2], r[-1]) for r in rows] == [(PROVINCE, 1.0, 1)]  # coverage, floor_fails
