"""`ykien faq`: list, import (a bad file is rejected whole), export, review."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from handlers.views.texts import render
from storage.db import Database
from surveys.faq_content import (
    Problem,
    entry_to_toml,
    load_categories,
    load_dir,
    load_entries,
    package_dir,
)
from tests.conftest import read_file_db

FIXTURES = Path(__file__).parent / "data" / "faq" / "content"
# The shipped categories, read where the package keeps them (the agreed list is checked in
# tests/surveys/test_faq_service.py).
CATEGORIES = {c.id for c in load_categories(package_dir() / "categories.toml")}

GOOD = """[[entry]]
id = "{id}"
category = "dvc"
questions = ["Nộp lệ phí trên mạng thế nào?", "nop le phi online", "thanh toán lệ phí hồ sơ"]
answer = "1. Nộp hồ sơ trên dichvucong.gov.vn.\\n2. Chọn thanh toán trực tuyến."
reviewed = 2026-11-01
"""

BAD = {
    "bad_id.toml": (GOOD.format(id="Có Dấu"), "id", "3-40 ký tự"),
    "short_id.toml": (GOOD.format(id="ab"), "id", "3-40 ký tự"),
    "category.toml": (
        GOOD.format(id="le-phi").replace('"dvc"', '"thoi-tiet"'),
        "category",
        "không có chủ đề «thoi-tiet» trong categories.toml",
    ),
    "two_questions.toml": (
        GOOD.format(id="le-phi").replace(', "thanh toán lệ phí hồ sơ"', ""),
        "questions",
        "cần ít nhất 3 cách hỏi khác nhau",
    ),
    "long_answer.toml": (
        GOOD.format(id="le-phi").replace("Chọn thanh toán", "x" * 900),
        "answer",
        "tối đa 900",
    ),
    "html.toml": (
        GOOD.format(id="le-phi").replace("1. Nộp", "<b>1. Nộp</b>"),
        "answer",
        "không dùng thẻ HTML",
    ),
    "date.toml": (
        GOOD.format(id="le-phi").replace("2026-11-01", '"hôm qua"'),
        "reviewed",
        "phải là ngày TOML",
    ),
    "dup.toml": (GOOD.format(id="le-phi") + GOOD.format(id="le-phi"), "id", "bị trùng"),
    "extra.toml": (
        GOOD.format(id="le-phi").replace("reviewed", "tags = []\nreviewed"),
        "tags",
        "trường lạ",
    ),
    # The first entry is fine; the second is not: neither may be stored.
    "second_bad.toml": (GOOD.format(id="le-phi") + GOOD.format(id="x"), "id", "3-40 ký tự"),
}


def entries(path: Path) -> list[tuple]:
    async def read(db: Database) -> list[tuple]:
        found = await db.conn.execute_fetchall("SELECT * FROM faq_entries ORDER BY id")
        return [tuple(r) for r in found]

    return read_file_db(path, read)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_rejected_naming_file_entry_and_field(db_path, tmp_path, capsys, name):
    text, field, reason = BAD[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    main(["faq", "list"])
    before = entries(db_path)
    assert main(["faq", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi trong tệp câu hỏi thường gặp, không có gì được lưu: " + name)
    assert f"trường «{field}»" in err
    assert reason in err.rsplit("»: ", 1)[1]  # the reason, after the place
    assert entries(db_path) == before


def test_not_toml_and_missing_file(db_path, tmp_path, capsys) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[entry]\nid = ", encoding="utf-8")
    main(["faq", "list"])  # the first start stores the shipped FAQ
    before = entries(db_path)
    assert main(["faq", "import", str(path)]) == 2
    assert "broken.toml" in capsys.readouterr().err
    assert main(["faq", "import", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml" in capsys.readouterr().err
    assert entries(db_path) == before


def test_import_list_export_round_trip(db_path, tmp_path, capsys) -> None:
    for source in sorted(FIXTURES.glob("*.toml")):
        assert main(["faq", "import", str(source), "--replace"]) == 0
    out = capsys.readouterr().out
    assert "Đã nhập: thêm 1, cập nhật 0, không đổi 0 câu hỏi." in out and "ocop-la-gi" in out
    assert main(["faq", "list"]) == 0
    listing = capsys.readouterr().out
    assert "vneid-quen-mat-khau\t2025-06-01\timport\tQuên mật khẩu VNeID thì làm sao?" in listing
    # The shipped FAQ is there too; an imported id replaces the shipped entry of that id.
    shipped = {e.id for e in load_dir(package_dir())[1]}
    imported = {e.id for f in FIXTURES.glob("*.toml") for e in load_entries(f, CATEGORIES)}
    assert listing.rstrip().endswith(f"{len(shipped | imported)} câu hỏi.")
    assert listing.count("\timport\t") == len(imported) == 9
    exported = tmp_path / "export.toml"
    assert main(["faq", "export", "-o", str(exported)]) == 0
    back = load_entries(exported, CATEGORIES)
    assert {e.id for e in back} == shipped | imported
    assert {e.id: e for e in back}["khai-sinh-lien-thong"].answer.count("\n") == 4
    # Importing the export again changes nothing, not even where each entry came from, so
    # later updates of the shipped FAQ still apply to the shipped entries.
    before = entries(db_path)
    assert main(["faq", "import", str(exported)]) == 0
    total = len(shipped | imported)
    assert f"thêm 0, cập nhật 0, không đổi {total} câu hỏi." in capsys.readouterr().out
    after = entries(db_path)
    assert after == before
    assert {r[6] for r in after} == {"import", "package"}


def test_review_prints_its_three_lists(db_path, tmp_path, capsys) -> None:
    shutil.copy(FIXTURES / "vneid.toml", tmp_path / "vneid.toml")
    assert main(["faq", "import", str(tmp_path / "vneid.toml"), "--replace"]) == 0
    capsys.readouterr()
    assert main(["faq", "review"]) == 0
    out = capsys.readouterr().out
    # Only a date long past is asserted here (the CLI reads the wall clock); the year limit
    # itself is tested with the injected clock in tests/surveys/test_faq_service.py.
    assert "vneid-quen-mat-khau\txem lại lần cuối 2025-06-01" in out.split("Bị chấm")[0]
    assert "Câu hỏi chưa có câu trả lời" in out


def test_every_refusal_of_a_content_file_has_its_own_text() -> None:
    """Each loader problem code has a Vietnamese explanation in cli_faq_error.txt."""
    details = {"error": "E", "category": "c", "least": 3, "most": 9, "length": 10}
    texts = {
        render(
            "cli_faq_error.txt", file="f.toml", entry="", field="", problem=p.value, details=details
        )
        for p in Problem
    }
    assert len(texts) == len(Problem)
    assert not any(text.rstrip().endswith(p.value) for text in texts for p in Problem)


def test_import_overwrites_a_shipped_entry_only_with_replace(db_path, tmp_path, capsys) -> None:
    main(["faq", "export", "-o", str(tmp_path / "all.toml")])
    shipped = load_dir(package_dir())[1][0]
    exported = {e.id: e for e in load_entries(tmp_path / "all.toml", CATEGORIES)}
    assert exported[shipped.id].answer == shipped.answer
    edited = tmp_path / "edited.toml"
    changed = dataclasses.replace(shipped, answer="Xã hướng dẫn: " + shipped.answer[:800])
    text = entry_to_toml(changed) + "\n" + GOOD.format(id="le-phi-moi")
    edited.write_text(text, encoding="utf-8")
    capsys.readouterr()
    before = entries(db_path)
    assert main(["faq", "import", str(edited)]) == 2
    err = capsys.readouterr().err
    assert f"{shipped.id}\t(có sẵn trong ykien)" in err and "--replace" in err
    assert entries(db_path) == before  # not even the new entry
    assert main(["faq", "import", str(edited), "--replace"]) == 0
    out = capsys.readouterr().out
    assert "thêm 1, cập nhật 1, không đổi 0 câu hỏi." in out
    assert f"cập nhật\t{shipped.id}\t{shipped.category}\t(trước đây có sẵn;" in out
    origins = {r[0]: r[6] for r in entries(db_path)}
    assert origins[shipped.id] == "import" and origins["le-phi-moi"] == "import"
    assert main(["faq", "import", str(edited)]) == 0  # imported entries update freely
    assert "thêm 0, cập nhật 0, không đổi 2 câu hỏi." in capsys.readouterr().out
