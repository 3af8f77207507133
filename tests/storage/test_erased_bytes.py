"""After /deletedata nothing of the person is left in the database file or its WAL (issue 17):
secure_delete zeroes deleted content and the WAL is checkpointed and truncated at erasure."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storage import people as people_db
from surveys.env import Settings
from surveys.people import Channel, zalo_address
from surveys.services import Services
from surveys.zalo_inbox import InboxKind, queue_event
from tests.conftest import COMMUNE, SURVEY, FakeClock, tg_person

UID = 912_345_678
NAME = "Zelda Nguyễn Thị Quỳnh"
COMMENT = "Tôi là Zelda, CCCD 001099012345, đường thôn ngập nước"
ZALO_TEXT = "Zelda đây, số điện thoại 0912345678, nhà cạnh cầu treo"


def stored_bytes(path: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


async def test_erased_name_and_comment_leave_the_db_and_wal_files(
    tmp_path, clock: FakeClock
) -> None:
    path = tmp_path / "ykien.db"
    services = await Services.open(
        str(path), clock=clock, settings=Settings(bot_username="ykien_test_bot")
    )
    try:
        await services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
        await services.residents.join(await tg_person(services, UID), NAME, COMMUNE)
        step = (await services.answering.current(UID)).step
        assert step is not None
        for index, question in enumerate(step.survey.questions):
            if question.kind.value == "text":
                assert (await services.answering.comment(UID, COMMENT)).ok
            else:
                value = "4" if question.kind.value == "scale" else "1"
                assert (await services.answering.answer(UID, step.response.id, index, value)).ok
        person = await tg_person(services, UID)
        async with services.db.transaction() as conn:  # she also wrote on Zalo: still queued
            await people_db.add_address(conn, person, Channel.ZALO, zalo_address("4318", "7100"))
        await queue_event(
            services.env, key="m1", oa_id="4318", kind=InboxKind.TEXT, user_id="7100",
            body=ZALO_TEXT, sent_at=clock.now,
        )  # fmt: skip
        needles = [NAME.encode(), COMMENT.encode(), b"001099012345", ZALO_TEXT.encode()]
        assert all(n in stored_bytes(path) for n in needles)  # the test can see them
        assert await services.privacy.erase(UID)
        # While the bot runs (the connection stays open), the bytes are gone from both files.
        found = stored_bytes(path)
        assert [n for n in needles if n in found] == []
        left = await services.env.db.conn.execute_fetchall("SELECT count(*) FROM zalo_inbox")
        assert [tuple(row) for row in left] == [(0,)]
        kept = await services.env.db.conn.execute_fetchall(
            "SELECT count(*) FROM responses WHERE counted = 1"
        )
        assert [tuple(row) for row in kept] == [(1,)]  # the detached response still counts
    finally:
        await services.close()
