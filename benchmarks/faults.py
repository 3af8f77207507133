"""Issue 18's faults, rerun against the real bot process and the HTTP sandbox, with figures.

    python benchmarks/faults.py [--only outage,unreadable,locked,rescore,replies,crashloop]
                                [--outage 150] [--baseline DIR]

Each scenario starts `ykien run` in its own process against a SandboxServer on 127.0.0.1 (as
tests/test_broadcast_crash.py does) and prints what it measured. The bot process has no
injectable clock, so the outage is real time (150 s by default); everything else is short.
`--baseline DIR` runs the bot from another checkout (e.g. `git worktree add /tmp/before
e204d2d`, or `git archive e204d2d | tar -x -C DIR`) against the same scenarios, for a before
and after with the same harness.

- outage: 300 residents invited at 25/s; after 50 invitations every Bot API call fails as a
  dropped connection for --outage seconds. Lost recipients, rows failed, how long after the
  outage sending and replies resumed.
- unreadable: a poll update python-telegram-bot cannot parse, then 20 residents send /help.
  How many were answered and how fast, getUpdates calls per second, log bytes, skipped rows.
- locked: 300 residents at 25/s, 10 of whom blocked the bot (403); after 60 invitations a
  second connection holds the write lock for 20 s. Rows left queued or sending, whether the
  broadcast was marked done early, 403s recorded.
- rescore: the 1M-answer database of benchmarks/summary.py; 20 residents keep answering while
  `ykien rescore` runs, then while a rebuild in one transaction (the old way) runs. Press to
  next-question latency (p50, p99, max) and error replies, against a quiet baseline.
- replies: half of sendMessage, editMessageText and answerCallbackQuery calls answered 429
  (retry_after 1 s) while 20 residents answer the whole survey. Presses that got no next
  question, error replies, answers stored.
- crashloop: 200 residents at 50/s; the bot is killed 4 times, each time as soon as its first
  invitations are out after a start. Invitations per resident (max, more than two, none).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer, SimUser
from storage import broadcasts as bdb
from storage import deliveries as ddb
from storage import people as people_db
from storage import residents as residents_db
from storage.db import Database
from storage.people import Channel
from surveys.services import Services

COMMUNE = 3598
FIRST = 30_000_000
OFFER = "Xã đang lấy ý kiến"
ERROR = "Xin lỗi, đã có lỗi"
SCALE_4 = "4 · Hài lòng"
SCALE_5 = "5 · Rất hài lòng"
ENV = {"YKIEN_QUIET_HOURS": "00:00-00:00"}


class Run:
    """One scenario's bot processes, sandbox and database, torn down whatever happens."""

    def __init__(self, tmp: Path, baseline: Path | None, rate: float = 25.0) -> None:
        self.tmp = tmp
        self.db = tmp / "ykien.db"
        self.baseline = baseline
        self.env = {**ENV, "YKIEN_BROADCAST_RATE": str(rate)}
        self.sandbox = Sandbox()
        self.log = tmp / "bot.log"
        self.bots: list[BotProcess] = []
        self.stuck = 0  # bots that did not stop on Ctrl+C within 15 s

    async def start_bot(self, server: SandboxServer) -> BotProcess:
        with self.log.open("ab") as log:
            bot = BotProcess(
                self.sandbox,
                server.api_url,
                self.db,
                extra_env=self.env,
                stderr=log,
                cwd=self.baseline,
            )
            await bot.start(timeout=60)
        self.bots.append(bot)
        return bot

    async def stop_all(self) -> None:
        for bot in self.bots:  # Ctrl+C, and kill -9 after 15 s (a stuck bot must not hang this)
            if bot.proc is not None and bot.proc.returncode is None:
                try:
                    await asyncio.wait_for(bot.stop(), 15)
                except TimeoutError:
                    self.stuck += 1
                    await bot.kill()

    def log_bytes(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0


async def residents(db: Path, count: int, *, round_open: bool, launch: bool) -> int | None:
    """Joins `count` residents to the commune; opens a round (and its invitation) if asked."""
    services = await Services.open(str(db))
    try:
        now = services.env.now()
        async with services.db.transaction() as conn:
            for i in range(count):
                person = await people_db.person_for(
                    conn, Channel.TELEGRAM, str(FIRST + i), create=True, now=now
                )
                assert person is not None
                await residents_db.upsert_membership(conn, person, f"R{i}", COMMUNE, now)
        closes = now + timedelta(days=7)
        if launch:
            launched = await services.broadcasts.open_round(COMMUNE, "ntm-2026", closes_at=closes)
            return launched.broadcast.id
        if round_open:
            await services.rounds.open(COMMUNE, "ntm-2026", closes_at=closes)
        return None
    finally:
        await services.close()


async def states(db: Path, broadcast_id: int) -> tuple[dict[str, int], str]:
    database = await Database.open(db, migrate_now=False)  # read only: no seeding, no writes
    try:
        broadcast = await bdb.get(database.conn, broadcast_id)
        assert broadcast is not None
        return await ddb.state_counts(database.conn, broadcast_id), broadcast.status
    finally:
        await database.close()


def delivered(sandbox: Sandbox) -> Counter[int]:
    """Invitations Telegram accepted, per chat."""
    return Counter(
        call.params["chat_id"]
        for call in sandbox.call_log
        if call.method == "sendMessage"
        and call.outcome == "ok"
        and str(call.params.get("text", "")).startswith(OFFER)
    )


def sent_offers(sandbox: Sandbox) -> int:
    return sum(delivered(sandbox).values())


async def until(sandbox: Sandbox, predicate: Callable[[], Any], timeout: float) -> bool:  # noqa: ASYNC109
    try:
        await sandbox.wait_for(predicate, timeout=timeout)
    except TimeoutError:
        return False
    return True


async def until_db(check: Callable[[], Any], timeout: float) -> bool:  # noqa: ASYNC109
    """Polls the database (the bot writes it in another process; no sandbox event tells)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.25)
    return False


async def reply_after(
    sandbox: Sandbox,
    user: SimUser,
    act: Callable[[], Any],
    timeout: float,  # noqa: ASYNC109 - a bound on the wait, reported as None
) -> float | None:
    """Seconds from an action to the bot's next new message in the chat (None: none came)."""
    before = len(user.messages)
    started = time.perf_counter()
    act()
    ok = await until(sandbox, lambda: len(user.messages) > before, timeout)
    return time.perf_counter() - started if ok else None


# --------------------------------------------------------------------------- scenarios
async def outage(tmp: Path, baseline: Path | None, seconds: float) -> dict[str, Any]:
    run = Run(tmp, baseline)
    count = 300
    broadcast_id = await residents(run.db, count, round_open=True, launch=True)
    assert broadcast_id is not None
    users = [run.sandbox.user(FIRST + i, f"R{i}") for i in range(count)]
    sandbox = run.sandbox
    async with SandboxServer(sandbox) as server:
        try:
            await run.start_bot(server)
            await until(sandbox, lambda: sent_offers(sandbox) >= 50, 60)
            log_before = run.log_bytes()
            sandbox.set_failure_rate("*", 1.0, "network")
            await asyncio.sleep(seconds)
            log_during = run.log_bytes() - log_before
            sandbox.set_failure_rate("*", 0.0, "network")
            back = time.perf_counter()
            at_back = sent_offers(sandbox)
            resumed = await until(sandbox, lambda: sent_offers(sandbox) > at_back, 120)
            send_resume = time.perf_counter() - back if resumed else None
            reply = await reply_after(sandbox, users[0], lambda: users[0].send("/help"), 60)
            await until(sandbox, lambda: len(delivered(sandbox)) >= count, 120)
            await until_db(lambda: _done(run.db, broadcast_id), 60)
        finally:
            await run.stop_all()
    counts, status = await states(run.db, broadcast_id)
    got = delivered(sandbox)
    return {
        "outage seconds": seconds,
        "recipients": count,
        "lost (never invited)": sum(1 for u in users if got[u.id] == 0),
        "rows": counts,
        "broadcast": status,
        "first invitation after the outage, s": _r(send_resume),
        "reply to /help sent at the end of the outage, s": _r(reply),
        "log bytes during the outage": log_during,
    }


async def _done(db: Path, broadcast_id: int) -> bool:
    counts, status = await states(db, broadcast_id)
    return status == "done" and not counts.get("queued") and not counts.get("sending")


async def unreadable(tmp: Path, baseline: Path | None) -> dict[str, Any]:
    run = Run(tmp, baseline)
    count = 20
    await residents(run.db, count, round_open=False, launch=False)
    users = [run.sandbox.user(FIRST + i, f"R{i}") for i in range(count)]
    sandbox = run.sandbox
    async with SandboxServer(sandbox) as server:
        try:
            await run.start_bot(server)
            polls_before, log_before = len(sandbox.calls_to("getUpdates")), run.log_bytes()
            sandbox.enqueue_update("poll", {"id": "77", "question": "?"})  # no options etc.
            started = time.perf_counter()
            for user in users:
                user.send("/help")
            answered = await until(sandbox, lambda: all(u.messages for u in users), 30)
            took = time.perf_counter() - started
            await asyncio.sleep(3)  # idle: a healthy poller long-polls, a stuck one spins
            elapsed = time.perf_counter() - started
            polls = len(sandbox.calls_to("getUpdates")) - polls_before
            log = run.log_bytes() - log_before
        finally:
            await run.stop_all()
    skipped = await _rows(run.db, "SELECT update_id, reason FROM skipped_updates")
    return {
        "residents answered": f"{sum(1 for u in users if u.messages)}/{count}",
        "all answered within, s": _r(took) if answered else "not within 30 s",
        "getUpdates calls per second": round(polls / elapsed, 1),
        "log bytes": log,
        "log bytes per second": round(log / elapsed),
        "skipped_updates rows": skipped,
        "bot stuck on Ctrl+C (killed)": run.stuck,
    }


async def _rows(db: Path, query: str) -> Any:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query).fetchall()
    except sqlite3.OperationalError as exc:  # a baseline without the table
        return f"({exc})"
    finally:
        conn.close()


