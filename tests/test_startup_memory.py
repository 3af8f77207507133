"""`ykien run` freezes the objects alive at its start (bot.runtime.freeze_startup_objects), so
a full garbage collection walks only what requests made since (README: the e-sheet's Speed)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bot.cli import main


def test_ykien_run_freezes_its_startup_objects_before_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("YKIEN_TOKEN", raising=False)
    monkeypatch.delenv("YKIEN_WEB_LISTEN", raising=False)
    gc.unfreeze()
    try:
        assert main(["--db", str(tmp_path / "y.db"), "run"]) == 2  # no token: refused
        assert gc.get_freeze_count() > 10_000  # the imported modules at least
        assert "Traceback" not in capsys.readouterr().err
    finally:
        gc.unfreeze()
