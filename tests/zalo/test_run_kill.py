"""kill -9 of the whole `ykien run --web-listen` (no Telegram) with Zalo events acknowledged and
still queued: the restarted process on the same database handles every acknowledged event
once: one answer per question, nothing lost, nothing doubled, and each resident gets the
replies (the interrupted event's again: replies are at least once, stored effects once).

The OA sandbox runs here; the process reaches it through YKIEN_ZALO_API_URL/_OAUTH_URL. While
its API is down (``go_down``) the worker's first reply to each resident is retried with
backoff, so each resident's first answer is committed but its event not marked, and the
events after it wait in the queue: that is when the process is killed. A second test kills it
in the middle of a burst of follows being acknowledged (group commits under way)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.web_server import free_port
from bot.zalo_residents import connect_sandbox
from bot.zalo_sandbox import Event, SentMessage, ZaloSandbox, ZaloSandboxServer
from handlers.zalo.events import parse
from storage.db import Database
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY

ROOT = Path(__file__).resolve().parents[2]
RESIDENTS = [f"88{i:017d}" for i in range(1, 5)]
DIGITS = "543"  # typed answers to questions 1-3 (duong, dien, thuy_loi), queued at the kill
ORDER = ("duong", "dien", "thuy_loi")
BURST = 150  # follows posted at once; the pusher's HTTP client keeps at most 100 in flight
KILL_AFTER = 20  # acknowledgements: by then at most 120 were sent, so 30 or more were not
WAIT = 20.0  # a safety net for a slow machine; every wait ends on what the sandbox or db saw
START = 30.0  # the same for a start: importing and migrating take seconds on a busy machine


async def _every(zalo: ZaloSandbox, found: Callable[[list[SentMessage]], bool]) -> None:
    """Until ``found`` holds for what the OA sent each resident (woken by each send)."""
    await asyncio.gather(
        *(zalo.wait_for(u, lambda m: True if found(m) else None, timeout=WAIT) for u in RESIDENTS)
    )


def _at_question_four(sent: list[SentMessage]) -> bool:
    return sent[-1].text.startswith("Đã lưu") and "Câu 4/13" in sent[-1].text


async def _prepare(db_path: Path, zalo: ZaloSandbox) -> str:
    services = await Services.open(str(db_path))
    try:
        env = services.env
        await connect_sandbox(env, zalo, COMMUNE)
        await services.rounds.open(COMMUNE, SURVEY, closes_at=env.now() + timedelta(days=7))
        token = await services.residents.join_token(COMMUNE)
    finally:
        await services.close()
    assert token is not None
    return token


class Run:
    """`ykien run --web-listen` in its own process; its log kept (and read, so it never
    blocks on a full pipe)."""

    def __init__(self, db_path: Path, port: int, sandbox_url: str) -> None:
        self.db_path, self.port, self.sandbox_url = db_path, port, sandbox_url
        self.proc: asyncio.subprocess.Process | None = None
        self.log: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "YKIEN_TOKEN"}
        env.update(
            YKIEN_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT),
            YKIEN_ZALO_API_URL=self.sandbox_url, YKIEN_ZALO_OAUTH_URL=self.sandbox_url,
            YKIEN_ZALO_RATE="50",  # the highest pace allowed: the replies of a burst go quickly
        )  # fmt: skip
        self.proc = proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--db", str(self.db_path), "run",
            "--web-listen", f"127.0.0.1:{self.port}",
            cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert proc.stderr is not None
        while True:  # the line it prints once the server listens
            line = (await asyncio.wait_for(proc.stderr.readline(), START)).decode()
            assert line, f"ykien run exited at start: {self.log}"
            self.log.append(line)
            if "phiếu web" in line:
                break
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.log.append(line.decode())

    async def _ended(self) -> int:
        assert self.proc is not None
        code = await self.proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        return code

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a power cut."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self._ended()

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
        return await self._ended()


async def _counts(db_path: Path) -> tuple[int, int, int]:
    """(events queued, events not handled, answers), read by another connection."""
    db = await Database.open(db_path, migrate_now=False)
    try:
        rows = await db.conn.execute_fetchall(
            "SELECT (SELECT count(*) FROM zalo_inbox), "
            "(SELECT count(*) FROM zalo_inbox WHERE handled_at IS NULL), "
            "(SELECT count(*) FROM answers)"
        )
    finally:
        await db.close()
    return rows[0][0], rows[0][1], rows[0][2]


async def _settled(
    db_path: Path, done: Callable[[tuple[int, int, int]], bool] = lambda c: c[1] == 0
) -> tuple[int, int, int]:
    """The counts once ``done`` holds for them (by default: every event handled)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not done(counts := await _counts(db_path)):
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting on the database: {counts}")
        await asyncio.sleep(0.01)
    return counts


async def _keys(db_path: Path) -> list[tuple[str, bool]]:
    """(key, handled) of every queued event, read by another connection."""
    db = await Database.open(db_path, migrate_now=False)
    try:
        rows = await db.conn.execute_fetchall(
            "SELECT event_key, handled_at IS NOT NULL AND failure IS NULL FROM zalo_inbox"
        )
    finally:
        await db.close()
    return [(r[0], bool(r[1])) for r in rows]