async def locked(tmp: Path, baseline: Path | None, hold: float = 20.0) -> dict[str, Any]:
    run = Run(tmp, baseline)
    count, blocked = 300, 10
    broadcast_id = await residents(run.db, count, round_open=True, launch=True)
    assert broadcast_id is not None
    users = [run.sandbox.user(FIRST + i, f"R{i}") for i in range(count)]
    sandbox = run.sandbox
    for user in users[100 : 100 + blocked]:  # in the batches in flight during the lock
        sandbox.block(user.id)
    done_early: list[dict[str, int]] = []

    def hold_lock() -> None:
        conn = sqlite3.connect(run.db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        time.sleep(hold)
        conn.execute("COMMIT")
        conn.close()

    async def watch(stop: asyncio.Event) -> None:
        while not stop.is_set():
            counts, status = await states(run.db, broadcast_id)
            if status == "done" and (counts.get("queued") or counts.get("sending")):
                done_early.append(counts)
            await asyncio.sleep(0.5)

    async with SandboxServer(sandbox) as server:
        try:
            await run.start_bot(server)
            await until(sandbox, lambda: sent_offers(sandbox) >= 60, 60)
            stop = asyncio.Event()
            watcher = asyncio.create_task(watch(stop))
            await asyncio.to_thread(hold_lock)
            finished = await until_db(lambda: _done(run.db, broadcast_id), 90)
            stop.set()
            await watcher
            await asyncio.sleep(2)  # anything still coming would be a duplicate
        finally:
            await run.stop_all()
    counts, status = await states(run.db, broadcast_id)
    got = delivered(sandbox)
    stopped = await _rows(
        run.db,
        f"SELECT count(*) FROM residents WHERE stopped_at IS NOT NULL "
        "AND id IN (SELECT resident_id FROM addresses WHERE channel = 'telegram' "
        f"AND CAST(address AS INTEGER) BETWEEN {FIRST + 100} AND {FIRST + 100 + blocked - 1})",
    )
    return {
        "write lock held by another connection, s": hold,
        "rows": counts,
        "broadcast": status if finished else f"{status} (not finished within 90 s)",
        "marked done with rows queued/sending": len(done_early),
        "403s recorded / residents stopped": f"{counts.get('blocked', 0)} / {stopped[0][0]}",
        "lost (not blocked, never invited)": sum(
            1 for u in users if got[u.id] == 0 and not u.chat.blocked
        ),
        "invited twice": sum(1 for n in got.values() if n > 1),
    }


async def rescore(tmp: Path, baseline: Path | None) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent))
    import summary as summary_bench  # benchmarks/summary.py: the 1M-answer database

    source = await summary_bench.prepare("1m")
    run = Run(tmp, baseline)
    # The harness taps far faster than a person (about 2 a second for minutes): without this
    # the flood limit (20 updates in 10 s) ignores each resident for a minute.
    run.env["YKIEN_FLOOD_COUNT"] = "1000"
    await asyncio.to_thread(shutil.copy, source, run.db)
    count = 20
    await residents(run.db, count, round_open=False, launch=False)
    conn = sqlite3.connect(run.db)
    conn.execute(
        "UPDATE residents SET village_id = (SELECT min(id) FROM villages WHERE commune_code = ?)"
        " WHERE id IN (SELECT resident_id FROM addresses WHERE channel = 'telegram' "
        "AND CAST(address AS INTEGER) >= ?)",
        (COMMUNE, FIRST),
    )
    answers = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    conn.commit()
    conn.close()
    users = [run.sandbox.user(FIRST + i, f"R{i}") for i in range(count)]
    sandbox = run.sandbox
    phases: dict[str, list[float | None]] = {}
    errors: dict[str, int] = {}
    held: dict[str, float] = {}

    answered: dict[int, str] = {}  # each resident's answer to question 1 now
    why: Counter[str] = Counter()  # what the chat showed when a press got no reply

    async def answer_loop(user: SimUser, stop: asyncio.Event, lat: list[float | None]) -> None:
        while not stop.is_set():
            if SCALE_4 in user.messages[-1].labels():  # the last phase stopped at question 1
                label = SCALE_4 if answered.get(user.id, SCALE_4) == SCALE_5 else SCALE_5
                await reply_after(sandbox, user, partial(_tap_last, user, label), 30)
                answered[user.id] = label
                continue
            review = next(m for m in reversed(user.messages) if "Sửa câu 1" in m.labels())
            lat.append(
                await reply_after(sandbox, user, partial(user.press, review, "Sửa câu 1"), 30)
            )
            question = user.messages[-1]
            # A different answer each time: the same one again changes nothing and gets no
            # new message (the review comes back only for a change).
            label = SCALE_4 if answered.get(user.id, SCALE_4) == SCALE_5 else SCALE_5
            if label not in question.labels():
                continue
            took = await reply_after(sandbox, user, partial(user.press, question, label), 30)
            lat.append(took)
            answered[user.id] = label
            if took is None:
                popup = user.callback_answers[-1] if user.callback_answers else None
                why[f"after {label!r}: pop-up {popup!r}, last {user.messages[-1].text[:40]!r}"] += 1

    async def phase(name: str, during: Callable[[], Any] | None, seconds: float = 5.0) -> None:
        stop, lat = asyncio.Event(), list[float | None]()
        marks = sum(1 for u in users for m in u.messages if ERROR in m.text)
        loops = [asyncio.create_task(answer_loop(u, stop, lat)) for u in users]
        started = time.perf_counter()
        if during is None:
            await asyncio.sleep(seconds)
        else:
            await during()
        held[name] = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*loops)
        phases[name] = lat
        errors[name] = sum(1 for u in users for m in u.messages if ERROR in m.text) - marks

    async def cli_rescore() -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--db", str(run.db), "rescore",
            stdout=asyncio.subprocess.DEVNULL, cwd=baseline,
        )  # fmt: skip
        await proc.wait()

    async def one_transaction() -> None:
        code = (
            "import asyncio, sys\n"
            "from storage.db import Database\n"
            "from storage import scores\n"
            "async def main():\n"
            "    db = await Database.open(sys.argv[1])\n"
            "    await scores.rebuild(db, chunk_seconds=float('inf'))\n"
            "    await db.close()\n"
            "asyncio.run(main())\n"
        )
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, str(run.db))
        await proc.wait()

    async with SandboxServer(sandbox) as server:
        try:
            await run.start_bot(server)
            for user in users:  # answer the whole survey once, untimed
                await reply_after(sandbox, user, partial(user.send, "/survey"), 30)
                for label in [SCALE_4] * 11 + ["Có", "Bỏ qua"]:
                    await reply_after(sandbox, user, partial(_tap_last, user, label), 30)
            await phase("quiet", None)
            await phase("ykien rescore (chunked)", cli_rescore)
            if baseline is None:
                await phase("rebuild in one transaction (before)", one_transaction)
        finally:
            await run.stop_all()
    out: dict[str, Any] = {"answers in the database": answers, "presses with no reply": why}
    for name, lat in phases.items():
        got = sorted(x for x in lat if x is not None)
        out[name] = {
            "seconds": _r(held[name]),
            "presses": len(lat),
            "no reply in 30 s": sum(1 for x in lat if x is None),
            "error replies": errors[name],
            "p50 ms": _ms(statistics.median(got)) if got else None,
            "p99 ms": _ms(got[int(0.99 * (len(got) - 1))]) if got else None,
            "max ms": _ms(got[-1]) if got else None,
        }
    return out


