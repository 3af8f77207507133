"""`ykien demo`: the whole system offline: sandbox over HTTP, the real bot, simulated residents.

Telegram residents through the Bot API sandbox, households of the first commune on the web
e-sheet, and Zalo residents of the same commune through the Zalo OA sandbox: its OA connected
as an operator does (`ykien zalo connect`), its signed webhooks reaching the bot process's
/zalo/webhook, the bot's replies going back through the sandbox's OA API.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.app import open_services
from bot.config import Config
from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer
from bot.simulate import Persona, Tally, journey
from bot.web_households import WebTally, household
from bot.web_server import free_port
from bot.zalo_residents import ZaloTally, connect_sandbox, zalo_journey
from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer
from handlers.views.reports import Format, commune_output
from handlers.views.texts import render
from surveys.access import Actor
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
ZALO_RESIDENTS = 6  # residents of the first commune answering on its Zalo OA
ZALO_HOUSEHOLDS = 2  # of them, those who send their household's code (the others the join code)
ZALO_RATE = "50"  # the bot's sends per second to the OA (YKIEN_ZALO_RATE's maximum)


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
    issued = await services.households.issue(Actor.operator(), code, villages[0], WEB_HOUSEHOLDS)
    survey = await services.answering.survey("ntm-2026")
    assert survey is not None
    links = [web_link(base, code, h.code) for h, _ in issued.households]
    return list(
        await asyncio.gather(
            *(household(link, survey, random.Random(rng.random()), satisfaction) for link in links)
        )
    )


async def _zalo_codes(services: Services) -> list[str]:
    """What each Zalo resident of the first commune sends: a household's code from its card
    (a village of its own), or the commune's join code from the poster (then picks a village)."""
    code = next(iter(COMMUNES))
    village = COMMUNES[code][1][1]
    await services.identity.load()  # the bot process learned its username (getMe)
    issued = await services.households.issue(Actor.operator(), code, village, ZALO_HOUSEHOLDS)
    token = await services.residents.join_token(code)
    assert token is not None
    households = [h.code for h, _ in issued.households]
    return households + [token] * (ZALO_RESIDENTS - len(households))


async def _zalo_residents(
    zalo: ZaloSandbox, codes: list[str], rng: random.Random
) -> list[ZaloTally]:
    satisfaction = COMMUNES[next(iter(COMMUNES))][0]

    def one(i: int, code: str) -> Awaitable[ZaloTally]:
        persona = _persona(rng, satisfaction)
        if i == 0:  # one changes an answer by typing «sửa N» on the review
            persona = replace(persona, changes_one=True, leaves_after=None)
        name = f"Cư dân Zalo {i}"
        return zalo_journey(
            zalo, f"88{i:017d}", code, random.Random(rng.random()), persona, name=name
        )

    return list(await asyncio.gather(*(one(i, code) for i, code in enumerate(codes))))


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
    zalo = ZaloSandbox()
    for code, (_, villages) in COMMUNES.items():
        await services.residents.add_villages(code, list(villages))
        await services.rounds.open(
            code, "ntm-2026", closes_at=services.env.now() + timedelta(days=14)
        )
        token = await services.residents.join_token(code)
        payloads[code] = f"j{token}"
    await connect_sandbox(services.env, zalo, next(iter(COMMUNES)))

    try:
        return await _run(config, services, payloads, db_path, residents, seed, started, zalo)
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
    zalo: ZaloSandbox,
) -> int:
    """The bot runs in its own process, as in production; this one plays Telegram, Zalo and
    people."""
    rng = random.Random(seed)
    sandbox = Sandbox(bot_username=config.settings.bot_username or "ykien_bot")
    tallies: list[Tally] = []
    async with SandboxServer(sandbox) as server, ZaloSandboxServer(zalo) as zserver:
        port = free_port()
        env = {
            "YKIEN_WEB_LISTEN": f"127.0.0.1:{port}",
            "YKIEN_WEB_URL": "",
            "YKIEN_ZALO_API_URL": zserver.url,
            "YKIEN_ZALO_OAUTH_URL": zserver.url,
            "YKIEN_ZALO_RATE": ZALO_RATE,
        }
        bot = BotProcess(sandbox, server.api_url, db_path, extra_env=env)
        await bot.start()
        zalo.webhook.register(f"http://127.0.0.1:{port}/zalo/webhook")
        zalo.webhook.start(concurrency=8)
        try:
            zalo_codes = await _zalo_codes(services)
            web, _, on_zalo = await asyncio.gather(
                _web_households(services, f"http://127.0.0.1:{port}", rng),
                _residents(sandbox, payloads, residents, rng, tallies),
                _zalo_residents(zalo, zalo_codes, rng),
            )
        finally:
            await zalo.webhook.stop()
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
    print(
        render(
            "cli_demo_zalo.txt",
            residents=len(on_zalo),
            households=ZALO_HOUSEHOLDS,
            answers=sum(t.answers for t in on_zalo),
            changed=sum(t.changed for t in on_zalo),
            finished=sum(t.finished for t in on_zalo),
            events=len(zalo.webhook.log.delivered),
            sent=len(zalo.sent),
        )
    )
    print()
    print(render("cli_demo_db.txt", path=db_path))
    return 0
