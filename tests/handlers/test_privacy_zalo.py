"""The Zalo inbox is personal data (issue 13): /mydata shows a person's queued Zalo messages,
/deletedata and retention delete every inbox row of the person's Zalo addresses, and handled
rows are purged after a window."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.runtime_retention import RetentionJob
from storage import people as people_db
from storage.records import ts
from surveys.people import Address, Channel, zalo_address
from surveys.privacy import INBOX_DAYS
from surveys.zalo_inbox import InboxKind, queue_event
from tests.conftest import COMMUNE, SURVEY, tg_person
from tests.handlers.test_survey import answer_all

UID, NAME = 987_654_321, "Zelda Nguyễn"
OA, ZALO_USER, OTHER_USER = "4318000000000000001", "7100000000000000042", "7100000000000000099"
SECRET = "Nhà tôi ở xóm Nà Ún, số CCCD 001099012345"
BUTTON = "survey:4:3"


async def inbox(harness) -> list[tuple]:
    rows = await harness.services.db.conn.execute_fetchall(
        "SELECT user_id, kind, body, handled_at IS NOT NULL FROM zalo_inbox ORDER BY id"
    )
    return [tuple(r) for r in rows]


async def queue(harness, user_id: str, kind: str, body: str, key: str) -> None:
    env = harness.services.env
    assert await queue_event(
        env, key=key, oa_id=OA, kind=InboxKind(kind), user_id=user_id, body=body,
        sent_at=env.now(),
    )  # fmt: skip


async def handled(harness, key: str, days_ago: float = 0) -> None:
    """What the Zalo worker does once it handled an event: the body goes, the time is kept."""
    at = harness.services.env.now() - timedelta(days=days_ago)
    async with harness.services.db.transaction() as conn:
        await conn.execute(
            "UPDATE zalo_inbox SET handled_at = ?, body = '' WHERE event_key = ?", (ts(at), key)
        )


async def zelda_on_zalo(harness, clock):
    """Zelda joined on Telegram, answered, and also follows the commune's OA on Zalo."""
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    await harness.services.residents.join(Address(Channel.TELEGRAM, str(UID)), NAME, COMMUNE)
    zelda = harness.user(UID, NAME)
    await answer_all(harness, zelda)
    person = await tg_person(harness.services, UID)
    async with harness.services.db.transaction() as conn:
        await people_db.add_address(conn, person, Channel.ZALO, zalo_address(OA, ZALO_USER))
    await queue(harness, ZALO_USER, "follow", "", "f1")
    await queue(harness, ZALO_USER, "text", SECRET, "m1")
    await queue(harness, ZALO_USER, "button", BUTTON, "m2")
    await queue(harness, ZALO_USER, "text", "tin đã xử lý", "m0")
    await handled(harness, "f1")
    await handled(harness, "m0")
    await queue(harness, OTHER_USER, "text", "Tin của người khác", "o1")
    return zelda


async def test_mydata_lists_queued_zalo_messages_of_the_person(harness, clock) -> None:
    zelda = await zelda_on_zalo(harness, clock)
    text = "\n".join(await harness.send(zelda, "/mydata"))
    assert "Tin nhắn Zalo của bạn đang chờ ykien xử lý" in text
    assert SECRET in text and f"bấm nút «{BUTTON}»" in text
    assert "Tin của người khác" not in text  # another Zalo user's message
    assert "quan tâm Official Account" not in text  # handled: no longer queued
    assert f"chỉ giữ loại tin và thời gian thêm {INBOX_DAYS} ngày rồi xóa hẳn" in text
    assert f"Mã Zalo: {OA}:{ZALO_USER}" in text
    assert len(await inbox(harness)) == 5  # reading changes nothing