async def replies(tmp: Path, baseline: Path | None) -> dict[str, Any]:
    run = Run(tmp, baseline)
    count = 20
    await residents(run.db, count, round_open=True, launch=False)
    users = [run.sandbox.user(FIRST + i, f"R{i}") for i in range(count)]
    sandbox = run.sandbox
    missed, presses = 0, 0

    async def answer(user: SimUser) -> None:
        nonlocal missed, presses
        await reply_after(sandbox, user, lambda: user.send("/survey"), 60)
        for number in range(2, 15):
            last = next((m for m in reversed(user.messages) if m.labels()), None)
            if last is None:
                return
            label = SCALE_4 if number <= 12 else "Có" if number == 13 else "Bỏ qua"
            if label not in last.labels():
                missed += 1
                return
            presses += 1
            expected = f"Câu {number}/13" if number <= 13 else "Cảm ơn"

            def next_question(want: str = expected) -> bool:
                return any(want in m.text for m in user.messages[-3:])

            user.press(last, label)
            if not await until(sandbox, next_question, 30):
                missed += 1
                return

    async with SandboxServer(sandbox) as server:
        try:
            await run.start_bot(server)
            for method in ("sendMessage", "editMessageText", "answerCallbackQuery"):
                sandbox.set_failure_rate(method, 0.5, "429", seed=5, retry_after=1)
            started = time.perf_counter()
            await asyncio.gather(*(answer(u) for u in users))
            took = time.perf_counter() - started
        finally:
            for method in ("sendMessage", "editMessageText", "answerCallbackQuery"):
                sandbox.set_failure_rate(method, 0.0)
            await run.stop_all()
    stored = await _rows(
        run.db,
        "SELECT count(*) FROM answers a JOIN responses p ON p.id = a.response_id "
        "JOIN addresses r ON r.resident_id = p.resident_id WHERE r.channel = 'telegram' "
        f"AND CAST(r.address AS INTEGER) >= {FIRST}",
    )
    return {
        "presses": presses,
        "presses with no next question": missed,
        "error replies": sum(1 for u in users for m in u.messages if ERROR in m.text),
        "429 answers": sandbox.stats.rate_limited,
        "answers stored": f"{stored[0][0]}/{13 * count}",
        "seconds for 20 residents' whole survey": _r(took),
    }


