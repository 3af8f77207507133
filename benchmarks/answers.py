"""Answers per second through the whole stack, against a bare echo bot, and the bot's memory.

    python benchmarks/answers.py [--residents 200] [--registered 10000] [--rounds 3]
        [--compare /work/main] [--profile ykien.prof] [--no-httpx]

Both bots run as separate processes polling the HTTP sandbox; this process plays Telegram and
the residents: the same simulated people (bot/simulate.journey) join, press "start" and answer
the 13 questions, each waiting for the next question before the next tap, against ykien and
against the echo bot (benchmarks/echo_bot.py: the same Telegram calls, no database). Prints
answers/s for both, the ratio, and ykien's peak RSS with `--registered` residents in its
database. The machine may be shared: echo and ykien runs alternate for `--rounds` rounds and
the medians are shown (with every round's figure); `--compare` runs another checkout's ykien in
the same rounds, `--profile` writes a cProfile of ykien's first round (pstats format).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from process_stats import cpu_seconds, peak_rss_mb

from bot.config import Config
from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer
from bot.simulate import Persona, journey
from storage import people as people_db
from storage import residents as residents_db
from storage.people import Channel
from surveys.services import Services

COMMUNE = 3598


@dataclass(frozen=True)
class Run:
    rate: float  # answers/s
    answers: int
    cpu_ms: float  # the bot process's CPU per answer
    rss_mb: float  # the bot's peak RSS (ykien only)


async def prepare(db_path: Path, registered: int) -> str:
    services = await Services.open(str(db_path))
    try:
        now = services.env.now()
        async with services.db.transaction() as conn:
            for i in range(registered):
                person = await people_db.person_for(
                    conn, Channel.TELEGRAM, str(9_000_000 + i), create=True, now=now
                )
                assert person is not None
                await residents_db.upsert_membership(conn, person, f"R{i}", COMMUNE, now)
        await services.rounds.open(COMMUNE, "ntm-2026", closes_at=now + timedelta(days=7))
        token = await services.residents.join_token(COMMUNE)
    finally:
        await services.close()
    assert token is not None
    return f"j{token}"


async def _residents(sandbox: Sandbox, residents: int, payload: str) -> tuple[float, int]:
    """Every resident walks the round at once (the same simulated people for both bots);
    returns the seconds it took and the answers the bot acknowledged."""
    started = time.perf_counter()
    tallies = await asyncio.gather(
        *(
            journey(sandbox, sandbox.user(100 + i), payload, random.Random(i), Persona(0.9))
            for i in range(residents)
        )
    )
    return time.perf_counter() - started, sum(t.answers for t in tallies)


async def run_ykien(
    residents: int, registered: int, *, checkout: Path | None = None, profile: Path | None = None
) -> Run:
    """ykien (this checkout's code, or `checkout`'s) on a fresh database."""
    db_path = Path(tempfile.mkdtemp(prefix="ykien-bench-")) / "ykien.db"
    payload = await prepare(db_path, registered)
    sandbox = Sandbox()
    async with SandboxServer(sandbox) as server:
        bot = BotProcess(sandbox, server.api_url, db_path, cwd=checkout, profile=profile)
        await bot.start()
        cpu = cpu_seconds(bot.pid)
        elapsed, answers = await _residents(sandbox, residents, payload)
        rss = peak_rss_mb(bot.pid)
        cpu_ms = (cpu_seconds(bot.pid) - cpu) / answers * 1000
        await bot.stop()
    return Run(answers / elapsed, answers, cpu_ms, rss)


async def run_echo(residents: int, client: str) -> Run:
    sandbox = Sandbox()
    async with SandboxServer(sandbox) as server:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).with_name("echo_bot.py")), server.api_url, client
        )
        await sandbox.wait_for(lambda: sandbox.calls_to("getUpdates"), timeout=30)
        cpu = cpu_seconds(proc.pid)
        elapsed, answers = await _residents(sandbox, residents, "bench")
        cpu_ms = (cpu_seconds(proc.pid) - cpu) / answers * 1000
        proc.terminate()
        await proc.wait()
    return Run(answers / elapsed, answers, cpu_ms, float("nan"))


def _line(name: str, runs: list[Run]) -> str:
    rate = statistics.median(r.rate for r in runs)
    cpu = statistics.median(r.cpu_ms for r in runs)
    each = ", ".join(f"{r.rate:.1f}" for r in runs)
    return f"{name:<36}{rate:6.1f} answers/s ({each}), {cpu:5.2f} ms CPU/answer"


def _ratio(name: str, ykien: list[Run], echo: list[Run]) -> str:
    ratios = [y.rate / e.rate for y, e in zip(ykien, echo, strict=True)]
    each = ", ".join(f"{r:.2f}" for r in ratios)
    return f"{name:<36}{statistics.median(ratios):.2f}   (per round: {each})"


def _cpu_ratio(name: str, ykien: list[Run], echo: list[Run]) -> str:
    ratios = [e.cpu_ms / y.cpu_ms for y, e in zip(ykien, echo, strict=True)]
    each = ", ".join(f"{r:.2f}" for r in ratios)
    return f"{name:<36}{statistics.median(ratios):.2f}   (per round: {each})"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--registered", type=int, default=10_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="echo and ykien runs, alternated (medians shown)"
    )
    parser.add_argument(
        "--compare", type=Path, help="another checkout (e.g. /work/main): its ykien, same rounds"
    )
    parser.add_argument("--profile", type=Path, help="cProfile ykien's first round into this file")
    parser.add_argument(
        "--no-httpx", action="store_true", help="skip the slow echo bot on PTB's default client"
    )
    args = parser.parse_args()
    pool = Config().http_pool
    default = None if args.no_httpx else await run_echo(args.residents, "httpx")
    echo: list[Run] = []
    ykien: list[Run] = []
    other: list[Run] = []
    for n in range(args.rounds):  # alternated: the machine's other load hits every bot alike
        echo.append(await run_echo(args.residents, "aiohttp"))
        profile = args.profile if n == 0 else None
        ykien.append(await run_ykien(args.residents, args.registered, profile=profile))
        if args.compare is not None:
            other.append(await run_ykien(args.residents, args.registered, checkout=args.compare))
    print(
        f"residents answering concurrently: {args.residents}, answers per run: {ykien[0].answers}, "
        f"rounds: {args.rounds} (median, then each round)"
    )
    if default is not None:
        print(_line("echo bot, PTB defaults (1 run):", [default]))
    print(_line(f"echo bot, ykien's aiohttp ({pool}):", echo))
    print(_line("ykien (SQLite, checks, templates):", ykien))
    if args.compare is not None:
        print(_line(f"ykien of {args.compare}:", other))
    if default is not None:
        median = statistics.median(y.rate for y in ykien)
        print(f"ratio ykien / echo (PTB defaults):   {median / default.rate:.2f}")
    print(_ratio("ratio ykien / echo (same client):", ykien, echo) + "   (target >= 0.8)")
    if args.compare is not None:
        print(_ratio(f"ratio {args.compare} / echo:", other, echo))
    # What the ratio tends to on an idle machine, where each bot's one event loop is the limit.
    print(_cpu_ratio("CPU ratio echo / ykien per answer:", ykien, echo))
    if args.compare is not None:
        print(_cpu_ratio(f"CPU ratio echo / {args.compare}:", other, echo))
    rss = max(r.rss_mb for r in ykien)
    print(
        f"ykien peak RSS, {args.registered:,} registered residents: {rss:.0f} MB (target < 150 MB)"
    )


if __name__ == "__main__":
    asyncio.run(main())
