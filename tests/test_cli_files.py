"""The files a command touches: a wrong --db is refused before SQLite creates, overwrites or
migrates anything; output files are checked first, never half-written, never overwritten
without --force; a closed pipe and an unreachable Bot API end with a message, not a traceback."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock, read_file_db, snapshot, table_counts
from tests.summary_support import answer, open_round

ROOT = Path(__file__).resolve().parents[1]
READS = [["round", "list"], ["communes", "list"], ["faq", "list"], ["summary"], ["audit"]]


def no_traceback(err: str) -> None:
    assert "Traceback" not in err and "sqlite3." not in err, err


def leftover_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads started since `before` that do not end: what would keep `ykien` from exiting.
    (A closed connection's worker thread may take a moment to end after close() returns.)"""
    new = [t for t in threading.enumerate() if t not in before and not t.daemon]
    for thread in new:
        thread.join(timeout=5)
    return [t for t in new if t.is_alive()]


def state(path: Path) -> tuple[dict, dict]:
    async def read(db):
        return await snapshot(db), await table_counts(db)

    return read_file_db(path, read)


@pytest.mark.parametrize("argv", READS, ids=" ".join)
def test_a_mistyped_db_is_not_created(tmp_path: Path, capsys, argv) -> None:
    typo = tmp_path / "ykein.db"
    threads = set(threading.enumerate())
    assert main(["--db", str(typo), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Lỗi: không có cơ sở dữ liệu {typo}. Kiểm tra lại --db") and (
        f"ykien --db {typo} migrate" in err
    )
    assert list(tmp_path.iterdir()) == []
    assert leftover_threads(threads) == []


def test_migrate_creates_the_database(tmp_path: Path, capsys) -> None:
    path = tmp_path / "new.db"
    assert main(["--db", str(path), "migrate"]) == 0
    assert path.exists()
    assert main(["--db", str(path), "round", "list"]) == 0
    assert "Chưa có đợt lấy ý kiến nào." in capsys.readouterr().out


@pytest.mark.parametrize("command", [["migrate"], ["round", "list"]], ids=" ".join)
def test_db_in_a_missing_folder_or_a_folder(tmp_path: Path, capsys, command) -> None:
    missing = tmp_path / "khong-co" / "y.db"
    assert main(["--db", str(missing), *command]) == 2
    err = capsys.readouterr().err
    assert f"thư mục {missing.parent} không tồn tại" in err
    assert main(["--db", str(tmp_path), *command]) == 2
    assert f"Lỗi: {tmp_path} là một thư mục" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [b"ghi chu cua xa\n", b"x" * 5000],  # SQLite used to overwrite a short file with a database
    ids=["short text", "long text"],
)
@pytest.mark.parametrize("command", [["migrate"], ["round", "list"]], ids=" ".join)
def test_a_file_that_is_not_a_database_is_left_alone(
    tmp_path: Path, capsys, content, command
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    threads = set(threading.enumerate())
    assert main(["--db", str(path), *command]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Lỗi: {path} không phải cơ sở dữ liệu của ykien")
    no_traceback(err)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert leftover_threads(threads) == []


def test_another_programs_database_is_not_migrated(tmp_path: Path, capsys) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    before = path.read_bytes()
    assert main(["--db", str(path), "migrate"]) == 2
    assert "của một chương trình khác" in capsys.readouterr().err
    assert path.read_bytes() == before


def damaged_copy(db_path: Path, tmp_path: Path, where: float) -> Path:
    """The seeded database with every page from `where` (a fraction of the file) on
    overwritten: early, the schema cannot be read; half-way, only the data pages are bad."""
    path = tmp_path / "damaged.db"
    shutil.copyfile(db_path, path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    start = max(int(len(data) * where) // page, 2) * page
    data[start:] = bytes(range(256)) * ((len(data) - start) // 256 + 1)
    path.write_bytes(bytes(data[: len(data)]))
    return path


def test_a_damaged_header_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "y.db"
    content = b"SQLite format 3\x00" + b"\xff" * 4000
    path.write_bytes(content)
    assert main(["--db", str(path), "round", "list"]) == 1
    err = capsys.readouterr().err
    assert f"Lỗi: cơ sở dữ liệu {path} bị hỏng" in err and "ykien backup" in err
    assert path.read_bytes() == content


@pytest.mark.parametrize("where", [0.0, 0.5], ids=["schema", "data"])
def test_a_damaged_database_exits_within_seconds(db_path: Path, tmp_path, capsys, where) -> None:
    """It used to print sqlite3.DatabaseError and then hang until killed: an unclosed
    aiosqlite connection kept its (non-daemon) worker thread, and so the process, alive."""
    path = damaged_copy(db_path, tmp_path, where)
    threads = set(threading.enumerate())
    started = time.monotonic()
    assert main(["--db", str(path), "communes", "list"]) == 1
    assert time.monotonic() - started < 30
    out, err = capsys.readouterr()
    assert f"Lỗi: cơ sở dữ liệu {path} bị hỏng" in err and out == ""
    no_traceback(err)
    assert leftover_threads(threads) == []  # nothing left to keep the process alive


def answered(path: Path) -> None:
    """One open round of the commune with one resident's answers."""

    async def fill() -> None:
        clock = FakeClock(datetime.now(UTC))
        services = await Services.open(str(path), clock=clock)
        try:
            await services.residents.add_villages(COMMUNE, ["Thôn 1"])
            await open_round(services, clock)
            await answer(services, 1, village="Thôn 1")
        finally:
            await services.close()

    asyncio.run(fill())


# Every command that writes a file, with what it needs beforehand.
ISSUE = ["households", "issue", "--commune", str(COMMUNE), "--village", "Bản Mới"]
WRITERS = {
    "summary": (["summary", "--commune", str(COMMUNE), "-o"], [answered]),
    "faq export": (["faq", "export", "-o"], []),
    "link --qr": (["link", "--commune", str(COMMUNE), "--qr"], []),
    "households issue": (
        [*ISSUE, "--count", "3", "-o"],
        [["village", "add", "--commune", str(COMMUNE), "Bản Mới"]],
    ),
    "households list": (
        ["households", "list", "--commune", str(COMMUNE), "-o"],
        [
            ["village", "add", "--commune", str(COMMUNE), "Bản Mới"],
            [*ISSUE, "--count", "2"],
        ],
    ),
    "backup": (["backup"], []),
}


def target_name(name: str) -> str:
    return "out.png" if name == "link --qr" else "out.txt"


def prepare(name: str, db_path: Path, capsys) -> list[str]:
    argv, setup = WRITERS[name]
    for step in setup:
        if callable(step):
            step(db_path)
        else:
            assert main(step) == 0
    capsys.readouterr()
    return argv


def writers(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    """The sub-commands with a --force option, found by walking the real parser."""
    found = {prefix} if any(a.dest == "force" for a in parser._actions) else set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= writers(sub, f"{prefix} {name}".strip())
    return found


def test_every_command_that_writes_a_file_is_tested() -> None:
    from bot.cli import build_parser as _parser

    assert writers(_parser()) == {name.removesuffix(" --qr") for name in WRITERS}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_output_in_a_missing_folder_changes_nothing(db_path, tmp_path, capsys, name) -> None:
    argv = prepare(name, db_path, capsys)
    before = state(db_path)
    target = tmp_path / "khong-co" / target_name(name)
    assert main([*argv, str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Lỗi: thư mục {target.parent} không tồn tại") and (
        "Không có gì thay đổi." in err
    )
    no_traceback(err)
    assert not target.parent.exists()
    after = state(db_path)
    assert after[0] == before[0]  # no codes, no join token, nothing
    assert after[1] == before[1] | {"audit_log": after[1]["audit_log"]}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_an_existing_file_needs_force(db_path, tmp_path, capsys, name) -> None:
    argv = prepare(name, db_path, capsys)
    target = tmp_path / target_name(name)
    target.write_bytes(b"old")
    before = state(db_path)
    assert main([*argv, str(target)]) == 2
    assert f"Lỗi: tệp {target} đã có. Thêm --force để ghi đè" in capsys.readouterr().err
    assert target.read_bytes() == b"old"
    assert state(db_path)[0] == before[0]
    assert main([*argv, str(tmp_path)]) == 2
    assert f"Lỗi: {tmp_path} là một thư mục" in capsys.readouterr().err
    assert main([*argv, str(target), "--force"]) == 0
    assert target.read_bytes() not in (b"old", b"")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, "ykien.db"])


def test_a_closed_pipe_ends_quietly(db_path: Path, monkeypatch, capsys) -> None:
    """`ykien communes list | head -1`: 3,321 lines into a pipe whose reader has left."""
    reader, writer = os.pipe()
    os.close(reader)
    with open(writer, "w", encoding="utf-8") as pipe:
        monkeypatch.setattr(sys, "stdout", pipe)
        assert main(["communes", "list"]) == 1
        monkeypatch.undo()
    err = capsys.readouterr().err
    assert (
        err == "Đầu ra đã bị đóng giữa chừng (ví dụ khi dùng | head): phần còn lại không được in.\n"
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_without_network_says_so(tmp_path: Path, capsys) -> None:
    path = tmp_path / "y.db"
    api = f"http://127.0.0.1:{closed_port()}/bot"
    threads = set(threading.enumerate())
    assert main(["--db", str(path), "run", "--token", "1:A", "--api-url", api]) == 1
    err = capsys.readouterr().err
    assert f"Lỗi: không kết nối được tới máy chủ Bot API ({api})" in err
    assert "Traceback" not in err and "Unclosed" not in err
    assert not path.exists()  # nothing was created before the Bot API answered
    assert leftover_threads(threads) == []


def test_qr_poster_needs_an_image_file_name(db_path: Path, tmp_path: Path, capsys) -> None:
    before = state(db_path)
    target = tmp_path / "poster.jpg"
    assert main(["link", "--commune", str(COMMUNE), "--qr", str(target)]) == 2
    assert "tệp này chỉ lưu được dạng .html hoặc .png" in capsys.readouterr().err
    assert not target.exists() and state(db_path)[0] == before[0]


def test_an_unreadable_database_says_so(db_path: Path, capsys) -> None:
    if os.geteuid() == 0:  # root reads everything: make the folder unusable instead
        pytest.skip("permissions do not apply to root")
    db_path.chmod(0)
    try:
        assert main(["round", "list"]) == 1
        assert f"Lỗi: không mở được cơ sở dữ liệu {db_path}" in capsys.readouterr().err
    finally:
        db_path.chmod(0o600)