async def crashloop(tmp: Path, baseline: Path | None, kills: int = 4) -> dict[str, Any]:
    run = Run(tmp, baseline, rate=50.0)
    count = 200
    broadcast_id = await residents(run.db, count, round_open=True, launch=True)
    assert broadcast_id is not None
    users = [run.sandbox.user(FIRST + i, f"R{i}") for i in range(count)]
    sandbox = run.sandbox
    in_flight = []
    async with SandboxServer(sandbox) as server:
        try:
            for _ in range(kills):
                at_start = sent_offers(sandbox)
                bot = await run.start_bot(server)
                await until(sandbox, partial(_offers_at_least, sandbox, at_start + 10), 60)
                await bot.kill()
                counts, _ = await states(run.db, broadcast_id)
                in_flight.append(counts.get("sending", 0))
            await run.start_bot(server)
            finished = await until_db(lambda: _done(run.db, broadcast_id), 90)
            await asyncio.sleep(1)
        finally:
            await run.stop_all()
    counts, status = await states(run.db, broadcast_id)
    got = delivered(sandbox)
    per = [got[u.id] for u in users]
    return {
        "kills": kills,
        "rows sending at each kill": in_flight,
        "rows": counts,
        "broadcast": status if finished else f"{status} (not finished within 90 s)",
        "invitations per resident, max": max(per),
        "residents invited more than twice": sum(1 for n in per if n > 2),
        "residents invited twice": sum(1 for n in per if n == 2),
        "lost (never invited)": sum(1 for n in per if n == 0),
    }


