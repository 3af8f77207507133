"""`ykien zalo connect|status`: secrets only from the environment, never printed; bad input
refused in Vietnamese with nothing stored; the status names a failed refresh."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.zalo import SECRETS
from storage import zalo as zalo_db
from storage.db import Database

IDS = ["--oa-id", "579745863508352884", "--app-id", "1234567890123456789"]
VALUES = {
    "YKIEN_ZALO_APP_SECRET": "app-secret-value",
    "YKIEN_ZALO_OA_SECRET": "oa-secret-value",
    "YKIEN_ZALO_ACCESS_TOKEN": "access-token-value",
    "YKIEN_ZALO_REFRESH_TOKEN": "refresh-token-value",
}


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ykien.db"
    monkeypatch.setenv("YKIEN_DB", str(path))
    assert main(["migrate"]) == 0
    return path


def _accounts(path: Path) -> list[zalo_db.ZaloAccount]:
    async def read() -> list[zalo_db.ZaloAccount]:
        db = await Database.open(path)
        try:
            return await zalo_db.list_accounts(db.conn)
        finally:
            await db.close()

    return asyncio.run(read())


def test_connect_then_status(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert set(VALUES) == set(SECRETS.values())
    assert main(["zalo", "status"]) == 0
    assert "Chưa kết nối OA Zalo nào" in capsys.readouterr().out
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    assert main(["zalo", "connect", *IDS]) == 0
    out = capsys.readouterr()
    assert "Đã lưu OA 579745863508352884" in out.out and "đang kết nối" in out.out
    [account] = _accounts(db_path)
    assert (account.access_token, account.refresh_token) == (
        "access-token-value",
        "refresh-token-value",
    )
    assert main(["zalo", "status"]) == 0
    status = capsys.readouterr()
    assert "OA 579745863508352884 (ứng dụng 1234567890123456789): đang kết nối" in status.out
    assert "làm mới lần cuối: chưa" in status.out
    printed = out.out + out.err + status.out + status.err
    assert [v for v in VALUES.values() if v in printed] == []


def test_a_failed_refresh_shows_in_the_status(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    assert main(["zalo", "connect", *IDS]) == 0

    async def fail() -> None:
        db = await Database.open(db_path)
        try:
            async with db.transaction() as conn:
                await zalo_db.record_refresh_failure(
                    conn, "579745863508352884", "error -14014 Refresh token already used",
                    datetime.now(UTC),
                )  # fmt: skip
        finally:
            await db.close()

    asyncio.run(fail())
    capsys.readouterr()
    assert main(["zalo", "status"]) == 0
    out = capsys.readouterr().out
    assert "LÀM MỚI TOKEN THẤT BẠI" in out and "-14014 Refresh token already used" in out


def test_missing_secrets_are_refused_and_nothing_is_stored(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("YKIEN_ZALO_APP_SECRET", "app-secret-value")
    assert main(["zalo", "connect", *IDS]) != 0
    err = capsys.readouterr().err
    assert "chưa đặt biến môi trường YKIEN_ZALO_OA_SECRET" in err
    assert "Không có gì được thay đổi" in err and "Traceback" not in err
    assert _accounts(db_path) == []


def test_a_bad_oa_id_is_refused_and_nothing_is_stored(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    assert main(["zalo", "connect", "--oa-id", "OA của xã", "--app-id", "123"]) != 0
    err = capsys.readouterr().err
    assert "mã OA phải gồm chữ, số" in err and "Không có gì được thay đổi" in err
    assert _accounts(db_path) == []
