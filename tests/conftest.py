"""Shared fixtures: an injected clock, a migrated in-memory database, domain factories."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import aiosqlite
import pytest

from storage.db import Database
from storage.records import Resident, ts
from surveys.env import Settings
from surveys.people import Channel
from surveys.services import Services

# Browser fixtures (`browser`, `page`) for the tests of web pages.
pytest_plugins = ["tests.browser"]

# Thôn-level test commune: Xã Tân Uyên, tỉnh Lai Châu (official code 3598).
COMMUNE = 3598
OTHER_COMMUNE = 25747  # Phường Thủ Dầu Một, TP Hồ Chí Minh
SURVEY = "ntm-2026"


class FakeClock:
    """A clock tests move by hand: nothing in the suite waits for real time."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def bot_username(monkeypatch: pytest.MonkeyPatch) -> None:
    """Command-line tests run as a deployment with YKIEN_BOT_USERNAME set; the tests of an
    unknown or mismatched bot change it."""
    monkeypatch.setenv("YKIEN_BOT_USERNAME", "ykien_bot")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # 10:00 in Hà Nội


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the 34 provinces, 3,321 communes and the catalogs, built once:
    seeding takes ~160 ms, copying it into each test's database ~5 ms."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"

    async def build() -> None:
        database = await Database.open(path)
        try:
            await Services(database).seed()
        finally:
            await database.close()

    asyncio.run(build())
    return path


async def copy_of(template: Path) -> Database:
    """A new in-memory database holding everything in the template file."""
    database = await Database.open(":memory:", migrate_now=False)
    source = await aiosqlite.connect(str(template))
    try:
        await source.backup(database.conn)
    finally:
        await source.close()
    return database


@pytest.fixture
async def db(seeded_template: Path) -> AsyncIterator[Database]:
    database = await copy_of(seeded_template)
    yield database
    await database.close()


@pytest.fixture
async def services(db: Database, clock: FakeClock) -> Services:
    svc = Services(db, clock=clock, settings=Settings(bot_username="ykien_test_bot"))
    await svc.seed()
    return svc


async def tg_person(services: Services, telegram_id: int) -> int:
    """The person of a Telegram user, for tests that call the domain directly. A new person
    gets the Telegram id as person id when it is free, so a test's user constants (LAN = 1001)
    name both the person and the chat the Telegram edge resolves to them."""
    found = await services.people.find(Channel.TELEGRAM, str(telegram_id))
    if found is not None:
        return found
    async with services.db.transaction() as conn:
        taken = await conn.execute_fetchall("SELECT 1 FROM residents WHERE id = ?", (telegram_id,))
        cur = await conn.execute(
            "INSERT INTO residents(id, joined_at) VALUES (?, ?)",
            (None if taken else telegram_id, ts(services.env.now())),
        )
        assert cur.lastrowid is not None
        await conn.execute(
            "INSERT INTO addresses(channel, address, resident_id) VALUES ('telegram', ?, ?)",
            (str(telegram_id), cur.lastrowid),
        )
    return cur.lastrowid


async def resident_of(services: Services, telegram_id: int) -> Resident | None:
    """The person row of a Telegram user (tg_person)."""
    return await services.residents.get(await tg_person(services, telegram_id))


async def table_counts(db: Database) -> dict[str, int]:
    """Row counts of every table, to show that refused input changed nothing."""
    async with db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cur:
        names = [r[0] for r in await cur.fetchall()]
    counts = {}
    for name in names:
        async with db.conn.execute(f"SELECT count(*) FROM {name}") as cur:
            row = await cur.fetchone()
            counts[name] = row[0]
    return counts


async def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables people change, to compare before and after refused input."""
    out = {}
    for table in (
        "residents",
        "chat_states",
        "responses",
        "answers",
        "rounds",
        "villages",
        "surveys",
        "join_links",
        "group_chats",
    ):
        async with db.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cur:
            out[table] = [tuple(r) for r in await cur.fetchall()]
    return out


T = TypeVar("T")


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded_template: Path) -> Path:
    """The database file command-line tests run against (`ykien` reads YKIEN_DB): a copy of
    the seeded template, since only `run` and `migrate` create a database."""
    path = tmp_path / "ykien.db"
    shutil.copyfile(seeded_template, path)
    monkeypatch.setenv("YKIEN_DB", str(path))
    return path


def read_file_db(path: Path, read: Callable[[Database], Awaitable[T]]) -> T:
    """Runs `read` on a database file from synchronous test code (after a CLI call)."""

    async def run() -> T:
        db = await Database.open(path)
        try:
            return await read(db)
        finally:
            await db.close()

    return asyncio.run(run())