async def test_kill_9_of_ykien_run_with_events_queued(db_path: Path) -> None:
    zalo = ZaloSandbox()
    token = await _prepare(db_path, zalo)
    port = free_port()
    async with ZaloSandboxServer(zalo) as server:
        zalo.webhook.register(f"http://127.0.0.1:{port}/zalo/webhook")
        run = Run(db_path, port, server.url)
        await run.start()
        try:
            # joined and at question 1, with the OA up
            for user in RESIDENTS:
                zalo.follow(user)
                zalo.write(user, token)
            await zalo.webhook.flush()
            await _every(zalo, lambda sent: any(m.labels() == ["Bắt đầu khảo sát"] for m in sent))
            for user in RESIDENTS:
                zalo.press(user, "Bắt đầu khảo sát")
            await zalo.webhook.flush()
            await _every(zalo, lambda sent: sent[-1].text.startswith("Câu 1/13"))
            joined, unhandled, answers = await _settled(db_path)
            assert (unhandled, answers) == (0, 0)  # every event marked, no answer yet

            # the OA's API goes down: the answers are acknowledged, none gets its reply
            zalo.go_down(3600)
            sent = len(zalo.sent)
            delivered = len(zalo.webhook.log.delivered)
            zalo.webhook.duplicate_next(2)  # Zalo redelivers two of them as well
            for digit in DIGITS:
                for user in RESIDENTS:
                    zalo.write(user, digit)
            await zalo.webhook.flush()
            acknowledged = len(RESIDENTS) * len(DIGITS)
            assert len(zalo.webhook.log.delivered) - delivered == acknowledged + 2
            assert zalo.webhook.log.failures == []
            # each resident's first answer committed, its reply being retried: kill now
            await _settled(db_path, lambda counts: counts[2] == len(RESIDENTS))
        finally:
            await run.kill()
        assert len(zalo.sent) == sent  # nothing reached the residents after the outage began
        queued, unhandled, answers = await _counts(db_path)
        assert queued == joined + acknowledged  # each once, the redelivered copies too
        assert unhandled == acknowledged  # not one of them was marked handled
        assert answers == len(RESIDENTS)  # the first of each, committed before its reply

        # the OA is back; `ykien run` restarts on the same database and catches up
        zalo.down_until = 0.0
        before = {u: len(zalo.texts_to(u)) for u in RESIDENTS}
        run = Run(db_path, port, server.url)
        await run.start()
        try:
            await _every(zalo, _at_question_four)
            await _settled(db_path)
        finally:
            assert await run.stop() == 0

    queued_after, unhandled, answers = await _counts(db_path)
    assert queued_after == queued and unhandled == 0
    assert answers == len(RESIDENTS) * len(DIGITS)  # one per question, none doubled
    services = await Services.open(str(db_path))
    try:
        rows = await services.db.conn.execute_fetchall(
            "SELECT a.question_id, a.value_int, count(*) FROM answers a "
            "GROUP BY a.response_id, a.question_id ORDER BY a.response_id, a.question_id"
        )
        failures = await services.db.conn.execute_fetchall(
            "SELECT count(*) FROM zalo_inbox WHERE failure IS NOT NULL OR body <> ''"
        )
    finally:
        await services.close()
    expected = sorted(zip(ORDER, (5, 4, 3), strict=True))
    assert [(q, v, n) for q, v, n in rows] == [(q, v, 1) for q, v in expected] * len(RESIDENTS)
    assert failures[0][0] == 0
    for user in RESIDENTS:
        replies = zalo.texts_to(user)[before[user] :]
        # the interrupted first answer is replayed (already recorded), then the two queued ones
        assert replies[0].startswith("Câu này đã được ghi nhận: 5 · Rất hài lòng"), replies
        assert [r.startswith("Đã lưu") for r in replies[1:]] == [True, True], replies
    assert zalo.unimplemented == []


async def test_kill_9_in_a_burst_keeps_every_acknowledged_event(db_path: Path) -> None:
    """Killed while a burst is being acknowledged (groups open, COMMITs under way): every event
    that got its 200 is in the database after the kill; the others Zalo delivers again, and
    the restarted process stores and handles each once."""
    zalo = ZaloSandbox()
    await _prepare(db_path, zalo)
    port = free_port()
    users = [f"89{i:017d}" for i in range(BURST)]
    events = [zalo.follow(user) for user in users]
    zalo.webhook.queue.clear()  # posted by hand below, all at once
    key = {id(e): parse(e.body).key for e in events}
    async with ZaloSandboxServer(zalo) as server:
        zalo.webhook.register(f"http://127.0.0.1:{port}/zalo/webhook")
        run = Run(db_path, port, server.url)
        await run.start()
        acked: list[Event] = []
        enough = asyncio.Event()

        async def deliver(event: Event) -> None:
            if await zalo.webhook.post(event, zalo.webhook.signed(event)) == 200:
                acked.append(event)
                if len(acked) >= KILL_AFTER:
                    enough.set()

        posts = [asyncio.create_task(deliver(e)) for e in events]
        try:
            await asyncio.wait_for(enough.wait(), WAIT)
        finally:
            await run.kill()
            await asyncio.gather(*posts)  # the rest: connection refused or reset
        stored = {k for k, _ in await _keys(db_path)}
        assert {key[id(e)] for e in acked} <= stored  # no acknowledged event lost
        assert KILL_AFTER <= len(acked) < BURST  # the kill came in the middle of the burst

        # restarted; Zalo delivers again every event it has no 200 for, all at once
        run = Run(db_path, port, server.url)
        await run.start()
        try:
            unacked = [e for e in events if all(e is not a for a in acked)]
            signed = [zalo.webhook.post(e, zalo.webhook.signed(e)) for e in unacked]
            assert await asyncio.gather(*signed) == [200] * len(unacked)
            await _settled(db_path)  # an event is marked after its replies were sent
        finally:
            assert await run.stop() == 0
    queued = await _keys(db_path)
    assert sorted(k for k, _ in queued) == sorted(key.values())  # each once
    assert all(handled for _, handled in queued)
    assert all(any("mã hộ gia đình" in t for t in zalo.texts_to(u)) for u in users)  # greeted
    assert zalo.unimplemented == []
