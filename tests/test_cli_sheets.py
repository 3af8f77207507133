"""Paper sheets: `ykien sheets import FILE.csv` stores a household's answers; one bad row imports
nothing and names the row; a household with a paper sheet and a chat answer counts once and is
listed as a conflict."""

from __future__ import annotations

import asyncio
import csv
import re
from pathlib import Path

import pytest

from bot.cli import main
from storage import responses as responses_db
from storage.db import Database
from surveys.access import Actor
from surveys.env import Settings
from surveys.services import Services
from tests.conftest import (
    COMMUNE,
    OTHER_COMMUNE,
    SURVEY,
    read_file_db,
    resident_of,
    table_counts,
    tg_person,
)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch) -> dict:
    path = tmp_path / "y.db"
    monkeypatch.setenv("YKIEN_DB", str(path))

    async def prepare() -> dict:
        services = await Services.open(str(path), settings=Settings(bot_username="ykien_bot"))
        try:
            await services.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
            sheet = await services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 2)
            await services.rounds.open(OTHER_COMMUNE, SURVEY)  # id 1: the commune's round is 2
            round_ = await services.rounds.open(COMMUNE, SURVEY)
            survey = await services.rounds.survey(SURVEY)
            assert survey is not None
            return {
                "db": path,
                "round": round_.id,
                "codes": [h.code for h, _ in sheet.households],
                "questions": [q for q in survey.questions],
            }
        finally:
            await services.close()

    return asyncio.run(prepare())


def write_csv(path: Path, setup: dict, rows: list[dict[str, str]]) -> Path:
    fields = ["round", "household", *(q.id for q in setup["questions"])]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def sheet_row(setup: dict, code: str, overall: str = "1", **changes: str) -> dict[str, str]:
    row = {"round": str(setup["round"]), "household": code}
    for q in setup["questions"]:
        row[q.id] = {"scale": "4", "yesno": overall, "text": ""}.get(q.kind.value, "")
    return row | changes


def counts(setup: dict) -> dict[str, int]:
    return read_file_db(setup["db"], table_counts)


def test_import_counts_once_per_household(setup, tmp_path, capsys) -> None:
    rows = [sheet_row(setup, setup["codes"][0]), sheet_row(setup, setup["codes"][1].lower(), "0")]
    rows[0]["gop_y"] = "Cần sửa cầu tràn"
    path = write_csv(tmp_path / "sheets.csv", setup, rows)
    assert main(["sheets", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Đã nhập 2 phiếu giấy.")
    assert "không có hộ nào vừa có phiếu giấy vừa trả lời qua kênh khác" in out
    # Importing the same file again replaces, never adds.
    assert main(["sheets", "import", str(path)]) == 0

    async def check() -> None:
        db = await Database.open(setup["db"])
        try:
            value_counts = await responses_db.value_counts(db.conn, setup["round"])
            assert value_counts["tong_the"] == {1: 1, 0: 1}
            assert await responses_db.count_responses(db.conn, setup["round"]) == (2, 2)
        finally:
            await db.close()

    asyncio.run(check())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"round": "999"}, "Dòng 3: không có đợt lấy ý kiến «999»"),
        ({"household": "ZZZZZZZZ"}, "Dòng 3: không có mã hộ «ZZZZZZZZ»"),
        ({"duong": ""}, "Dòng 3: thiếu câu trả lời cho câu duong"),
        ({"duong": "7"}, "Dòng 3: giá trị không hợp lệ: duong=7"),
        ({"tong_the": "có"}, "Dòng 3: giá trị không hợp lệ: tong_the=có"),
    ],
)
def test_one_bad_row_imports_nothing(setup, tmp_path, capsys, change, message) -> None:
    good = sheet_row(setup, setup["codes"][0])
    bad = sheet_row(setup, setup["codes"][1]) | change
    path = write_csv(tmp_path / "sheets.csv", setup, [good, bad])
    before = counts(setup)
    assert main(["sheets", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Không nhập phiếu nào, vì 1 dòng có lỗi") and message in err
    after = counts(setup)
    assert after == before | {"audit_log": before["audit_log"] + 1}


def test_not_a_sheet_file(setup, tmp_path, capsys) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["sheets", "import", str(path)]) == 2
    assert "phải có dòng tiêu đề với cột round, household" in capsys.readouterr().err
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["sheets", "import", str(path)]) == 2
    assert "không đọc được" in capsys.readouterr().err


