"""Sign-in links from chat (/dashboard through the real Application and sandbox) and from the
command line (`ykien dashboard link --role-id`): bearer secrets of 256 bits, stored hashed."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator

import pytest

from bot.cli import main
from storage import dashboard as dashboard_db
from surveys.access import Role
from tests.conftest import COMMUNE, read_file_db, snapshot, table_counts, tg_person
from tests.dashboard.conftest import OFFICER, RESIDENT, WEB_URL
from tests.handlers.conftest import Harness, running_harness

LINK = re.compile(re.escape(WEB_URL) + r"/d/in/([A-Za-z0-9_-]{43})")


@pytest.fixture
async def harness(services, clock) -> AsyncIterator[Harness]:
    async with running_harness(services, clock) as running:
        yield running


async def test_dashboard_in_chat_sends_a_one_time_link_stored_hashed(harness, dash) -> None:
    replies = await harness.send(harness.user(OFFICER, "Hùng"), "/dashboard")
    assert len(replies) == 1 and "một lần" in replies[0] and "10 phút" in replies[0]
    secret = LINK.search(replies[0])[1]  # 43 URL-safe characters: 32 random bytes
    stored = await snapshot(harness.services.db)
    assert secret not in repr(stored)  # only its hash is kept
    link = await dashboard_db.get_link(
        harness.services.db.conn, hashlib.sha256(secret.encode()).hexdigest()
    )
    assert link is not None and link.holder.person_id == await tg_person(harness.services, OFFICER)
    assert (link.holder.expires_at - harness.services.env.now()).total_seconds() == 600
    browser = await dash.browser()
    status, text = await browser.get(f"/d/in/{secret}")
    assert status == 200
    status, text = await browser.post(f"/d/in/{secret}")
    assert status == 200 and "Lai Châu: các xã, phường" in text


async def test_a_resident_asking_for_the_dashboard_gets_no_link(harness) -> None:
    await harness.services.residents.join(
        await tg_person(harness.services, RESIDENT), "Lan", COMMUNE
    )
    before = await table_counts(harness.services.db)
    replies = await harness.send(harness.user(RESIDENT), "/dashboard")
    assert replies == [replies[0]] and "chưa có vai trò nào" in replies[0]
    assert not LINK.search(replies[0])
    after = await table_counts(harness.services.db)
    assert after["dashboard_links"] == 0
    assert after["audit_log"] == before["audit_log"]  # counted per day, not logged one by one


def test_command_line_link_for_a_role(db_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YKIEN_WEB_URL", WEB_URL)
    assert main(["invite", "officer", "--province", "12"]) == 0
    capsys.readouterr()

    async def grant(db) -> int:
        from surveys.services import Services

        services = Services(db)
        return await services.access.grant(
            await tg_person(services, OFFICER), Role.OFFICER, province=12
        )

    grant_id = read_file_db(db_path, grant)
    assert main(["dashboard", "link", "--role-id", str(grant_id)]) == 0
    out = capsys.readouterr().out
    assert f"quyền số {grant_id} (officer)" in out and LINK.search(out)
    counts = read_file_db(db_path, table_counts)
    assert counts["dashboard_links"] == 1


def test_command_line_refuses_an_unknown_role_and_a_deployment_without_web(
    db_path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("YKIEN_WEB_URL", WEB_URL)
    assert main(["dashboard", "link", "--role-id", "77"]) == 2
    assert "không có quyền đang hiệu lực nào số 77" in capsys.readouterr().err
    monkeypatch.delenv("YKIEN_WEB_URL")
    assert main(["dashboard", "link", "--role-id", "1"]) == 2
    assert "YKIEN_WEB_URL" in capsys.readouterr().err
    assert read_file_db(db_path, table_counts)["dashboard_links"] == 0
