"""`ykien round open` creates the broadcast; `ykien broadcast list|show|cancel`; refusals exit
2 and change nothing."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database
from surveys.services import Services
from tests.conftest import COMMUNE, read_file_db, table_counts, tg_person


@pytest.fixture
def db_path(db_path: Path) -> Path:
    """The shared database file, with three residents of the commune."""
    path = db_path

    async def residents() -> None:
        services = await Services.open(str(path))
        try:
            for uid in (11, 12, 13):
                await services.residents.join(await tg_person(services, uid), f"Dân {uid}", COMMUNE)
        finally:
            await services.close()

    asyncio.run(residents())
    return path


def counts(path: Path) -> dict[str, int]:
    return read_file_db(path, table_counts)


def states(path: Path) -> list[tuple[str, str]]:
    async def read(db: Database) -> list[tuple[str, str]]:
        rows = await db.conn.execute_fetchall(
            "SELECT b.status, d.state FROM deliveries d JOIN broadcasts b "
            "ON b.id = d.broadcast_id ORDER BY d.id"
        )
        return [(r[0], r[1]) for r in rows]

    return read_file_db(path, read)


OPEN = ["round", "open", "--commune", str(COMMUNE), "--survey", "ntm-2026"]


def test_round_open_at_a_time_creates_its_broadcast_then_cancel(db_path, capsys) -> None:
    assert main([*OPEN, "--at", "2099-12-01 19:00", "--closes", "2099-12-15 21:00"]) == 0
    out = capsys.readouterr().out
    assert "sẽ gửi tới 3 người, tin đầu tiên đi lúc 19:00 01/12/2099;" in out
    assert states(db_path) == [("scheduled", "queued")] * 3

    assert main(["broadcast", "list"]) == 0
    assert "scheduled" in capsys.readouterr().out
    assert main(["broadcast", "show", "1"]) == 0
    assert "chờ gửi" in capsys.readouterr().out
    assert main(["broadcast", "cancel", "1"]) == 0
    assert "Đã hủy lượt gửi 1" in capsys.readouterr().out
    assert states(db_path) == [("cancelled", "skipped")] * 3

    before = counts(db_path)
    assert main(["broadcast", "cancel", "1"]) == 2
    assert "không hủy được" in capsys.readouterr().err
    assert main(["broadcast", "cancel", "99"]) == 2
    assert "không có lượt gửi 99" in capsys.readouterr().err
    assert counts(db_path) == {**before, "audit_log": before["audit_log"] + 2}  # refusals logged


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--at", "2001-01-01 08:00"], ""),
        (["--at", "2099-12-15 08:00", "--closes", "2099-12-01 08:00"], ""),
        (["--survey", "khong-co"], "khong-co"),
    ],
)
def test_bad_round_open_stores_no_broadcast(db_path, capsys, extra, message) -> None:
    before = counts(db_path)
    assert main([*OPEN, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi") and message in err
    assert counts(db_path) == {**before, "audit_log": before["audit_log"] + 1}  # the refusal


def test_round_open_in_quiet_hours_prints_the_real_first_send(db_path, capsys, monkeypatch):
    assert main([*OPEN, "--at", "2099-12-01 03:29"]) == 0
    out = capsys.readouterr().out
    assert "mở từ 03:29 01/12/2099" in out
    assert "tin đầu tiên đi lúc 07:00 01/12/2099 (sau giờ yên tĩnh" in out
    assert "bắt đầu 03:29" not in out
    assert states(db_path) == [("scheduled", "queued")] * 3


def test_round_open_on_a_blackout_date_prints_the_next_day(db_path, capsys, monkeypatch):
    monkeypatch.setenv("YKIEN_BLACKOUT_DATES", "2099-12-10")  # a Tết-like day without messages
    assert main([*OPEN, "--at", "2099-12-10 09:00"]) == 0
    out = capsys.readouterr().out
    assert "mở từ 09:00 10/12/2099" in out and "tin đầu tiên đi lúc 07:00 11/12/2099" in out


def test_cancelling_the_invitation_of_a_round_with_answers_keeps_it_open(db_path, capsys):
    assert main(OPEN) == 0  # opens now; no bot is running, so the invitation waits
    capsys.readouterr()

    async def answer() -> None:
        services = await Services.open(str(db_path))
        try:
            step = (await services.answering.current(11)).step
            await services.answering.answer(11, step.response.id, 0, "4")
        finally:
            await services.close()

    asyncio.run(answer())
    assert main(["broadcast", "cancel", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^Đã hủy lượt gửi 1 của đợt 1 năm \d{4} \(mã đợt 1\)\.", out)
    assert re.search(r"\nĐợt 1 năm \d{4} vẫn mở: đã có 1 người trả lời", out)
    assert "ykien round close 1" in out

    async def read(db: Database) -> tuple:
        rows = await db.conn.execute_fetchall("SELECT closed_at FROM rounds WHERE id = 1")
        answers = await db.conn.execute_fetchall("SELECT count(*) FROM answers")
        return rows[0][0], answers[0][0]

    assert read_file_db(db_path, read) == (None, 1)
    assert states(db_path) == [("cancelled", "skipped")] * 3
    assert main(["round", "close", "1"]) == 0  # closing stays the operator's own decision
    assert read_file_db(db_path, read)[0] is not None


def test_cancelling_an_unanswered_invitation_closes_its_round_and_says_so(db_path, capsys):
    assert main([*OPEN, "--at", "2099-12-01 19:00"]) == 0
    capsys.readouterr()
    assert main(["broadcast", "cancel", "1"]) == 0
    assert "Đợt 1 năm 2099 chưa có ai trả lời nên cũng đã đóng" in capsys.readouterr().out
