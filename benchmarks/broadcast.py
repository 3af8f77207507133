"""Broadcast pacing, flood errors, memory and a kill -9 at half, against the HTTP sandbox.

    python benchmarks/broadcast.py [--large 100000] [--large-rate 1000]
                                   [--small 3000] [--small-rate 25] [--kill 10000]

The bot runs as its own process (`ykien run`) polling the HTTP sandbox, whose flood limit is
set to the configured rate (and one message per second per chat). For each run it prints the
achieved rate over the configured rate (target >= 0.95), the 429s received (target 0), and the
bot's peak RSS; the kill run SIGKILLs the bot at half, restarts it, and prints recipients lost
(target 0) and duplicates against the rows in flight at the kill.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from process_stats import cpu_seconds, peak_rss_mb

from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer
from storage import deliveries as ddb
from storage import people as people_db
from storage import residents as residents_db
from storage.people import Channel
from surveys.services import Services

COMMUNE = 3598
FIRST = 20_000_000
OFFER = "Xã đang lấy ý kiến"


async def prepare(db_path: Path, recipients: int) -> int:
    services = await Services.open(str(db_path))
    try:
        now = services.env.now()
        async with services.db.transaction() as conn:
            for i in range(recipients):
                person = await people_db.person_for(
                    conn, Channel.TELEGRAM, str(FIRST + i), create=True, now=now
                )
                assert person is not None
                await residents_db.upsert_membership(conn, person, f"R{i}", COMMUNE, now)
        launched = await services.broadcasts.open_round(
            COMMUNE, "ntm-2026", closes_at=now + timedelta(days=7)
        )
    finally:
        await services.close()
    return launched.broadcast.id


async def network_retries(db_path: Path) -> int:
    services = await Services.open(str(db_path))
    try:
        rows = await services.db.conn.execute_fetchall(
            "SELECT count(*) FROM delivery_transitions WHERE detail LIKE 'network%'"
        )
        return int(next(iter(rows))[0])
    finally:
        await services.close()


def delivered(sandbox: Sandbox) -> Counter[int]:
    """Invitations Telegram accepted, per chat (calls answered 429 or cut off do not count)."""
    return Counter(
        call.params["chat_id"]
        for call in sandbox.call_log
        if call.method == "sendMessage"
        and call.outcome == "ok"
        and str(call.params.get("text", "")).startswith(OFFER)
    )


def env(rate: float) -> dict[str, str]:
    return {"YKIEN_BROADCAST_RATE": str(rate), "YKIEN_QUIET_HOURS": "00:00-00:00"}


async def measure(
    sandbox: Sandbox,
    bot: BotProcess,
    db_path: Path,
    broadcast_id: int,
    recipients: int,
    rate: float,
    kill_at_half: bool,
) -> tuple[int, float, float, int, tuple[float, float]]:
    """Times the broadcast from its first message; kills and restarts the bot at half if asked.
    Returns (messages counted, seconds, bot's peak RSS in MB, rows 'sending' at the kill,
    CPU seconds used in that time by the bot and by this process, which serves the sandbox)."""

    def count() -> int:
        return sandbox.stats.sent["sendMessage"]

    await sandbox.wait_for(lambda: count() >= 1, timeout=120)
    started = time.perf_counter()
    bot_cpu, sandbox_cpu = cpu_seconds(bot.pid), time.process_time()
    target = recipients // 2 if kill_at_half else recipients
    timeout = recipients / min(rate, 50) + 120  # this machine's ceiling is far below 1,000/s
    await sandbox.wait_for(lambda: count() >= target, timeout=timeout)
    elapsed = time.perf_counter() - started
    sent = count()
    cpu = (cpu_seconds(bot.pid) - bot_cpu, time.process_time() - sandbox_cpu)
    rss = peak_rss_mb(bot.pid)
    in_flight = 0
    if kill_at_half:
        await bot.kill()
        services = await Services.open(str(db_path))
        counts = await ddb.state_counts(services.db.conn, broadcast_id)
        in_flight = counts.get("sending", 0)
        await services.close()
        restarted = BotProcess(sandbox, bot.api_url, db_path, extra_env=env(rate))
        await restarted.start()
        try:
            await sandbox.wait_for(lambda: count() >= recipients, timeout=timeout)
            await sandbox.wait_for(lambda: len(delivered(sandbox)) >= recipients, timeout=60)
        finally:
            await restarted.stop()
    else:
        await bot.stop()
    return sent, elapsed, rss, in_flight, cpu


async def run(recipients: int, rate: float, kill_at_half: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        broadcast_id = await prepare(db_path, recipients)
        sandbox = Sandbox()
        for i in range(recipients):
            sandbox.user(FIRST + i, f"R{i}")
        sandbox.set_flood_limit(rate, 1.0)
        async with SandboxServer(sandbox) as server:
            bot = BotProcess(sandbox, server.api_url, db_path, extra_env=env(rate))
            await bot.start()
            try:
                sent, elapsed, rss, in_flight, cpu = await measure(
                    sandbox, bot, db_path, broadcast_id, recipients, rate, kill_at_half
                )
            finally:
                if bot.proc is not None and bot.proc.returncode is None:
                    await bot.kill()
        achieved = (sent - 1) / elapsed if elapsed > 0 else float("nan")
        print(
            f"{recipients:>7} recipients at {rate:g}/s: achieved {achieved:.1f}/s, "
            f"ratio {achieved / rate:.3f}, 429s {sandbox.stats.rate_limited}, "
            f"peak RSS {rss:.0f} MB"
        )
        bot_ms, sandbox_ms = (1000 * c / max(1, sent - 1) for c in cpu)
        print(
            f"{'':>7} CPU per message: bot {bot_ms:.2f} ms (one core: at most "
            f"{1000 / bot_ms:.0f}/s), sandbox {sandbox_ms:.2f} ms "
            f"(at most {1000 / sandbox_ms:.0f}/s)"
        )
        if kill_at_half:
            retried = await network_retries(db_path)
            got = delivered(sandbox)
            lost = sum(1 for i in range(recipients) if got[FIRST + i] == 0)
            duplicates = sum(n - 1 for n in got.values() if n > 1)
            print(
                f"{'':>7} kill -9 at half: lost {lost}, duplicates {duplicates}, "
                f"in flight at the kill {in_flight}, sends retried after a network error "
                f"(may have arrived) {retried}"
            )


async def ceiling(messages: int, client: str) -> float:
    """A bare python-telegram-bot Bot (16 connections, no database, no pacing) sending to the
    same HTTP sandbox, in this process, without flood limit: what one core does at all
    (messages/s), with PTB's default httpx client and with ours (bot/http_client.py)."""
    from telegram import Bot
    from telegram.request import BaseRequest, HTTPXRequest

    from bot.http_client import AiohttpRequest

    sandbox = Sandbox()
    for i in range(messages):
        sandbox.user(FIRST + i, f"R{i}")
    async with SandboxServer(sandbox) as server:
        request: BaseRequest = (
            AiohttpRequest(16) if client == "aiohttp" else HTTPXRequest(16, pool_timeout=10.0)
        )
        bot = Bot("123456:SANDBOX", base_url=server.api_url, request=request)
        async with bot:
            started = time.perf_counter()
            for first in range(0, messages, 200):
                chats = range(FIRST + first, FIRST + min(messages, first + 200))
                await asyncio.gather(*(bot.send_message(c, OFFER) for c in chats))
            return messages / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--large-rate", type=float, default=1000)
    parser.add_argument("--small", type=int, default=3_000)
    parser.add_argument("--small-rate", type=float, default=25)
    parser.add_argument("--kill", type=int, default=10_000)
    parser.add_argument("--kill-rate", type=float, default=1000)
    parser.add_argument("--ceiling", type=int, default=5_000)
    args = parser.parse_args()
    if args.ceiling:
        rates = {client: await ceiling(args.ceiling, client) for client in ("httpx", "aiohttp")}
        print(
            "ceiling: a bare python-telegram-bot and the sandbox in one process send "
            f"{rates['httpx']:.0f}/s with httpx, {rates['aiohttp']:.0f}/s with aiohttp"
        )
    if args.small:
        await run(args.small, args.small_rate, kill_at_half=False)
    if args.large:
        await run(args.large, args.large_rate, kill_at_half=False)
    if args.kill:
        await run(args.kill, args.kill_rate, kill_at_half=True)


if __name__ == "__main__":
    asyncio.run(main())
