"""Renders an HTML report in headless Chromium and saves a PNG and a PDF of it.

    python scripts/render_report.py REPORT.html [--png OUT.png] [--pdf OUT.pdf]
    python scripts/render_report.py --demo [--png docs/report.png] [--pdf docs/report.pdf]

--demo builds a throwaway database where the households of four villages answered (the data
tests/test_documents.py prints), writes its report with `ykien summary --format html`, then
renders it. The README's picture is made by that test (YKIEN_WRITE_DOCS=1 pytest
tests/test_documents.py); this script is the same by hand. Needs a `chromium` (Debian: apt-get
install chromium) on PATH; the report loads nothing from the network, and the browser is
refused it anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.report_support: the data and the browser the test uses

from bot.cli import main as ykien  # noqa: E402
from surveys.services import Services  # noqa: E402
from tests.conftest import COMMUNE, FakeClock  # noqa: E402
from tests.report_support import chromium, households_answer, print_pdf, screenshot  # noqa: E402


async def _demo_db(path: Path) -> None:
    clock = FakeClock(datetime.now(UTC))
    services = await Services.open(str(path), clock=clock)
    try:
        await households_answer(services, clock)
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("html", nargs="?")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--png")
    parser.add_argument("--pdf")
    args = parser.parse_args()
    browser = chromium()
    if browser is None:
        sys.exit("scripts/render_report.py: không tìm thấy chromium (apt-get install chromium)")
    workdir = Path(tempfile.mkdtemp(prefix="ykien-report-"))
    if args.demo:
        db = workdir / "ykien.db"
        asyncio.run(_demo_db(db))
        html = workdir / "report.html"
        code = ykien(["--db", str(db), "summary", "--commune", str(COMMUNE), "-o", str(html)])
        if code:
            sys.exit(code)
    elif args.html:
        html = Path(args.html)
    else:
        parser.error("cần REPORT.html hoặc --demo")
    if args.png:
        screenshot(browser, html, Path(args.png), workdir / "profile")
    if args.pdf:
        print_pdf(browser, html, Path(args.pdf), workdir / "profile")


if __name__ == "__main__":
    main()
