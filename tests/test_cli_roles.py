"""`ykien invite | roles | audit | retention` on a real database file; every action audited,
bad input exits 2 with a clear message and changes nothing but the audit log."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import COMMUNE, read_file_db, table_counts, tg_person


def counts(path: Path) -> dict[str, int]:
    return read_file_db(path, table_counts)


def test_invite_list_revoke(db_path, capsys) -> None:
    assert main(["invite", "staff", "--commune", str(COMMUNE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Lời mời số 1: cán bộ xã xã/phường mã 3598")
    assert "https://t.me/ykien_bot?start=i" in out and "ykien invite revoke 1" in out
    assert main(["invite", "officer", "--province", "12", "--days", "3"]) == 0
    assert main(["invite", "officer", "--commune", "3598", "--commune", "25747"]) == 0
    capsys.readouterr()
    assert main(["invite", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:3] for line in listing] == [
        ["1", "staff", "xã 3598"],
        ["2", "officer", "tỉnh 12"],
        ["3", "officer", "xã 3598,25747"],
    ]
    assert all(line.endswith("chưa dùng") for line in listing)
    assert main(["invite", "revoke", "2"]) == 0
    assert "Đã thu hồi lời mời số 2" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["invite", "staff", "--commune", "1"], "không có xã/phường mã 1"),
        (["invite", "officer", "--province", "99"], "không có tỉnh/thành mã 99"),
        (["invite", "staff", "--commune", str(COMMUNE), "--days", "0"], "từ 1 đến 90"),
        (["invite", "staff", "--commune", str(COMMUNE), "--days", "91"], "từ 1 đến 90"),
        (["invite", "revoke", "7"], "không có lời mời chưa dùng nào số 7"),
        (["roles", "revoke", "7"], "không có quyền đang hiệu lực nào số 7"),
        (["audit", "--since", "hôm qua"], "ngày «hôm qua» không đúng dạng"),
    ],
)
def test_bad_input_changes_nothing_but_the_audit(db_path, capsys, argv, message) -> None:
    assert main(["roles", "list"]) == 0  # creates the database
    before = counts(db_path)
    capsys.readouterr()
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    after = counts(db_path)
    assert after == before | {"audit_log": before["audit_log"] + 1}


def test_roles_revoke_and_audit(db_path, capsys) -> None:
    async def grant() -> None:
        from surveys.access import Role
        from surveys.services import Services

        services = await Services.open(str(db_path))
        await services.access.grant(await tg_person(services, 77), Role.STAFF, commune=COMMUNE)
        await services.close()

    asyncio.run(grant())
    assert main(["roles", "list"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split("\t")[:4] == ["1", "77", "staff", "xã 3598"]
    assert main(["roles", "revoke", "1"]) == 0
    assert "Menu lệnh của người đó được cập nhật khi bot khởi động lại" in capsys.readouterr().out
    assert main(["roles", "revoke", "1"]) == 2
    assert main(["roles", "list"]) == 0
    assert capsys.readouterr().out.startswith("Chưa cấp quyền nào.")
    assert main(["audit"]) == 0
    log = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(e[1], e[2], e[4]) for e in log] == [
        ("cli", "roles.manage", "ok"),  # the grant
        ("cli", "cli:roles list", "ok"),
        ("cli", "roles.manage", "ok"),  # the revocation
        ("cli", "cli:roles revoke", "ok"),
        ("cli", "cli:roles revoke", "failed"),
        ("cli", "cli:roles list", "ok"),
    ]
    assert main(["audit", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == "Nhật ký trống.\n"


def test_retention_run(db_path, capsys, monkeypatch) -> None:
    assert main(["retention", "run"]) == 0
    assert "Chưa đặt thời hạn lưu" in capsys.readouterr().out
    monkeypatch.setenv("YKIEN_RETENTION_DAYS", "30")
    assert main(["retention", "run"]) == 0
    assert (
        "Đã xóa danh tính của 0 người dân không hoạt động quá 30 ngày." in capsys.readouterr().out
    )
    monkeypatch.setenv("YKIEN_RETENTION_DAYS", "-1")
    assert main(["retention", "run"]) == 2
    assert "YKIEN_RETENTION_DAYS" in capsys.readouterr().err