def test_paper_and_chat_conflict_counts_once(setup, tmp_path, capsys) -> None:
    code = setup["codes"][0]

    async def chat_answer() -> None:
        services = await Services.open(str(setup["db"]))
        try:
            joined = await services.households.join(await tg_person(services, 42), "Lan", code)
            assert joined is not None
            db = services.db
            async with db.transaction() as conn:
                resident = await resident_of(services, 42)
                assert resident is not None
                response = await responses_db.get_or_create(
                    conn, setup["round"], resident.id, services.env.now()
                )
                for q in setup["questions"]:
                    value = {"scale": 4, "yesno": 0}.get(q.kind.value)
                    await responses_db.upsert_answer(
                        conn, response.id, q.id, value_int=value, value_text=None,
                        skipped=value is None, now=services.env.now(),
                    )  # fmt: skip
                await responses_db.mark_completed(conn, response.id, services.env.now())
        finally:
            await services.close()

    asyncio.run(chat_answer())
    path = write_csv(tmp_path / "s.csv", setup, [sheet_row(setup, code, "1")])
    assert main(["sheets", "import", str(path)]) == 0
    out = capsys.readouterr().out
    label = rf"Đợt 1 năm \d{{4}} \(mã đợt {setup['round']}\)"  # the year is today's
    assert re.search(rf"{label}, hộ {code}: 1 trả lời qua chat, web hoặc Zalo và 1 phiếu giấy", out)
    assert f"Xem và quyết định: ykien sheets conflicts --round {setup['round']}" in out
    assert main(["sheets", "conflicts", "--round", str(setup["round"])]) == 0
    assert re.search(rf"{label}, hộ {code}", capsys.readouterr().out)

    async def check() -> None:
        db = await Database.open(setup["db"])
        try:
            value_counts = await responses_db.value_counts(db.conn, setup["round"])
            assert value_counts["tong_the"] == {1: 1}  # the later paper sheet, counted once
        finally:
            await db.close()

    asyncio.run(check())


def test_retention_leaves_paper_members_alone(setup, tmp_path, monkeypatch, capsys) -> None:
    path = write_csv(tmp_path / "s.csv", setup, [sheet_row(setup, setup["codes"][0])])
    assert main(["sheets", "import", str(path)]) == 0
    monkeypatch.setenv("YKIEN_RETENTION_DAYS", "1")

    async def later() -> int:
        from datetime import timedelta

        from surveys.env import Settings, utc_now

        services = await Services.open(
            str(setup["db"]),
            clock=lambda: utc_now() + timedelta(days=30),
            settings=Settings(retention_days=1),
        )
        try:
            return await services.privacy.run_retention()
        finally:
            await services.close()

    assert asyncio.run(later()) == 0


def stored(setup: dict) -> dict[str, int]:
    async def read() -> dict[str, int]:
        db = await Database.open(setup["db"])
        try:
            return await responses_db.value_counts(db.conn, setup["round"])
        finally:
            await db.close()

    return asyncio.run(read())


