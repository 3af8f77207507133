"""The command line: each action works on a real database file; bad input exits 2 and
changes nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database
from tests.conftest import COMMUNE, read_file_db, snapshot


def rows(path: Path) -> dict:
    return read_file_db(path, snapshot)


def test_link_with_qr_poster(db_path, tmp_path, capsys) -> None:
    qr = tmp_path / "poster.png"
    assert main(["link", "--commune", str(COMMUNE), "--qr", str(qr)]) == 0
    out = capsys.readouterr().out
    assert "Xã Tân Uyên" in out and "https://t.me/ykien_bot?start=j" in out
    assert qr.read_bytes().startswith(b"\x89PNG")
    assert main(["link", "--commune", str(COMMUNE)]) == 0
    assert capsys.readouterr().out == out.replace(f"Đã lưu áp phích có mã QR vào {qr}.\n", "")


def test_round_lifecycle_and_summary(db_path, capsys) -> None:
    assert (
        main(
            [
                "round",
                "open",
                "--commune",
                str(COMMUNE),
                "--survey",
                "ntm-2026",
                "--closes",
                "2099-12-31 21:00",
            ]
        )
        == 0
    )
    assert "Đã tạo đợt 1" in capsys.readouterr().out
    assert main(["round", "list"]) == 0
    assert "open" in capsys.readouterr().out
    # A round without answers has no result: a clear refusal, not a "Chưa đủ mẫu" of nothing.
    assert main(["summary", "--commune", str(COMMUNE), "--format", "json"]) == 2
    assert "chưa có câu trả lời" in capsys.readouterr().err
    assert main(["round", "close", "1"]) == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["round", "open", "--commune", "99999999", "--survey", "ntm-2026"], "không có xã/phường"),
        (
            ["round", "open", "--commune", str(COMMUNE), "--survey", "khong-co"],
            "không có bộ câu hỏi",
        ),
        (
            ["round", "open", "--commune", str(COMMUNE), "--survey", "ntm-2026", "--closes", "mai"],
            "không đúng dạng",
        ),
        (
            [
                "round",
                "open",
                "--commune",
                str(COMMUNE),
                "--survey",
                "ntm-2026",
                "--closes",
                "2020-01-01 10:00",
            ],
            "đã qua",
        ),
        (
            [
                "round",
                "open",
                "--commune",
                str(COMMUNE),
                "--survey",
                "ntm-2026",
                "--at",
                "2099-01-02 10:00",
                "--closes",
                "2099-01-01 10:00",
            ],
            "giờ đóng phải sau giờ mở",
        ),
        (["round", "close", "42"], "không có đợt lấy ý kiến nào mã 42"),
        (["summary", "--commune", str(COMMUNE)], "chưa có đợt"),
        (["village", "list", "--commune", "1"], "không có xã/phường"),
    ],
)
def test_bad_arguments_exit_2_and_change_nothing(db_path, capsys, argv, message) -> None:
    main(["communes", "list", "--search", "zzzz"])  # creates the database
    before = rows(db_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert rows(db_path) == before


def test_second_open_round_of_same_survey_is_refused(db_path, capsys) -> None:
    assert main(["round", "open", "--commune", str(COMMUNE), "--survey", "ntm-2026"]) == 0
    before = rows(db_path)
    assert main(["round", "open", "--commune", str(COMMUNE), "--survey", "ntm-2026"]) == 2
    assert "đang mở (mã đợt 1). Đóng đợt đó trước: ykien round close 1" in capsys.readouterr().err
    assert rows(db_path) == before


BAD_SURVEYS = {
    "wrong_type.toml": (
        'id = "x"\ntitle = "T"\ndescription = "D"\n[[questions]]\nid = "a"\n'
        'kind = "yesno"\ntext = 5\noverall = true\n',
        "questions[1].text",
    ),
    "duplicate.toml": (
        'id = "x"\ntitle = "T"\ndescription = "D"\n'
        '[[questions]]\nid = "a"\nkind = "scale"\ntext = "Q"\n'
        "criteria_2026 = [2]\ncriteria_2021 = [2]\n"
        '[[questions]]\nid = "a"\nkind = "yesno"\ntext = "Q2"\noverall = true\n',
        "questions[2].id",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_SURVEYS))
def test_bad_survey_file_is_rejected_whole(db_path, tmp_path, capsys, name) -> None:
    text, field = BAD_SURVEYS[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    main(["survey", "list"])
    before = rows(db_path)
    assert main(["survey", "add", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi trong tệp khảo sát, không có gì được lưu: ")
    assert name in err and field in err
    assert rows(db_path) == before


def test_good_survey_file_is_added_once(db_path, tmp_path, capsys) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(
        'id = "mini"\ntitle = "Nhỏ"\ndescription = "Một câu"\n[[questions]]\n'
        'id = "chung"\nkind = "yesno"\ntext = "Hài lòng không?"\noverall = true\n',
        encoding="utf-8",
    )
    assert main(["survey", "add", str(path)]) == 0
    assert "mini" in capsys.readouterr().out
    assert main(["survey", "add", str(path)]) == 2
    assert "không bao giờ bị ghi đè" in capsys.readouterr().err
    assert main(["survey", "show", "mini"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"][0]["id"] == "chung"


def test_villages(db_path, capsys) -> None:
    assert main(["village", "add", "--commune", str(COMMUNE), "Bản Nà Ban", "Bản Hô Be"]) == 0
    assert main(["village", "add", "--commune", str(COMMUNE), "Bản Nà Ban"]) == 0
    assert "Đã có sẵn: Bản Nà Ban" in capsys.readouterr().out
    assert main(["village", "list", "--commune", str(COMMUNE)]) == 0
    assert "Bản Hô Be" in capsys.readouterr().out


def test_first_use_seeds_every_province_and_commune(db_path, capsys) -> None:
    assert main(["migrate"]) == 0

    async def count() -> tuple[int, int]:
        db = await Database.open(db_path)
        try:
            (provinces,) = await db.conn.execute_fetchall("SELECT count(*) FROM provinces")
            (communes,) = await db.conn.execute_fetchall("SELECT count(*) FROM communes")
            return provinces[0], communes[0]
        finally:
            await db.close()

    assert asyncio.run(count()) == (34, 3321)


def test_token_is_never_printed(capsys) -> None:
    from bot.config import Config

    config = Config.from_env({"YKIEN_TOKEN": "999:VERY-SECRET"})
    shown = f"{config!r} {config} {config.token} {config.token!r}"
    assert "VERY-SECRET" not in shown
    assert config.token is not None and config.token.reveal() == "999:VERY-SECRET"