async def test_mydata_of_a_zalo_address_nobody_holds_shows_its_queue(harness, clock) -> None:
    await queue(harness, OTHER_USER, "text", "Xin chào xã", "o1")
    data = await harness.services.privacy.my_data(
        Address(Channel.ZALO, zalo_address(OA, OTHER_USER))
    )
    assert not data.empty and [e.body for e in data.zalo_queued] == ["Xin chào xã"]
    none = await harness.services.privacy.my_data(Address(Channel.ZALO, "not-a-zalo-address"))
    assert none.empty and none.zalo_queued == []


async def test_deletedata_deletes_every_inbox_row_of_the_person(harness, clock) -> None:
    zelda = await zelda_on_zalo(harness, clock)
    await harness.send(zelda, "/deletedata")
    (done,) = await harness.press(zelda, "Xóa danh tính của tôi")
    assert done.startswith("Đã xóa danh tính của bạn")
    assert await inbox(harness) == [(OTHER_USER, "text", "Tin của người khác", 0)]
    assert await harness.services.people.find(Channel.ZALO, zalo_address(OA, ZALO_USER)) is None


async def test_a_person_with_no_commune_forgets_their_zalo_messages(harness, clock) -> None:
    """Someone who only wrote on Zalo (no commune): /deletedata drops their messages too."""
    s = harness.services
    async with s.db.transaction() as conn:
        person = await people_db.ensure(
            conn, Address(Channel.ZALO, zalo_address(OA, ZALO_USER)), s.env.now()
        )
    await queue(harness, ZALO_USER, "text", SECRET, "m1")
    await queue(harness, OTHER_USER, "text", "Tin của người khác", "o1")
    assert await s.privacy.erase(person)
    assert await inbox(harness) == [(OTHER_USER, "text", "Tin của người khác", 0)]
    assert not await s.privacy.erase(person)  # nothing of theirs is left


async def test_retention_erases_the_inactive_and_purges_old_handled_events(harness, clock) -> None:
    await zelda_on_zalo(harness, clock)
    env = harness.services.env
    env.settings = dataclasses.replace(env.settings, retention_days=365)
    clock.advance(days=366)
    await queue(harness, OTHER_USER, "text", "vừa nhận", "o2")
    await handled(harness, "o1", days_ago=INBOX_DAYS + 1)  # handled long ago: purged
    await handled(harness, "o2", days_ago=1)  # handled yesterday: kept for now
    await queue(harness, OTHER_USER, "text", "chưa xử lý", "o3")  # queued: the worker's
    await RetentionJob(harness.services.privacy).run_once()
    assert await harness.services.people.find(Channel.TELEGRAM, str(UID)) is None  # erased
    # Zelda's queued messages went with her; of the other user's, the old handled one went.
    assert await inbox(harness) == [
        (OTHER_USER, "text", "", 1),
        (OTHER_USER, "text", "chưa xử lý", 0),
    ]


async def test_with_retention_off_the_job_still_purges_the_inbox(harness, clock) -> None:
    await queue(harness, OTHER_USER, "text", "cũ", "o1")
    await queue(harness, OTHER_USER, "text", "mới", "o2")
    await handled(harness, "o1", days_ago=INBOX_DAYS + 0.5)
    await handled(harness, "o2", days_ago=INBOX_DAYS - 0.5)
    assert harness.services.settings.retention_days == 0
    await RetentionJob(harness.services.privacy).run_once()
    assert await inbox(harness) == [(OTHER_USER, "text", "", 1)]
    clock.advance(days=1)  # time moves: the other one is now old too
    assert await harness.services.privacy.run_retention() == 0  # nobody erased
    assert await inbox(harness) == []


async def test_a_short_retention_period_shortens_the_inbox_window(harness, clock) -> None:
    env = harness.services.env
    env.settings = dataclasses.replace(env.settings, retention_days=7)
    await queue(harness, OTHER_USER, "text", "x", "o1")
    await handled(harness, "o1", days_ago=8)
    assert harness.services.privacy.inbox_days == 7
    assert await harness.services.privacy.purge_inbox() == 1
    assert await inbox(harness) == []
