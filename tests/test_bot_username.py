"""Links are made for the bot this token is: getMe's username, learned at start and kept in the
database; the command line uses it, warns when YKIEN_BOT_USERNAME names another bot, and with
neither refuses to print (or store) anything instead of a link to somebody else's bot."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from pathlib import Path

import pytest

from bot.app import build_application
from bot.cli import main
from bot.config import Config, Secret
from bot.sandbox import Sandbox, SandboxRequest
from storage.db import Database
from surveys.access import Actor, Role
from surveys.env import BotUnknown, Settings
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock, read_file_db, table_counts
from tests.handlers.conftest import running_harness


def start_bot(path: Path, username: str) -> None:
    """The real Application's start (post_init) on this database, against the sandbox."""

    async def run() -> None:
        sandbox = Sandbox(bot_username=username)
        config = dataclasses.replace(
            Config.from_env(os.environ), token=Secret("123:TEST"), db_path=path
        )
        app = build_application(
            config, request=SandboxRequest(sandbox), get_updates_request=SandboxRequest(sandbox)
        )
        async with app:
            await app.post_init(app)
            await app.post_shutdown(app)

    asyncio.run(run())


def stored(path: Path) -> list[tuple[str, str]]:
    async def read(db: Database) -> list[tuple[str, str]]:
        rows = await db.conn.execute_fetchall("SELECT key, value FROM bot_settings")
        return [(r[0], r[1]) for r in rows]

    return read_file_db(path, read)


def test_without_a_known_bot_no_link_is_printed_and_nothing_stored(db_path, capsys, monkeypatch):
    monkeypatch.delenv("YKIEN_BOT_USERNAME")
    assert main(["village", "add", "--commune", str(COMMUNE), "Bản Nà Ún"]) == 0
    capsys.readouterr()
    before = read_file_db(db_path, table_counts)
    refused = [
        ["link", "--commune", str(COMMUNE)],
        ["households", "issue", "--commune", str(COMMUNE), "--village", "Bản Nà Ún", "--count=3"],
        ["invite", "staff", "--commune", str(COMMUNE)],
    ]
    for argv in refused:
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "https://t.me/" not in captured.err
        assert captured.err.startswith("Lỗi: chưa biết tên bot") and "ykien run" in captured.err
    after = read_file_db(db_path, table_counts)
    assert after == {**before, "audit_log": before["audit_log"] + 3}  # only the refusals
    assert after["join_links"] == after["households"] == after["invitations"] == 0


def test_the_username_learned_at_start_is_used_and_a_wrong_setting_is_warned(
    db_path, capsys, monkeypatch, caplog
):
    monkeypatch.delenv("YKIEN_BOT_USERNAME")
    start_bot(db_path, "ykien_tanuyen_bot")
    assert stored(db_path) == [("bot_username", "ykien_tanuyen_bot")]
    assert main(["link", "--commune", str(COMMUNE)]) == 0
    captured = capsys.readouterr()
    assert "https://t.me/ykien_tanuyen_bot?start=j" in captured.out and captured.err == ""

    monkeypatch.setenv("YKIEN_BOT_USERNAME", "ykien_bot")  # the README's example, left as is
    assert main(["link", "--commune", str(COMMUNE)]) == 0
    captured = capsys.readouterr()
    assert "https://t.me/ykien_tanuyen_bot?start=j" in captured.out
    assert "ykien_bot?" not in captured.out
    assert captured.err.startswith(
        "Cảnh báo: YKIEN_BOT_USERNAME là «ykien_bot» nhưng token của bot là của @ykien_tanuyen_bot"
    )

    with caplog.at_level(logging.WARNING, logger="bot.app"):
        start_bot(db_path, "ykien_tanuyen_bot")
    assert any(
        "YKIEN_BOT_USERNAME is 'ykien_bot' but this token is the bot 'ykien_tanuyen_bot'"
        in r.getMessage()
        for r in caplog.records
    )
    assert stored(db_path) == [("bot_username", "ykien_tanuyen_bot")]


def test_a_new_token_replaces_the_stored_username(db_path, capsys) -> None:
    start_bot(db_path, "ykien_old_bot")
    start_bot(db_path, "ykien_new_bot")
    assert stored(db_path) == [("bot_username", "ykien_new_bot")]
    assert main(["invite", "staff", "--commune", str(COMMUNE)]) == 0
    assert "https://t.me/ykien_new_bot?start=i" in capsys.readouterr().out


async def test_in_chat_links_open_the_bot_telegram_names(db, clock: FakeClock, caplog) -> None:
    services = Services(db, clock=clock, settings=Settings(bot_username="ykien_bot"))
    await services.seed()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        async with running_harness(services, clock):  # the sandbox is @ykien_test_bot
            token = await services.residents.join_token(COMMUNE)
            assert token is not None
            assert services.residents.join_link(token).startswith(
                "https://t.me/ykien_test_bot?start=j"
            )
            issued = await services.invitations.issue(Role.STAFF, communes=[COMMUNE])
            assert issued.link.startswith("https://t.me/ykien_test_bot?start=i")
    assert any("links use 'ykien_test_bot'" in r.getMessage() for r in caplog.records)
    rows = await db.conn.execute_fetchall("SELECT value FROM bot_settings")
    assert [r[0] for r in rows] == ["ykien_test_bot"]


async def test_services_store_no_code_or_invitation_they_cannot_link(db, clock) -> None:
    services = Services(db, clock=clock, settings=Settings())  # no setting, never started
    await services.seed()
    await services.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    before = await table_counts(db)
    with pytest.raises(BotUnknown):
        await services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 3)
    with pytest.raises(BotUnknown):
        await services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    assert await table_counts(db) == before


def test_the_setting_is_optional_and_may_carry_an_at_sign() -> None:
    assert Config.from_env({}).settings.bot_username is None
    named = Config.from_env({"YKIEN_BOT_USERNAME": " @ykien_tanuyen_bot "})
    assert named.settings.bot_username == "ykien_tanuyen_bot"
