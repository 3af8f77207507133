"""The QR poster for a commune's join link (segno: maintained, pure Python, writes PNG)."""

from __future__ import annotations

from pathlib import Path

import segno


def write_qr(url: str, path: Path, *, scale: int = 10) -> None:
    """High error correction so a poster that is creased or dirty still scans."""
    segno.make(url, error="h").save(str(path), scale=scale, border=4)