def _tap_last(user: SimUser, label: str) -> Any:
    last = user.last
    assert last is not None, "the bot has not written to this resident"
    return user.press(last, label)


def _offers_at_least(sandbox: Sandbox, count: int) -> bool:
    return sent_offers(sandbox) >= count


def _r(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 2)


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 1)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="outage,unreadable,locked,rescore,replies,crashloop")
    parser.add_argument("--outage", type=float, default=150.0, help="seconds of outage")
    parser.add_argument("--baseline", type=Path, help="run the bot from this checkout instead")
    args = parser.parse_args()
    baseline = args.baseline.resolve() if args.baseline else None
    scenarios: dict[str, Callable[[Path], Awaitable[dict[str, Any]]]] = {
        "outage": lambda tmp: outage(tmp, baseline, args.outage),
        "unreadable": lambda tmp: unreadable(tmp, baseline),
        "locked": lambda tmp: locked(tmp, baseline),
        "rescore": lambda tmp: rescore(tmp, baseline),
        "replies": lambda tmp: replies(tmp, baseline),
        "crashloop": lambda tmp: crashloop(tmp, baseline),
    }
    print(f"bot code: {baseline or 'this checkout'}")
    for name in args.only.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            figures = await scenarios[name](Path(tmp))
        print(f"\n== {name} ({time.perf_counter() - started:.0f} s)")
        for key, value in figures.items():
            print(f"  {key}: {value}")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
