"""`ykien sandbox` over HTTP without a browser: refusals, files, long polls, reset.

The real bot polls the sandbox in the test's event loop; every request goes through the
page's real routes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.config import Config
from bot.sandbox import UploadedFile
from bot.training import OFFICER_ID, RESIDENT_ID, STAFF_ID, Training, TrainingServer
from storage import residents as residents_db
from storage.db import Database
from tests.conftest import FakeClock


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[TrainingServer]:
    clock = FakeClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    async with TrainingServer(Training(Config(), tmp_path, clock=clock)) as server:
        yield server


@pytest.fixture
async def http(served: TrainingServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(served.url) as session:
        yield session


async def residents_in(path: Path) -> int:
    db = await Database.open(path, migrate_now=False)
    try:
        return await residents_db.count_in_commune(db.conn, 3598)
    finally:
        await db.close()


async def test_start_seeds_a_commune_and_gives_staff_and_officer_their_menus(
    served: TrainingServer, http: aiohttp.ClientSession
) -> None:
    sandbox = served.training.sandbox
    assert [(p.role, p.user_id) for p in served.training.persons] == [
        ("resident", RESIDENT_ID),
        ("staff", STAFF_ID),
        ("officer", OFFICER_ID),
    ]
    staff_menu = {c["command"] for c in sandbox.commands_for({"type": "chat", "chat_id": STAFF_ID})}
    assert {"progress", "rounds", "remind"} <= staff_menu
    officer_menu = sandbox.commands_for({"type": "chat", "chat_id": OFFICER_ID})
    assert "summary" in {c["command"] for c in officer_menu}
    async with http.get(f"/p/{STAFF_ID}") as answer:
        page = await answer.text()
    assert answer.status == 200 and "cán bộ xã</b> cho: Xã Tân Uyên" in page
    assert "/progress</b> — " in page  # the staff's own menu, as Telegram shows it
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")


async def test_empty_too_long_stale_or_unknown_input_is_refused_and_changes_nothing(
    served: TrainingServer, http: aiohttp.ClientSession
) -> None:
    sandbox = served.training.sandbox
    calls = len(sandbox.calls)
    for text, notice in (("   ", "Tin nhắn trống"), ("x" * 4097, "dài quá 4096 ký tự")):
        async with http.post(f"/p/{RESIDENT_ID}/send", data={"text": text}) as answer:
            assert answer.status == 200 and answer.url.query["notice"]
            assert notice in await answer.text()
    async with http.post(
        f"/p/{RESIDENT_ID}/press", data={"message_id": "99", "data": "x"}
    ) as answer:
        assert "Nút này không còn nữa" in await answer.text()
    async with http.post(
        f"/p/{RESIDENT_ID}/press", data={"message_id": "abc"}, headers={"X-Requested-With": "fetch"}
    ) as answer:
        assert answer.status == 200 and "Nút này không còn nữa" in await answer.text()
    assert sandbox.world.chat_messages(RESIDENT_ID) == []
    assert sandbox.pending_updates == 0 and not sandbox.pending_callbacks
    assert [m for m, _ in sandbox.calls[calls:]] in ([], ["getUpdates"])
    assert await residents_in(served.training.db_path) == 0
    for path in ("/p/4242", f"/files/{RESIDENT_ID}/1/photo"):
        async with http.get(path) as answer:
            assert answer.status == 404 and "Không tìm thấy" in await answer.text()


async def test_other_sites_can_neither_read_nor_drive_the_page(
    served: TrainingServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"/p/{RESIDENT_ID}", headers={"Host": "evil.example:8765"}) as answer:
        assert answer.status == 403 and "chỉ mở được trên chính máy này" in await answer.text()
    for origin in ("http://evil.example", "null"):
        async with http.post(
            f"/p/{RESIDENT_ID}/send", data={"text": "/start"}, headers={"Origin": origin}
        ) as answer:
            assert answer.status == 403
    own = f"http://127.0.0.1:{served.port}"
    async with http.post(
        f"/p/{RESIDENT_ID}/send", data={"text": "/help"}, headers={"Origin": own}
    ) as answer:
        assert answer.status == 200
    mine = [m for m in served.training.sandbox.world.chat_messages(RESIDENT_ID) if not m.from_bot]
    assert [m.data["text"] for m in mine] == ["/help"]  # the refused posts sent nothing


async def test_a_script_post_answers_with_the_chat_holding_the_bots_reply(
    served: TrainingServer, http: aiohttp.ClientSession
) -> None:
    payload = dict(served.training.persons[0].shortcuts)["join"]
    async with http.post(
        f"/p/{RESIDENT_ID}/send", data={"text": payload}, headers={"X-Requested-With": "fetch"}
    ) as answer:
        fragment = await answer.text()
    assert answer.status == 200 and fragment.startswith('<div class="messages"')
    assert "Xã Tân Uyên" in fragment  # the server waited for the bot's first reaction
    assert await residents_in(served.training.db_path) == 1


async def test_documents_download_and_photos_show_only_in_their_own_chat(
    served: TrainingServer, http: aiohttp.ClientSession
) -> None:
    sandbox = served.training.sandbox
    report = UploadedFile("báo cáo.html", b"<script>alert(1)</script>", "text/html")
    status, sent = await sandbox.call(
        "sendDocument", {"chat_id": OFFICER_ID, "caption": "Báo cáo"}, {"document": report}
    )
    assert status == 200
    message_id = sent["result"]["message_id"]
    async with http.get(f"/p/{OFFICER_ID}") as answer:
        assert "📄 Tệp: báo cáo.html" in await answer.text()
    async with http.get(f"/files/{OFFICER_ID}/{message_id}/document") as answer:
        assert await answer.read() == report.content
        assert answer.headers["Content-Type"] == "application/octet-stream"
        assert answer.headers["Content-Disposition"] == (
            "attachment; filename*=UTF-8''b%C3%A1o%20c%C3%A1o.html"
        )
    async with http.get(f"/files/{RESIDENT_ID}/{message_id}/document") as answer:
        assert answer.status == 404
    chart = UploadedFile("chart.png", b"\x89PNG fake", "image/png")
    _, sent = await sandbox.call("sendPhoto", {"chat_id": OFFICER_ID}, {"photo": chart})
    async with http.get(f"/files/{OFFICER_ID}/{sent['result']['message_id']}/photo") as answer:
        assert answer.headers["Content-Type"] == "image/png"
        assert answer.headers["Content-Disposition"].startswith("inline;")


async def test_a_long_poll_answers_when_the_chat_changes(
    served: TrainingServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"/p/{RESIDENT_ID}/chat") as answer:
        version = _version(await answer.text())
    poll = asyncio.ensure_future(http.get(f"/p/{RESIDENT_ID}/chat", params={"v": version}))
    await asyncio.sleep(0)
    assert not poll.done()
    served.training.sandbox.user(RESIDENT_ID).send("/help")
    async with await poll as answer:
        fragment = await answer.text()
    assert answer.status == 200 and "/help" in fragment and _version(fragment) != version


async def test_reset_starts_a_new_database_and_ends_old_long_polls(
    served: TrainingServer, http: aiohttp.ClientSession
) -> None:
    training = served.training
    payload = dict(training.persons[0].shortcuts)["join"]
    async with http.post(f"/p/{RESIDENT_ID}/send", data={"text": payload}):
        pass
    old_db, old_sandbox = training.db_path, training.sandbox
    async with http.get(f"/p/{RESIDENT_ID}/chat") as answer:
        version = _version(await answer.text())
    poll = asyncio.ensure_future(http.get(f"/p/{RESIDENT_ID}/chat", params={"v": version}))
    async with http.post("/reset") as answer:
        assert answer.status == 200 and str(answer.url).endswith(f"/p/{RESIDENT_ID}")
        assert "Chưa có tin nhắn nào" in await answer.text()
    async with await poll as polled:
        assert polled.status == 205  # the script reloads the page
    assert training.sandbox is not old_sandbox and training.db_path != old_db
    assert await residents_in(old_db) == 1 and await residents_in(training.db_path) == 0
    assert training.sandbox.world.chat_messages(STAFF_ID)  # staff took their role again


async def test_another_resident_gets_a_phone_of_their_own(
    served: TrainingServer, http: aiohttp.ClientSession
) -> None:
    async with http.post("/people") as answer:
        page = await answer.text()
    assert str(answer.url).endswith(f"/p/{RESIDENT_ID + 1}")
    assert "Bạn đang là: Người dân 2" in page and "Quét mã QR của xã" in page
    assert [p.role for p in served.training.persons] == ["resident", "resident", "staff", "officer"]


def _version(fragment: str) -> str:
    return fragment.split('data-version="', 1)[1].split('"', 1)[0]
