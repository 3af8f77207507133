"""Residents answering on Zalo through the OA sandbox: ykien against a bare webhook echo.

    python benchmarks/zalo.py [--residents 200] [--rate 50] [--deliveries 32]

1. `ykien run --web-listen` (no Telegram) as its own process, the sandbox's OA connected to the
   commune as `ykien zalo connect` does and YKIEN_ZALO_API_URL/_OAUTH_URL pointing at the
   sandbox in this process. N simulated residents (bot/zalo_residents.py) follow the OA, send
   the join code, pick the village by button and answer the default survey (buttons and typed
   digits), each step waiting for ykien's reply; the sandbox delivers the signed webhooks,
   up to --deliveries at once. Then a burst: every resident types a digit at the same moment.
2. benchmarks/zalo_echo.py as its own process: the same residents make the same number of
   events, each answered by one send call (the signature checked, nothing stored).
Both pace their send calls at --rate per second (YKIEN_ZALO_RATE; its maximum is 50, Zalo
allows about 20): with the replies paced, answers/s is bounded by the rate for both, and the
ratio says whether ykien keeps up. Prints answers/s of each and the ratio (target >= 0.5),
p50/p95 webhook acknowledgement time as the sandbox sees it in the journeys and in the burst
(target p95 <= 50 ms; Zalo waits 2 s), peak RSS of the ykien process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from process_stats import cpu_seconds, peak_rss_mb

from bot.simulate import Persona
from bot.web_server import free_port
from bot.zalo_residents import ZaloTally, connect_sandbox, zalo_journey
from bot.zalo_sandbox import SentMessage, ZaloSandbox, ZaloSandboxServer
from surveys.env import Settings
from surveys.services import Services

COMMUNE = 3598
SURVEY = "ntm-2026"
ROOT = Path(__file__).resolve().parents[1]


async def prepare(db_path: Path, zalo: ZaloSandbox) -> str:
    """The commune with two villages and an open round, its OA connected; its join code."""
    services = await Services.open(str(db_path), settings=Settings(bot_username="ykien_bot"))
    try:
        await services.residents.add_villages(COMMUNE, ["Bản Nà Ún", "Bản Hô Be"])
        await services.rounds.open(
            COMMUNE, SURVEY, closes_at=services.env.now() + timedelta(days=7)
        )
        await connect_sandbox(services.env, zalo, COMMUNE)
        token = await services.residents.join_token(COMMUNE)
    finally:
        await services.close()
    assert token is not None
    return token


def user_id(n: int) -> str:
    return f"88{n:017d}"


async def replied(zalo: ZaloSandbox, user: str, since: int) -> SentMessage:
    """The first message the OA sends ``user`` after their ``since``-th."""

    def found(messages: list[SentMessage]) -> SentMessage | None:
        return messages[since] if len(messages) > since else None

    return await zalo.wait_for(user, found, timeout=120)


async def burst(zalo: ZaloSandbox, users: list[str]) -> list[float]:
    """Every user types a digit at the same moment: the acknowledgement times of that burst."""
    before = len(zalo.webhook.log.acks)
    seen = {u: len(zalo.messages_to(u)) for u in users}
    for user in users:
        zalo.write(user, "4")
    await asyncio.gather(*(replied(zalo, u, seen[u]) for u in users))
    return zalo.webhook.log.acks[before:]


async def echo_resident(zalo: ZaloSandbox, user: str, events: int) -> None:
    """Follows, then writes ``events - 1`` times, each time waiting for the one reply."""
    for n in range(events):
        since = len(zalo.messages_to(user))
        if n == 0:
            zalo.follow(user)
        else:
            zalo.write(user, "4")
        await replied(zalo, user, since)


def persona(rng: random.Random) -> Persona:
    comment = "Cần làm thêm đèn đường ở ngõ xóm." if rng.random() < 0.3 else None
    return Persona(satisfaction=0.9, comment=comment)


def cuts_ms(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=100)
    return cuts[49] * 1000, cuts[94] * 1000


async def start(command: list[str], env: dict[str, str], ready: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stream = proc.stderr if ready == "stderr" else proc.stdout
    assert stream is not None
    line = await asyncio.wait_for(stream.readline(), 60)
    if proc.returncode is not None or not line:
        raise RuntimeError(f"{command[1]} did not start: {line!r}")
    return proc


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "YKIEN_TOKEN"}
    env.update(YKIEN_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    return env


async def run_ykien(
    folder: Path, residents: int, rate: float, deliveries: int
) -> tuple[list[ZaloTally], float, list[float], list[float], float, int, float]:
    """(tallies, elapsed s, journey acks, burst acks, peak RSS MB, send calls, CPU s in the
    journeys) of ykien."""
    zalo = ZaloSandbox()
    code = await prepare(folder / "zalo.db", zalo)
    async with ZaloSandboxServer(zalo) as server:
        port = free_port()
        env = base_env()
        env.update(
            YKIEN_ZALO_API_URL=server.url,
            YKIEN_ZALO_OAUTH_URL=server.url,
            YKIEN_ZALO_RATE=str(rate),
        )
        command = [sys.executable, "-m", "bot", "--db", str(folder / "zalo.db"), "run",
                   "--web-listen", f"127.0.0.1:{port}"]  # fmt: skip
        proc = await start(command, env, "stderr")
        try:
            zalo.webhook.register(f"http://127.0.0.1:{port}/zalo/webhook")
            zalo.webhook.start(concurrency=deliveries)
            started, cpu = time.perf_counter(), cpu_seconds(proc.pid)
            tallies = await asyncio.gather(
                *(
                    zalo_journey(
                        zalo, user_id(n), code, random.Random(n), persona(random.Random(n))
                    )
                    for n in range(residents)
                )
            )
            elapsed, cpu = time.perf_counter() - started, cpu_seconds(proc.pid) - cpu
            journey_acks = list(zalo.webhook.log.acks)
            burst_acks = await burst(zalo, [user_id(n) for n in range(residents)])
            rss = peak_rss_mb(proc.pid)
        finally:
            await zalo.webhook.stop()
            proc.terminate()
            await proc.wait()
    assert zalo.unimplemented == [], zalo.unimplemented
    return list(tallies), elapsed, journey_acks, burst_acks, rss, len(zalo.sent), cpu


async def run_echo(
    events: list[int], rate: float, deliveries: int
) -> tuple[float, list[float], list[float], int, float]:
    """(elapsed s, journey acks, burst acks, send calls, CPU s in the journeys) of the bare
    echo, same events."""
    zalo = ZaloSandbox()
    access, _ = zalo.authorise()
    async with ZaloSandboxServer(zalo) as server:
        port = free_port()
        env = base_env()
        env.update(
            YKIEN_ZALO_APP_ID=zalo.app_id, YKIEN_ZALO_OA_SECRET=zalo.oa_secret,
            YKIEN_ZALO_ACCESS_TOKEN=access,
        )  # fmt: skip
        command = [sys.executable, str(ROOT / "benchmarks" / "zalo_echo.py"), str(port),
                   server.url, str(rate)]  # fmt: skip
        proc = await start(command, env, "stdout")
        try:
            zalo.webhook.register(f"http://127.0.0.1:{port}/zalo/webhook")
            zalo.webhook.start(concurrency=deliveries)
            started, cpu = time.perf_counter(), cpu_seconds(proc.pid)
            await asyncio.gather(
                *(echo_resident(zalo, user_id(n), e) for n, e in enumerate(events))
            )
            elapsed, cpu = time.perf_counter() - started, cpu_seconds(proc.pid) - cpu
            journey_acks = list(zalo.webhook.log.acks)
            burst_acks = await burst(zalo, [user_id(n) for n in range(len(events))])
        finally:
            await zalo.webhook.stop()
            proc.terminate()
            await proc.wait()
    return elapsed, journey_acks, burst_acks, len(zalo.sent), cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="send calls per second (both)")
    parser.add_argument(
        "--deliveries", type=int, default=32, help="webhook deliveries the sandbox makes at once"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ykien-zalo-bench-"))

    tallies, elapsed, acks, burst_acks, rss, sent, cpu = await run_ykien(
        folder, args.residents, args.rate, args.deliveries
    )
    answers = sum(t.answers for t in tallies)
    finished = sum(t.finished for t in tallies)
    events = [t.events for t in tallies]
    e_elapsed, e_acks, e_burst, e_sent, e_cpu = await run_echo(events, args.rate, args.deliveries)

    print(
        f"residents answering on Zalo concurrently: {args.residents}, finished {finished}, "
        f"answers {answers}, webhook events {sum(events)}; sends paced at {args.rate:g}/s, "
        f"up to {args.deliveries} webhook deliveries at once"
    )
    ykien_rate, echo_rate = answers / elapsed, answers / e_elapsed
    for name, rate, journey, burst_, used in (
        ("ykien", ykien_rate, acks, burst_acks, cpu),
        ("bare echo", echo_rate, e_acks, e_burst, e_cpu),
    ):
        p50, p95 = cuts_ms(journey)
        b50, b95 = cuts_ms(burst_)
        print(
            f"{name:10} {rate:6.1f} answers/s  CPU {used / sum(events) * 1000:5.2f} ms/event  "
            f"ack p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            f"burst of {len(burst_)}: p50 {b50:6.1f} ms  p95 {b95:6.1f} ms"
        )
    print(f"ratio ykien / bare echo: {ykien_rate / echo_rate:.2f}  (target >= 0.5)")
    print(
        f"send calls/s: ykien {sent / elapsed:.1f} ({sent} calls), bare echo "
        f"{e_sent / e_elapsed:.1f} ({e_sent}); ack p95 target <= 50 ms (Zalo waits 2 s)"
    )
    print(f"ykien peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
