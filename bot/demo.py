"""`ykien demo`: the whole system offline: sandbox over HTTP, the real bot, simulated residents."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.app import open_services
from bot.config import Config
from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer
from bot.simulate import Persona, Tally, journey
from bot.web_households import WebTally, household
from bot.web_server import free_port
from handlers.views.reports import Format, commune_output
from handlers.views.texts import render
from surveys.links import web_link
from surveys.services import Services
from surveys.summaries import SummaryRefused

# Three communes of Lai Châu, each with its villages and a different mood.
COMMUNES: dict[int, tuple[float, tuple[str, ...]]] = {
    3598: (0.95, ("Bản Nà Ban", "Bản Hô Be", "Bản Phiêng Phát", "Bản Tân Muôn")),
    3390: (0.88, ("Bản Bình Lư", "Bản Nà Đon", "Bản Lùng Thàng")),
    3394: (0.70, ("Bản Sin Suối Hồ", "Bản Thào Giàng Phìn", "Bản Vàng Pheo", "Bản Can Hồ")),
}
COMMENTS = (
    "Cần làm thêm đèn đường ở ngõ xóm.",
    "Mong xã sửa đoạn kênh mương đầu bản.",
    "Trạm y tế nên có thêm thuốc.",
    "Internet buổi tối hơi chậm.",
)
CONCURRENCY = 60
WEB_HOUSEHOLDS = 24  # households of the first commune answering on the web e-sheet


async def _residents(
    sandbox: Sandbox,
    payloads: dict[int, str],
    residents: int,
    rng: random.Random,
    tallies: list[Tally],
) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        code = rng.choice(list(COMMUNES))
        persona = _persona(rng, COMMUNES[code][0])
        user = sandbox.user(10_000 + i, first_name=f"Cư dân {i}")
        async with gate:
            tallies.append(
                await journey(sandbox, user, payloads[code], random.Random(rng.random()), persona)
            )

    await asyncio.gather(*(one(i) for i in range(residents)))


async def _web_households(services: Services, base: str, rng: random.Random) -> list[WebTally]:
    """Households of the first commune answer over HTTP on the bot process's e-sheet, while
    the chat residents answer through the sandbox."""
    code = next(iter(COMMUNES))
    satisfaction, villages = COMMUNES[code]
    await services.identity.load()  # the bot process learned its username (getMe)
    issued = await services.households.issue(code, villages[0], WEB_HOUSEHOLDS)
    survey = await services.answering.survey("ntm-2026")
    assert survey is not None
    links = [web_link(base, code, h.code) for h, _ in issued.households]
    return list(
        await asyncio.gather(
            *(household(link, survey, random.Random(rng.random()), satisfaction) for link in links)
        )
    )


def _persona(rng: random.Random, satisfaction: float) -> Persona:
    return Persona(
        satisfaction=satisfaction,
        leaves_after=rng.randint(1, 10) if rng.random() < 0.1 else None,
        changes_one=rng.random() < 0.15,
        comment=rng.choice(COMMENTS) if rng.random() < 0.3 else None,
    )


async def demo(config: Config, *, residents: int, seed: int) -> int:
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="ykien-demo-"))
    db_path = workdir / "ykien.db"
    config = config.override(db_path=db_path, token="123456:DEMO")
    services = await open_services(config)
    payloads = {}
    for code, (_, villages) in COMMUNES.items():
        await services.residents.add_villages(code, list(villages))
        await services.rounds.open(
            code, "ntm-2026", closes_at=services.env.now() + timedelta(days=14)
        )
        token = await services.residents.join_token(code)
        payloads[code] = f"j{token}"

    try:
        return await _run(config, services, payloads, db_path, residents, seed, started)
    finally:
        await services.close()


async def _run(
    config: Config,
    services: Services,
    payloads: dict[int, str],
    db_path: Path,
    residents: int,
    seed: int,
    started: float,
) -> int:
    """The bot runs in its own process, as in production; this one plays Telegram and people."""
    rng = random.Random(seed)
    sandbox = Sandbox(bot_username=config.bot_username or "ykien_bot")
    tallies: list[Tally] = []
    async with SandboxServer(sandbox) as server:
        port = free_port()
        web_env = {"YKIEN_WEB_LISTEN": f"127.0.0.1:{port}", "YKIEN_WEB_URL": ""}
        bot = BotProcess(sandbox, server.api_url, db_path, extra_env=web_env)
        await bot.start()
        try:
            web, _ = await asyncio.gather(
                _web_households(services, f"http://127.0.0.1:{port}", rng),
                _residents(sandbox, payloads, residents, rng, tallies),
            )
        finally:
            await bot.stop()

    elapsed = time.perf_counter() - started
    print(
        render(
            "cli_demo_done.txt",
            residents=residents,
            elapsed=elapsed,
            answers=sum(t.answers for t in tallies),
            finished=sum(t.finished for t in tallies),
        )
    )
    tz = services.settings.timezone
    for code in COMMUNES:
        print()
        try:
            report = await services.summaries.commune(code)
        except SummaryRefused as exc:
            print(render("cli_summary_refused.txt", error=exc.error.value, details=exc.details))
            continue
        text = commune_output(report, Format.TEXT, tz=tz, now=services.env.now()).content
        print(text.decode("utf-8").rstrip("\n"))
    print(
        render(
            "cli_demo_web.txt",
            households=len(web),
            answers=sum(t.answers for t in web),
            submitted=sum(t.submitted for t in web),
        )
    )
    print()
    print(render("cli_demo_db.txt", path=db_path))
    return 0
