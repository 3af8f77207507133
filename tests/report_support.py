"""A commune with households that answered, and headless Chromium to print what it gives.

Shared by tests/test_documents.py and scripts/render_report.py (the picture in README.md).
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from surveys.access import Actor
from surveys.answering import Result
from surveys.model import QuestionKind
from surveys.services import Services
from tests.browser import CHROMIUM, HAVE_CHROMIUM, LAUNCH_ARGS
from tests.conftest import COMMUNE, FakeClock, tg_person
from tests.summary_support import open_round

VILLAGES = ("Thôn Nà Pa", "Thôn Cốc Pa", "Bản Hô Ta", "Thôn Tân Lập")
COMMENTS = (
    "Cần thêm đèn đường ở ngõ xóm",
    "Cần thêm đèn đường ở ngõ xóm",
    "Đường đẹp hơn trước",
    "Mong xã sửa cống thoát nước ở đầu thôn",
    None,
    None,
    None,
)


async def households_answer(
    services: Services, clock: FakeClock, *, homes: int = 40, seed: int = 2026
) -> int:
    """Issues codes in every village (the last one gets 2 only), and most households answer.

    Each question gets its own answer, so the shares differ; returns the round id.
    """
    rng = random.Random(seed)
    await services.residents.add_villages(COMMUNE, list(VILLAGES))
    round_id = await open_round(services, clock)
    uid = 0
    for v, village in enumerate(VILLAGES):
        count = 2 if v == len(VILLAGES) - 1 else homes
        sheet = await services.households.issue(Actor.operator(), COMMUNE, village, count)
        for household, _link in sheet.households:
            if rng.random() < 0.1:
                continue  # a household that did not answer
            uid += 1
            await services.households.join(
                await tg_person(services, uid), f"Hộ {uid}", household.code
            )
            await _answer(services, uid, rng, bias=0.15 * v)
    return round_id


async def _answer(services: Services, user_id: int, rng: random.Random, *, bias: float) -> None:
    step = (await services.answering.current(user_id)).step
    assert step is not None
    for i, q in enumerate(step.survey.questions):
        result: Result | None
        if q.kind is QuestionKind.TEXT:
            text = rng.choice(COMMENTS)
            if text is None:
                result = await services.answering.skip(user_id, step.response.id, i)
            else:
                result = await services.answering.comment(user_id, text)
        elif q.kind is QuestionKind.YESNO:
            yes = rng.random() < 0.93 - bias / 3
            result = await services.answering.answer(
                user_id, step.response.id, i, "1" if yes else "0"
            )
        else:
            good = rng.random() < 0.62 + (i % 5) * 0.07 - bias
            value = rng.choice("45") if good else rng.choice("1230" if i == 4 else "123")
            result = await services.answering.answer(user_id, step.response.id, i, value)
        assert result is not None and result.ok, (i, result)


def chromium() -> str | None:
    """The chromium the browser tests drive (tests/browser.py: Debian's, or YKIEN_TEST_CHROMIUM)."""
    return str(CHROMIUM) if HAVE_CHROMIUM else None


def _run(browser: str, profile: Path, *args: str) -> None:
    subprocess.run(
        [
            browser,
            "--headless",
            *LAUNCH_ARGS,
            "--hide-scrollbars",
            "--proxy-server=127.0.0.1:9",  # the report loads nothing; refuse the network anyway
            f"--user-data-dir={profile}",
            *args,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def print_pdf(browser: str, html: Path, pdf: Path, profile: Path) -> None:
    """The page as Chromium prints it: A4 and margins from the report's own @page rule."""
    _run(
        browser, profile, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html.resolve().as_uri()
    )


def screenshot(browser: str, html: Path, png: Path, profile: Path, height: int = 2600) -> None:
    _run(
        browser,
        profile,
        f"--screenshot={png}",
        f"--window-size=860,{height}",
        "--force-device-scale-factor=1",
        html.resolve().as_uri(),
    )
