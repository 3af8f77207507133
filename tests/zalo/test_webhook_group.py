"""Group commit of the Zalo webhook's queue: many signed events posted at once over real HTTP
share COMMITs, each 200 comes only after its event is durable (another connection sees it),
a copy of an event in the same group is stored once, and an event whose write fails is
refused (500, so Zalo retries it) without losing the others of its group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.sandbox import FakeClock
from bot.zalo_sandbox import Event, ZaloSandbox
from handlers.zalo.events import parse
from handlers.zalo.inbox import queue_into
from handlers.zalo.webhook import WebhookKeys, webhook_handler
from storage.db import Database
from surveys.env import Env, Settings
from surveys.zalo_inbox import pending

RESIDENTS = 40
BROKEN = "hỏng"  # the text whose write the database refuses (a trigger, below)


@dataclass
class Hook:
    """The webhook as the bot serves it, on a file database (WAL, synchronous=FULL), with a
    second connection that sees only what was committed."""

    env: Env
    other: Database
    url: str
    wakes: list[int] = field(default_factory=list)

    async def committed(self, key: str) -> bool:
        rows = await self.other.conn.execute_fetchall(
            "SELECT count(*) FROM zalo_inbox WHERE event_key = ?", (key,)
        )
        return bool(rows[0][0])

    async def stored(self) -> list[str]:
        rows = await self.other.conn.execute_fetchall("SELECT body FROM zalo_inbox ORDER BY id")
        return [r[0] for r in rows]


@pytest.fixture
async def hook(tmp_path: Path, zalo: ZaloSandbox, zclock: FakeClock) -> AsyncIterator[Hook]:
    path = tmp_path / "ykien.db"
    db = await Database.open(path)
    other = await Database.open(path)
    env = Env(db, lambda: datetime.fromtimestamp(zclock(), UTC), Settings())
    made = Hook(env, other, "")
    app = web.Application()
    keys = WebhookKeys(zalo.app_id, zalo.oa_secret)
    accept = queue_into(env, wake=lambda: made.wakes.append(1))
    app.router.add_post("/zalo/webhook", webhook_handler(keys, accept))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    made.url = f"http://127.0.0.1:{runner.addresses[0][1]}/zalo/webhook"
    zalo.webhook.register(made.url)
    yield made
    await zalo.webhook.stop()
    await runner.cleanup()
    await other.close()
    await db.close()


def _texts(zalo: ZaloSandbox, texts: list[str]) -> list[Event]:
    """One event per resident, each a different Zalo user; the follows are not posted."""
    events = []
    for i, text in enumerate(texts):
        user = f"88{i:017d}"
        zalo.follow(user)
        events.append(zalo.write(user, text))
    zalo.webhook.queue.clear()
    return events


def _key(zalo: ZaloSandbox, event: Event) -> str:
    return f"{zalo.oa_id}:{event.msg_id}"


async def _post_all(zalo: ZaloSandbox, hook: Hook, events: list[Event]) -> list[int | str]:
    """Every event POSTed at once; for each 200, whether the event was committed by then."""

    async def one(event: Event) -> int | str:
        status = await zalo.webhook.post(event, zalo.webhook.signed(event))
        if status == 200:
            assert await hook.committed(_key(zalo, event)), "acknowledged before its COMMIT"
        return status

    return list(await asyncio.gather(*(one(e) for e in events)))


async def test_many_at_once_are_stored_once_with_fewer_commits_forged_ones_not(
    hook: Hook, zalo: ZaloSandbox
) -> None:
    events = _texts(zalo, [f"tin {i}" for i in range(RESIDENTS)])
    forged = _texts(zalo, ["giả mạo"] * 5)
    commits = hook.env.db.commits
    statuses, refused = await asyncio.gather(
        _post_all(zalo, hook, events),
        asyncio.gather(*(zalo.webhook.post_forged(e) for e in forged)),
    )
    assert statuses == [200] * RESIDENTS and refused == [403] * len(forged)
    assert sorted(await hook.stored()) == sorted(f"tin {i}" for i in range(RESIDENTS))
    assert len(hook.wakes) == RESIDENTS  # the worker is woken once per new event
    assert hook.env.db.commits - commits < RESIDENTS // 2  # they shared COMMITs


async def test_copies_arriving_together_are_stored_once(hook: Hook, zalo: ZaloSandbox) -> None:
    """Zalo's redelivery racing the first delivery: every copy gets its 200, one row each."""
    events = _texts(zalo, [f"tin {i}" for i in range(RESIDENTS // 2)])
    commits = hook.env.db.commits
    statuses = await _post_all(zalo, hook, events + events[::-1])
    assert statuses == [200] * RESIDENTS
    assert sorted(await hook.stored()) == sorted(f"tin {i}" for i in range(RESIDENTS // 2))
    assert len(hook.wakes) == RESIDENTS // 2  # not for a copy
    assert hook.env.db.commits - commits < RESIDENTS // 2


async def test_a_copy_in_the_same_group_is_queued_once(hook: Hook, zalo: ZaloSandbox) -> None:
    """Without HTTP, so that both copies are surely in one group: one COMMIT, one row."""
    first, second = _texts(zalo, ["1", "2"])
    accept = queue_into(hook.env, wake=lambda: hook.wakes.append(1))
    copy, other = parse(first.body), parse(second.body)
    commits = hook.env.db.commits
    await asyncio.gather(accept(copy), accept(other), accept(copy))
    assert hook.env.db.commits - commits == 1
    assert [e.body for e in await pending(hook.env)] == ["1", "2"]
    assert len(hook.wakes) == 2


@pytest.fixture
async def refusing(hook: Hook) -> Hook:
    """The database refuses to store one text (as a full disk or a constraint would)."""
    async with hook.env.db.transaction() as conn:
        await conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON zalo_inbox WHEN NEW.body = 'hỏng' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    return hook


async def test_a_failing_event_in_a_group_loses_none_of_the_others(
    refusing: Hook, zalo: ZaloSandbox
) -> None:
    hook = refusing
    events = _texts(zalo, [BROKEN if i == 7 else f"tin {i}" for i in range(RESIDENTS)])
    commits = hook.env.db.commits
    statuses = await _post_all(zalo, hook, events)
    assert statuses == [500 if i == 7 else 200 for i in range(RESIDENTS)]  # Zalo will retry it
    kept = sorted(f"tin {i}" for i in range(RESIDENTS) if i != 7)
    assert sorted(await hook.stored()) == kept
    assert len(hook.wakes) == RESIDENTS - 1
    assert hook.env.db.commits - commits < RESIDENTS // 2

    # the fault cleared, Zalo's retries (of the refused one and, say, of all) store it once
    async with hook.env.db.transaction() as conn:
        await conn.execute("DROP TRIGGER refuse")
    assert await _post_all(zalo, hook, events) == [200] * RESIDENTS
    assert sorted(await hook.stored()) == sorted([*kept, BROKEN])
    assert len(hook.wakes) == RESIDENTS


async def test_the_failing_caller_alone_is_undone_within_one_commit(
    refusing: Hook, zalo: ZaloSandbox
) -> None:
    """Without HTTP, so that all three are surely in one group: one COMMIT keeps the two."""
    hook = refusing
    accept = queue_into(hook.env, wake=lambda: hook.wakes.append(1))
    first, broken, last = (parse(e.body) for e in _texts(zalo, ["1", BROKEN, "3"]))
    commits = hook.env.db.commits
    outcomes = await asyncio.gather(
        accept(first), accept(broken), accept(last), return_exceptions=True
    )
    assert outcomes[0] is None and outcomes[2] is None and isinstance(outcomes[1], Exception)
    assert hook.env.db.commits - commits == 1
    assert await hook.stored() == ["1", "3"]
    assert len(hook.wakes) == 2
