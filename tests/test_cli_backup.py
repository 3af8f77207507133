"""`ykien backup FILE`: a consistent copy that opens as the same database; never overwrites."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.cli import main
from storage.db import Database
from tests.conftest import COMMUNE, snapshot, table_counts


def state(path: Path) -> tuple[dict, dict]:
    async def read() -> tuple[dict, dict]:
        db = await Database.open(path, migrate_now=False)
        try:
            return await snapshot(db), await table_counts(db)
        finally:
            await db.close()

    return asyncio.run(read())


def test_backup_copies_everything(tmp_path: Path, db_path: Path, capsys) -> None:
    assert main(["village", "add", "--commune", str(COMMUNE), "Bản Nà Ún"]) == 0
    copy = tmp_path / "copy.db"
    assert main(["backup", str(copy)]) == 0
    assert capsys.readouterr().out.endswith(f"Đã sao lưu vào {copy} (kiểm tra toàn vẹn: đạt).\n")
    live_rows, live_counts = state(db_path)
    copy_rows, copy_counts = state(copy)
    assert copy_rows == live_rows
    assert copy_counts == live_counts | {"audit_log": live_counts["audit_log"] - 1}


def test_backup_never_overwrites_without_force(tmp_path: Path, db_path: Path, capsys) -> None:
    old = tmp_path / "old.db"
    old.write_bytes(b"an older backup")
    assert main(["backup", str(old)]) == 2
    assert "đã có. Thêm --force để ghi đè" in capsys.readouterr().err
    assert old.read_bytes() == b"an older backup"
    assert main(["backup", str(tmp_path / "no" / "such" / "dir.db")]) == 2
    assert "thư mục" in capsys.readouterr().err and not (tmp_path / "no").exists()
    assert main(["backup", str(old), "--force"]) == 0
    assert "kiểm tra toàn vẹn: đạt" in capsys.readouterr().out
    assert state(old)[0] == state(db_path)[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db", "ykien.db"]