@pytest.mark.parametrize(
    ("delimiter", "prefix"), [(";", "\ufeff"), ("\t", "\ufeff"), (",", "\ufeff"), (";", "")]
)
def test_files_saved_by_excel_are_read(setup, tmp_path, capsys, delimiter, prefix) -> None:
    """Excel writes semicolons (Vietnamese locale) or tabs, and a byte-order mark."""
    rows = [sheet_row(setup, setup["codes"][0], gop_y="Đường; cầu, cống")]
    fields = list(rows[0])
    path = tmp_path / "excel.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(prefix)
        writer = csv.DictWriter(f, fieldnames=fields, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    assert main(["sheets", "import", str(path)]) == 0
    assert capsys.readouterr().out.startswith("Đã nhập 1 phiếu giấy.")
    assert stored(setup)["tong_the"] == {1: 1}


def refused(setup: dict, capsys, path: Path, *messages: str) -> None:
    before = counts(setup)
    assert main(["sheets", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Không nhập phiếu nào, vì"), err
    for message in messages:
        assert message in err, err
    assert counts(setup) == before | {"audit_log": before["audit_log"] + 1}


def test_unquoted_comma_in_a_comment_is_refused_not_truncated(setup, tmp_path, capsys) -> None:
    path = write_csv(tmp_path / "s.csv", setup, [sheet_row(setup, setup["codes"][0])])
    fields = ["round", "household", *(q.id for q in setup["questions"])]
    good = sheet_row(setup, setup["codes"][1])
    cells = [good[f] for f in fields]
    cells[fields.index("gop_y")] = "Cần sửa cầu, và đường"  # typed by hand, no quotes
    with path.open("a", encoding="utf-8", newline="") as f:
        f.write(",".join(cells) + "\n")
    refused(setup, capsys, path, "Dòng 3: có", "đặt cả ô đó trong dấu ngoặc kép")


def test_household_twice_in_one_file_is_refused(setup, tmp_path, capsys) -> None:
    code = setup["codes"][0]
    rows = [
        sheet_row(setup, code, "1"),
        sheet_row(setup, setup["codes"][1]),
        sheet_row(setup, code, "0"),
    ]
    path = write_csv(tmp_path / "s.csv", setup, rows)
    refused(setup, capsys, path, "Dòng 4: hộ này đã có phiếu của cùng đợt ở dòng 2")


def test_unknown_column_is_refused(setup, tmp_path, capsys) -> None:
    row = sheet_row(setup, setup["codes"][0])
    path = tmp_path / "s.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*row, "duong_xa"])
        writer.writeheader()
        writer.writerow(row | {"duong_xa": "5"})
    refused(setup, capsys, path, "Dòng 1: cột «duong_xa» không phải câu hỏi của đợt")


def test_round_not_open_yet_is_refused(setup, tmp_path, capsys) -> None:
    async def schedule() -> int:
        from datetime import timedelta

        from surveys.env import utc_now

        services = await Services.open(str(setup["db"]))
        try:
            await services.rounds.close(setup["round"])
            later = await services.rounds.open(
                COMMUNE, SURVEY, opens_at=utc_now() + timedelta(days=3)
            )
            return later.id
        finally:
            await services.close()

    later = asyncio.run(schedule())
    row = sheet_row(setup, setup["codes"][0]) | {"round": str(later)}
    path = write_csv(tmp_path / "s.csv", setup, [row])
    refused(setup, capsys, path, f"Dòng 2: đợt {later} chưa mở")


def test_a_column_twice_is_refused_and_trailing_separators_are_not(setup, tmp_path, capsys) -> None:
    row = sheet_row(setup, setup["codes"][0])
    fields = list(row)
    path = tmp_path / "s.csv"
    path.write_text(
        ";".join([*fields, ""]) + "\n" + ";".join([*row.values(), "", ""]) + "\n",
        encoding="utf-8",
    )
    assert main(["sheets", "import", str(path)]) == 0  # Excel's trailing ";" mean nothing
    capsys.readouterr()
    path.write_text(
        ",".join([*fields, "duong"]) + "\n" + ",".join([*row.values(), "1"]) + "\n",
        encoding="utf-8",
    )
    refused(setup, capsys, path, "Dòng 1: cột «duong» có hai lần")


def test_a_chat_answer_after_the_paper_sheet_waits_for_the_operator(
    setup, tmp_path, capsys
) -> None:
    code = setup["codes"][0]
    path = write_csv(tmp_path / "s.csv", setup, [sheet_row(setup, code, "0")])
    assert main(["sheets", "import", str(path)]) == 0

    async def chat_answer() -> None:  # a member answers in chat after the sheet: held
        services = await Services.open(str(setup["db"]))
        try:
            await services.households.join(await tg_person(services, 42), "Lan", code)
            step = (await services.answering.current(42)).step
            assert step is not None
            for index, q in enumerate(setup["questions"]):
                if q.kind.value == "text":
                    await services.answering.skip(42, step.response.id, index)
                else:
                    await services.answering.answer(
                        42, step.response.id, index, "4" if q.kind.value == "scale" else "1"
                    )
        finally:
            await services.close()

    asyncio.run(chat_answer())
    capsys.readouterr()
    assert main(["sheets", "conflicts", "--round", str(setup["round"])]) == 0
    out = capsys.readouterr().out
    label = rf"Đợt 1 năm \d{{4}} \(mã đợt {setup['round']}\)"  # the year is today's
    assert re.search(rf"{label}, hộ {code}: trả lời qua phiếu giấy, Telegram\n", out)
    assert "\n  - Telegram, hoàn thành " in out
    assert ": đang chờ cán bộ quyết định (đến sau phiếu giấy)\n" in out
    assert "  Được tính: phiếu giấy, vì hộ đã nộp phiếu giấy trước" in out
    decide = f"ykien sheets decide --round {setup['round']} --household {code} --keep paper|chat"
    assert f"  Quyết định: {decide}\n" in out
    overall = lambda: read_file_db(  # noqa: E731
        setup["db"], lambda db: responses_db.value_counts(db.conn, setup["round"])
    )["tong_the"]
    assert overall() == {0: 1}
    assert (
        main(
            [
                "sheets",
                "decide",
                "--round",
                str(setup["round"]),
                "--household",
                "ZZZZZZZZZZ",
                "--keep",
                "chat",
            ]
        )
        == 2
    )
    assert "không có hộ mã «ZZZZZZZZZZ»" in capsys.readouterr().err
    assert overall() == {0: 1}
    args = ["sheets", "decide", "--round", str(setup["round"]), "--household", code.lower()]
    assert main([*args, "--keep", "chat"]) == 0
    assert re.search(rf"^{label}, hộ {code}: lấy câu trả lời qua chat", capsys.readouterr().out)
    assert overall() == {1: 1}
    assert main([*args, "--keep", "paper"]) == 2
    assert "không có trả lời nào đang chờ quyết định" in capsys.readouterr().err
    assert overall() == {1: 1}
    entries = read_file_db(setup["db"], lambda db: Services(db).access.audit_log())
    decided = [e for e in entries if e.action == "sheets.enter" and "keep chat" in e.detail]
    assert [e.actor for e in decided] == ["cli"]
