"""`ykien sandbox` from the command line: it prints where the page is, stops on Ctrl+C, and
refuses a port it cannot use with a Vietnamese message, leaving nothing running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_starts_prints_the_address_serves_the_page_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "YKIEN_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        first = proc.stdout.readline()  # printed once the page and the bot are ready
        assert first.startswith("Sandbox tập huấn đang chạy: mở http://127.0.0.1:"), first
        url = first.split("mở ", 1)[1].split()[0]
        with urllib.request.urlopen(url, timeout=10) as answer:
            page = answer.read().decode()
        assert answer.status == 200 and "Người dân 1" in page and "Cán bộ xã 1" in page
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    rest, errors = proc.stdout.read(), proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, errors
    assert "Traceback" not in errors + rest
    databases = list(tmp_path.glob("ykien-sandbox-*/ykien-1.db"))
    assert len(databases) == 1  # a fresh database for this run, in the printed folder
    assert str(databases[0].parent) in rest


def test_a_taken_port_is_refused_in_vietnamese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["sandbox", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cổng {port} trên 127.0.0.1 đang có chương trình khác dùng" in err
    assert "Traceback" not in err


def test_a_port_out_of_range_is_refused_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["sandbox", "--port", "70000"]) == 2
    assert "cổng 70000 không hợp lệ" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no database was made
