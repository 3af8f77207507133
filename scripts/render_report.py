"""Renders the HTML report in headless Chromium and saves a PNG and a PDF of it.

    python scripts/render_report.py REPORT.html [--png OUT.png] [--pdf OUT.pdf]
    python scripts/render_report.py --demo [--png docs/report.png] [--pdf docs/report.pdf]

--demo builds a throwaway database with a round answered by simulated residents, writes its
report with `ykien summary --format html`, then renders it: the picture in README.md comes from
there. Needs a `chromium` (Debian: apt-get install chromium) on PATH; the report itself loads
nothing from the network, so the browser runs with networking refused.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.cli import main as ykien
from surveys.services import Services

COMMUNE = 3598
ROOT = Path(__file__).resolve().parents[1]
VILLAGES = ("Thôn Nà Pa", "Thôn Cốc Pa", "Bản Hô Ta", "Thôn Tân Lập")


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome-headless-shell"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("scripts/render_report.py: không tìm thấy chromium (apt-get install chromium)")


def render(html: Path, png: Path | None, pdf: Path | None) -> None:
    browser = _browser()
    base = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--proxy-server=127.0.0.1:9",
        "--run-all-compositor-stages-before-draw",
    ]
    url = html.resolve().as_uri()
    if png is not None:
        subprocess.run([*base, f"--screenshot={png}", "--window-size=900,2400", url], check=True)
    if pdf is not None:
        subprocess.run([*base, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url], check=True)


async def _demo_db(path: Path) -> None:
    from tests.summary_support import answer, open_round

    rng = random.Random(2026)
    services = await Services.open(str(path))
    try:
        await services.residents.add_villages(COMMUNE, list(VILLAGES))
        clock = type("Clock", (), {"now": datetime.now(UTC)})()
        await open_round(services, clock)  # type: ignore[arg-type]
        for uid in range(1, 121):
            village = VILLAGES[uid % 3] if uid != 7 else VILLAGES[3]  # one village of one
            await answer(
                services,
                uid,
                village=village,
                scale=rng.choice("5544443321"),
                overall="1" if rng.random() < 0.93 else "0",
                comment=rng.choice([None, None, "Cần thêm đèn đường ở ngõ xóm", "Đường đẹp hơn"]),
            )
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--png")
    parser.add_argument("--pdf")
    args = parser.parse_args()
    png = Path(args.png) if args.png else None
    pdf = Path(args.pdf) if args.pdf else None
    if args.demo:
        sys.path.insert(0, str(ROOT))  # for tests.summary_support, the helper the tests use
        workdir = Path(tempfile.mkdtemp(prefix="ykien-report-"))
        db = workdir / "ykien.db"
        asyncio.run(_demo_db(db))
        html = workdir / "report.html"
        code = ykien(
            [
                "--db",
                str(db),
                "summary",
                "--commune",
                str(COMMUNE),
                "--format",
                "html",
                "-o",
                str(html),
            ]
        )
        if code:
            sys.exit(code)
    elif args.html:
        html = Path(args.html)
    else:
        parser.error("cần REPORT.html hoặc --demo")
    render(html, png, pdf)


if __name__ == "__main__":
    main()
