"""`ykien zalo connect --commune CODE` ties the OA to its commune, `ykien zalo status` shows it;
an unknown commune is refused in Vietnamese with nothing stored; connecting again without the
flag keeps the commune; the secrets read by the command are masked in its log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.cli import main
from storage import zalo as zalo_db
from tests.conftest import COMMUNE, read_file_db
from tests.zalo.test_cli_zalo import IDS, VALUES


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)


def _accounts(path: Path) -> list[zalo_db.ZaloAccount]:
    return read_file_db(path, lambda db: zalo_db.list_accounts(db.conn))


def test_an_unknown_commune_is_refused_and_nothing_is_stored(
    db_path: Path, secrets: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["zalo", "connect", *IDS, "--commune", "99999999"]) != 0
    err = capsys.readouterr().err
    assert "không có xã mã 99999999" in err and "Không có gì được thay đổi" in err
    assert "Traceback" not in err
    assert _accounts(db_path) == []


def test_the_commune_is_stored_shown_and_kept_on_reconnecting(
    db_path: Path, secrets: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["zalo", "connect", *IDS, "--commune", str(COMMUNE)]) == 0
    assert f"xã {COMMUNE}" in capsys.readouterr().out
    assert [a.commune_code for a in _accounts(db_path)] == [COMMUNE]
    assert main(["zalo", "connect", *IDS]) == 0  # new tokens, same commune
    assert [a.commune_code for a in _accounts(db_path)] == [COMMUNE]
    capsys.readouterr()
    assert main(["zalo", "status"]) == 0
    assert f"  xã: {COMMUNE}\n" in capsys.readouterr().out


def test_the_secrets_read_are_masked_in_the_log(
    db_path: Path, secrets: None, caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["zalo", "connect", *IDS]) == 0
    logging.getLogger("aiosqlite").warning("leak %s", " ".join(VALUES.values()))
    assert "leak *** *** *** ***" in caplog.text
    assert [v for v in VALUES.values() if v in caplog.text] == []
