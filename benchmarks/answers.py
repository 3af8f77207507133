"""Answers per second through the whole stack, against a bare echo bot, and the bot's memory.

    python benchmarks/answers.py [--residents 200] [--registered 10000]

Both bots run as separate processes polling the HTTP sandbox; this process plays Telegram and
the residents (each taps one answer, waits for the next question, 13 times). Prints answers/s
for ykien and for the echo bot (benchmarks/echo_bot.py: same Telegram calls, no database), the
ratio, and ykien's peak RSS with `--registered` residents in its database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.config import Config
from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer, SimUser
from bot.simulate import Persona, journey
from storage import people as people_db
from storage import residents as residents_db
from storage.people import Channel
from surveys.services import Services

COMMUNE = 3598
TAPS = 13


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far (from /proc, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_ykien(residents: int, registered: int) -> tuple[float, int, float, float]:
    db_path = Path(tempfile.mkdtemp(prefix="ykien-bench-")) / "ykien.db"
    payload = await prepare(db_path, registered)
    sandbox = Sandbox()
    async with SandboxServer(sandbox) as server:
        bot = BotProcess(sandbox, server.api_url, db_path)
        await bot.start()
        cpu = cpu_seconds(bot.pid)
        started = time.perf_counter()
        tallies = await asyncio.gather(
            *(
                journey(sandbox, sandbox.user(100 + i), payload, random.Random(i), Persona(0.9))
                for i in range(residents)
            )
        )
        elapsed = time.perf_counter() - started
        rss = peak_rss_mb(bot.pid)
        answers = sum(t.answers for t in tallies)
        cpu_ms = (cpu_seconds(bot.pid) - cpu) / answers * 1000
        await bot.stop()
    return answers / elapsed, answers, rss, cpu_ms


async def _echo_resident(sandbox: Sandbox, user: SimUser) -> int:
    def newest_with_buttons(since: int):
        return lambda: next((m for m in user.messages[since:] if m.buttons), None)

    since = len(user.messages)
    user.start("bench")
    screen = await sandbox.wait_for(newest_with_buttons(since), timeout=60, chat=user.id)
    for _ in range(TAPS):
        since = len(user.messages)
        user.press(screen, "4 · mức 4")
        screen = await sandbox.wait_for(newest_with_buttons(since), timeout=60, chat=user.id)
    return TAPS


async def run_echo(residents: int, client: str) -> tuple[float, float]:
    sandbox = Sandbox()
    async with SandboxServer(sandbox) as server:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).with_name("echo_bot.py")), server.api_url, client
        )
        await sandbox.wait_for(lambda: sandbox.calls_to("getUpdates"), timeout=30)
        cpu = cpu_seconds(proc.pid)
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(_echo_resident(sandbox, sandbox.user(100 + i)) for i in range(residents))
        )
        elapsed = time.perf_counter() - started
        cpu_ms = (cpu_seconds(proc.pid) - cpu) / sum(answers) * 1000
        proc.terminate()
        await proc.wait()
    return sum(answers) / elapsed, cpu_ms


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--registered", type=int, default=10_000)
    args = parser.parse_args()
    pool = Config().http_pool
    echo, echo_cpu = await run_echo(args.residents, "httpx")
    tuned, tuned_cpu = await run_echo(args.residents, "aiohttp")
    rate, answers, rss, cpu = await run_ykien(args.residents, args.registered)
    print(f"residents answering concurrently: {args.residents}, answers: {answers}")
    print(
        f"echo bot, PTB defaults:            {echo:6.1f} answers/s, {echo_cpu:5.2f} ms CPU/answer"
    )
    print(
        f"echo bot, ykien's aiohttp ({pool}):   {tuned:6.1f} answers/s, "
        f"{tuned_cpu:5.2f} ms CPU/answer"
    )
    print(f"ykien (SQLite, checks, templates): {rate:6.1f} answers/s, {cpu:5.2f} ms CPU/answer")
    print(f"ratio ykien / echo (PTB defaults): {rate / echo:.2f}   (target >= 0.8)")
    print(f"ratio ykien / echo (same client):  {rate / tuned:.2f}")
    print(
        f"ykien peak RSS with {args.registered:,} registered residents: {rss:.0f} MB "
        "(target < 150 MB)"
    )


if __name__ == "__main__":
    asyncio.run(main())
