"""The pseudonym key outlives restarts (issue 17): without YKIEN_PSEUDONYM_KEY the deployment
makes one key, keeps it in the database and every process on it uses that key, so erasing,
rejoining and answering again after a restart still counts once; a configured key wins; the
key is never printed by the command line nor written to the log."""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Update

from bot import log_filter
from bot.app import build_application, open_services
from bot.cli import main
from bot.config import Config, Secret
from bot.sandbox import Sandbox, SandboxRequest
from handlers.telegram.context import SERVICES_KEY
from storage.db import Database
from surveys.env import Settings
from surveys.pseudonym import pseudonym, voter_key
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, FakeClock, read_file_db, tg_person
from tests.handlers.conftest import running_harness
from tests.handlers.test_one_voice import counted, erase
from tests.handlers.test_survey import answer_all

UID = 777_000_222
CONFIGURED = "c0nf1gured-key-" + "9" * 40


@pytest.fixture
def path(tmp_path: Path, seeded_template: Path) -> Path:
    """A database file that no process has opened with Services.open yet: no stored key."""
    target = tmp_path / "ykien.db"
    shutil.copyfile(seeded_template, target)
    return target


async def stored(db: Database) -> list[tuple[str, str, str]]:
    return [
        tuple(r)
        for r in await db.conn.execute_fetchall(
            "SELECT key, value, created_at FROM deployment_secrets"
        )
    ]


async def open_(path: Path, clock: FakeClock, key: str | None = None) -> Services:
    settings = Settings(bot_username="ykien_test_bot", pseudonym_key=key)
    return await Services.open(str(path), clock=clock, settings=settings)


async def test_erase_rejoin_and_answer_again_after_a_restart_counts_once(path, clock) -> None:
    services = await open_(path, clock)
    round_ = await services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    token = await services.residents.join_token(COMMUNE)
    for erased in (True, True, False):  # answer, erase, restart; answer, erase, restart; answer
        async with running_harness(services, clock) as harness:
            person = harness.user(UID, "Bảo")
            await harness.send(person, f"/start j{token}")
            await answer_all(harness, person)
            clock.advance(seconds=120)  # the flood limit counts per person per window
            if erased:
                await erase(harness, person)
        clock.advance(seconds=120)
        await services.close()
        services = await open_(path, clock)  # a new process: nothing carried over in memory
        harness.services = services
    try:
        rows = await counted(harness, round_.id)
        assert len(rows) == 1 and rows[0][1] == 0  # one voice: the last answers, not erased
        ((name, key, _),) = await stored(services.db)
        assert name == "pseudonym_key" and len(key) == 64 and key == services.env.pseudonym_key
        voters = await services.db.conn.execute_fetchall(
            "SELECT voter_key FROM responses WHERE round_id = ?", (round_.id,)
        )
        assert [tuple(r) for r in voters] == [(voter_key(key, round_.id, "telegram", UID),)]
        summary = await services.rounds.summary(COMMUNE, round_.id)
        assert summary.score.registered == 3  # three resident rows, one respondent
    finally:
        await services.close()


async def test_the_stored_key_survives_restarts_and_is_made_once(path, clock) -> None:
    first, second = await asyncio.gather(open_(path, clock), open_(path, clock))
    try:  # two processes opening a new database at once end up with the same key
        assert first.env.pseudonym_key == second.env.pseudonym_key
        (row,) = await stored(first.db)
    finally:
        await first.close()
        await second.close()
    clock.advance(days=30)
    again = await open_(path, clock)
    try:
        assert again.env.pseudonym_key == row[1] and await stored(again.db) == [row]
        assert again.privacy.pseudonym(UID) == pseudonym(row[1], UID)
    finally:
        await again.close()


