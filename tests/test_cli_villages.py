"""Villages, households and provinces on the command line: one village however its name is
typed, rename and remove (never losing answers or codes), the codes printed again, province
codes to look up; argument mistakes answered in Vietnamese."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from surveys.access import Actor
from surveys.env import Settings
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock, read_file_db, snapshot, table_counts
from tests.summary_support import answer, open_round

NFD = unicodedata.normalize("NFD", "Bản Nậm Xe")


def rows(path: Path) -> dict:
    return read_file_db(path, snapshot)


def counts(path: Path) -> dict:
    return read_file_db(path, table_counts)


def villages(path: Path) -> list[tuple]:
    return rows(path)["villages"]


def village(*args: str) -> list[str]:
    return ["village", args[0], "--commune", str(COMMUNE), *args[1:]]


def test_one_village_whatever_the_unicode_form_case_or_spaces(db_path, capsys) -> None:
    assert main(village("add", "Bản Nậm Xe")) == 0
    assert NFD != "Bản Nậm Xe"
    assert main(village("add", NFD, "BẢN   NẬM XE", "bản nậm xe", "Bản Nà Xe")) == 0
    out = capsys.readouterr().out
    assert out.count("Đã có sẵn: Bản Nậm Xe") == 3 and "Đã thêm: Bản Nà Xe" in out
    assert [v[2] for v in villages(db_path)] == ["Bản Nậm Xe", "Bản Nà Xe"]
    # A name stored from NFD input is stored composed (NFC).
    assert main(village("add", unicodedata.normalize("NFD", "Thôn Cốc Lếch"))) == 0
    assert "Thôn Cốc Lếch" in [v[2] for v in villages(db_path)]
    # Household codes find the village by the same rule.
    issue = ["households", "issue", "--commune", str(COMMUNE), "--village", NFD, "--count", "1"]
    assert main(issue) == 0
    assert "cho Bản Nậm Xe, Xã Tân Uyên" in capsys.readouterr().out


def test_rename_keeps_the_village_and_refuses_a_clash(db_path, capsys) -> None:
    assert main(village("add", "Bản Nậm Se", "Bản Hô Be")) == 0
    (first, second) = villages(db_path)
    assert main(village("rename", "bản nậm se", NFD)) == 0
    assert "Đã đổi tên thôn «Bản Nậm Se» thành «Bản Nậm Xe»" in capsys.readouterr().out
    assert villages(db_path) == [(first[0], COMMUNE, "Bản Nậm Xe"), second]
    before = counts(db_path), villages(db_path)
    for argv, message in [
        (village("rename", "Bản Hô Be", "BẢN NẬM XE"), "xã đã có thôn «Bản Nậm Xe»"),
        (village("rename", "Bản Không Có", "Bản Mới"), "xã không có thôn «Bản Không Có»"),
        (village("rename", "Bản Hô Be", "x" * 61), "không hợp lệ: cần một dòng, từ 1 đến 60"),
    ]:
        assert main(argv) == 2
        assert message in capsys.readouterr().err
    after = counts(db_path), villages(db_path)
    assert after[1] == before[1] and after[0] == before[0] | {"audit_log": after[0]["audit_log"]}


def test_remove_an_unused_village(db_path, capsys) -> None:
    assert main(village("add", "Bản Thừa", "Bản Nà Ún")) == 0
    assert main(village("remove", "BẢN THỪA")) == 0
    assert capsys.readouterr().out.endswith("Đã xóa thôn «Bản Thừa».\n")
    assert [v[2] for v in villages(db_path)] == ["Bản Nà Ún"]


def test_remove_is_refused_with_household_codes_or_answers(db_path, capsys) -> None:
    async def fill() -> None:
        clock = FakeClock(datetime.now(UTC))
        services = await Services.open(
            str(db_path), clock=clock, settings=Settings(bot_username="ykien_bot")
        )
        try:
            await services.residents.add_villages(COMMUNE, ["Thôn 1", "Thôn 2"])
            await open_round(services, clock)
            await answer(services, 1, village="Thôn 1")
            await services.households.issue(Actor.operator(), COMMUNE, "Thôn 2", 2)
        finally:
            await services.close()

    asyncio.run(fill())
    before = rows(db_path)
    assert main(village("remove", "Thôn 1")) == 2
    assert "đã có 1 lượt trả lời từ thôn" in capsys.readouterr().err
    assert main(village("remove", "Thôn 2")) == 2
    assert "đã cấp 2 mã hộ gia đình cho thôn" in capsys.readouterr().err
    assert rows(db_path) == before


def test_households_list_prints_the_codes_again(db_path, tmp_path, capsys) -> None:
    assert main(village("add", "Bản Nà Ún", "Bản Hô Be")) == 0
    issue = ["households", "issue", "--commune", str(COMMUNE), "--count"]
    assert main([*issue, "2", "--village", "Bản Nà Ún"]) == 0
    assert main([*issue, "1", "--village", "Bản Hô Be"]) == 0
    issued = [
        line.split("\t")[0] for line in capsys.readouterr().out.splitlines() if "\thttps://" in line
    ]
    assert len(issued) == 3
    listing = ["households", "list", "--commune", str(COMMUNE)]
    assert main(listing) == 0
    out = capsys.readouterr().out
    assert "Bản Nà Ún, Xã Tân Uyên: 2 mã hộ" in out and "Bản Hô Be, Xã Tân Uyên: 1 mã hộ" in out
    assert [c for c in issued if c in out] == issued
    before = counts(db_path)
    sheet = tmp_path / "ban-na-un.html"
    assert main([*listing, "--village", "bản nà ún", "-o", str(sheet)]) == 0
    assert f"Phiếu in (có mã QR): {sheet}" in capsys.readouterr().out
    html = sheet.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and all(code in html for code in issued[:2])
    # Printing again issues nothing new.
    assert counts(db_path) == before | {"audit_log": before["audit_log"] + 1}
    for argv, message in [
        ([*listing, "-o", str(tmp_path / "all.html")], "xã có mã hộ ở 2 thôn"),
        ([*listing, "--village", "Bản Khác"], "xã chưa có thôn «Bản Khác»"),
    ]:
        assert main(argv) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "all.html").exists()


def test_households_list_of_a_commune_without_codes(db_path, capsys) -> None:
    assert main(["households", "list", "--commune", str(COMMUNE)]) == 0
    assert capsys.readouterr().out.startswith("Chưa có mã hộ nào.")


def test_provinces_and_their_codes(db_path, capsys) -> None:
    assert main(["provinces", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Mã tỉnh\tTên" and len(lines) == 34 + 2
    lai_chau = next(line for line in lines if "Lai Châu" in line)
    code = lai_chau.split("\t")[0]
    assert main(["communes", "list", "--search", "tan uyen", "--province", code]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Mã xã\tTên\tMã tỉnh\tTỉnh\n")
    assert f"{COMMUNE}\tXã Tân Uyên\t{code}\t" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["round", "close", "hai"], "Lỗi: tham số id: «hai» không phải số nguyên."),
        (["link"], "Lỗi: thiếu tham số bắt buộc: --commune."),
        (["summary", "--format", "docx"], "«docx» không phải lựa chọn hợp lệ; chọn một trong:"),
        (["round", "list", "--xa", "1"], "Lỗi: không hiểu tham số: --xa 1."),
        (["vilage", "list"], "Lỗi: tham số command: «vilage» không phải lựa chọn hợp lệ"),
        (["village", "list", "--commune"], "thiếu giá trị sau tham số này."),
    ],
)
def test_argument_errors_are_vietnamese(db_path, capsys, argv, message) -> None:
    before = counts(db_path)
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Cách dùng: ykien" in err
    for english in ("invalid", "required", "unrecognized", "expected", "error:"):
        assert english not in err, err
    assert counts(db_path) == before


def test_two_spellings_left_by_an_older_version_can_be_told_apart(db_path, capsys) -> None:
    """A database from before the rule may hold "Bản Nậm Xe" twice (NFC and NFD): the
    exact spelling is found first, and `village list` gives the id for the other."""

    async def old_duplicate() -> None:
        from storage import communes as communes_db

        services = await Services.open(str(db_path))
        try:
            async with services.db.transaction() as conn:
                await communes_db.insert_village(conn, COMMUNE, "Bản Nậm Xe")
                await communes_db.insert_village(conn, COMMUNE, NFD)
        finally:
            await services.close()

    asyncio.run(old_duplicate())
    assert main(village("list")) == 0
    listed = capsys.readouterr().out.splitlines()
    nfd_id = next(line.split("\t")[0] for line in listed if line.endswith(NFD))
    assert main(village("remove", nfd_id)) == 0
    assert [v[2] for v in villages(db_path)] == ["Bản Nậm Xe"]