async def test_a_configured_key_wins_and_is_never_stored(path, clock) -> None:
    services = await open_(path, clock)
    try:
        ((_, kept, _),) = await stored(services.db)
    finally:
        await services.close()
    config = Config.from_env({"YKIEN_DB": str(path), "YKIEN_PSEUDONYM_KEY": CONFIGURED})
    services = await open_services(config, clock=clock)
    try:
        assert services.env.pseudonym_key == CONFIGURED
        assert services.privacy.pseudonym(UID) == pseudonym(CONFIGURED, UID)
        round_ = await services.rounds.open(
            COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7)
        )
        await services.residents.join(await tg_person(services, UID), "Bảo", COMMUNE)
        step = (await services.answering.current(UID)).step
        ((voter,),) = await services.db.conn.execute_fetchall(
            "SELECT voter_key FROM responses WHERE id = ?", (step.response.id,)
        )
        assert voter == voter_key(CONFIGURED, round_.id, "telegram", UID)
        assert [r[1] for r in await stored(services.db)] == [kept]  # left as it was
    finally:
        await services.close()
    assert CONFIGURED.encode() not in path.read_bytes() + wal(path)
    services = await open_(path, clock)  # the variable unset again: the stored key is back
    try:
        assert services.env.pseudonym_key == kept
    finally:
        await services.close()


def wal(path: Path) -> bytes:
    side = path.with_name(path.name + "-wal")
    return side.read_bytes() if side.exists() else b""


@pytest.fixture
def debug_log(monkeypatch) -> Iterator[io.StringIO]:
    """Everything the command line logs at DEBUG, through the filter it sets up itself."""
    monkeypatch.setenv("YKIEN_LOG_LEVEL", "DEBUG")
    root = logging.getLogger()
    level, stream = root.level, io.StringIO()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)
    for each in root.handlers:
        for f in [f for f in each.filters if isinstance(f, log_filter.Redact)]:
            each.removeFilter(f)
    root.setLevel(level)


def test_no_command_prints_or_logs_the_key(db_path, tmp_path, capsys, debug_log) -> None:
    copy = tmp_path / "sao-luu.db"
    commands = [
        ["migrate", "--list"],  # the first: makes the key, before the log filter knows it
        ["round", "open", "--commune", str(COMMUNE), "--survey", SURVEY],
        ["round", "list"],
        ["link", "--commune", str(COMMUNE)],
        ["retention", "run"],
        ["backup", str(copy)],
    ]
    printed = []
    for argv in commands:
        assert main(argv) == 0, argv
        out, err = capsys.readouterr()
        printed.append(out + err)
    key = read_file_db(db_path, stored)[0][1]
    log = debug_log.getvalue()
    assert "executing <partial withheld>" in log  # the database's DEBUG lines were written
    for text in [*printed, log]:
        assert key not in text
    # A backup holds the key (README: keep backups as private as the database).
    assert read_file_db(copy, stored)[0][1] == key


async def test_the_bot_uses_the_stored_key_in_its_log(path, clock) -> None:
    services = await open_(path, clock)  # the command line made the key
    try:
        ((_, key, _),) = await stored(services.db)
    finally:
        await services.close()
    root = logging.getLogger()
    level, stream = root.level, io.StringIO()
    handler = log_filter.setup("DEBUG", ["123:TEST"], "not-yet-known", stream=stream)
    # `ykien sandbox`, tested in the same process, quiets telegram.ext for the process's life.
    app_log = logging.getLogger("telegram.ext.Application")
    app_level = app_log.level
    app_log.setLevel(logging.DEBUG)
    sandbox = Sandbox(clock=lambda: clock.now.timestamp(), bot_username="ykien_test_bot")
    app = build_application(
        Config(token=Secret("123:TEST"), db_path=path),
        request=SandboxRequest(sandbox),
        get_updates_request=SandboxRequest(sandbox),
        clock=clock,
    )
    try:
        async with app:
            await app.post_init(app)  # opens the database, as `ykien run` does
            assert app.bot_data[SERVICES_KEY].env.pseudonym_key == key
            update = Update.de_json(
                {
                    "update_id": 7,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": UID, "type": "private", "first_name": "Bảo"},
                        "from": {"id": UID, "is_bot": False, "first_name": "Bảo"},
                        "text": "xin chào",
                    },
                },
                app.bot,
            )
            app_log.debug("Processing update %s", update)
            logging.getLogger("ykien.test").warning("key %s", key)
            await app.post_shutdown(app)
    finally:
        app_log.setLevel(app_level)
        root.removeHandler(handler)
        for each in root.handlers:
            for f in [f for f in each.filters if isinstance(f, log_filter.Redact)]:
                each.removeFilter(f)
        root.setLevel(level)
    text = stream.getvalue()
    # Senders are named with the stored key (as in exports); the key itself is masked.
    assert f"<update 7 from p:{pseudonym(key, UID)}>" in text
    assert "key ***" in text and key not in text
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT value FROM deployment_secrets").fetchall() == [(key,)]
