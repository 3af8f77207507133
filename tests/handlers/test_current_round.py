"""A round scheduled for later never hides the open one: /summary, /progress, /remind and the
resident's /survey all use the commune's current round."""

from __future__ import annotations

from datetime import timedelta

from surveys.access import Role
from tests.conftest import COMMUNE, tg_person
from tests.handlers.test_broadcast import join, launch
from tests.handlers.test_summary import OFFICER, _answered
from tests.summary_support import answer, second_survey

STAFF = 710


async def _with_a_scheduled_round(harness, clock, tmp_path) -> int:
    """Round 1 open with answers, then round 2 of another survey scheduled in three months."""
    await _answered(harness, clock)
    other = await second_survey(harness.services, tmp_path)
    launched = await harness.services.broadcasts.open_round(
        COMMUNE, other, opens_at=clock.now + timedelta(days=90)
    )
    assert launched.round.id == 2
    return launched.round.id


async def test_summary_shows_the_open_round_not_the_scheduled_one(harness, clock, tmp_path):
    await _with_a_scheduled_round(harness, clock, tmp_path)
    officer = harness.user(OFFICER)
    replies = await harness.send(officer, "/summary 3598")
    assert "Hài lòng chung: 85,7%" in replies[0] and "chưa có câu trả lời" not in replies[0]
    province = await harness.send(officer, "/summary")
    assert "Xã Tân Uyên: 85,7%" in province[0]
    entries = await harness.services.access.audit_log()
    assert (entries[-1].action, entries[-1].outcome) == ("summary.view", "ok")


async def test_progress_and_remind_are_about_the_open_round(harness, clock, tmp_path):
    services = harness.services
    await join(harness, 3)
    await launch(services)  # round 1 and its invitation (broadcast 1) to the three
    await answer(services, 1001)  # one of them answers everything
    other = await second_survey(services, tmp_path)
    await services.broadcasts.open_round(COMMUNE, other, opens_at=clock.now + timedelta(days=90))
    await services.access.grant(await tg_person(services, STAFF), Role.STAFF, commune=COMMUNE)
    staff = harness.user(STAFF, "Cán bộ")
    shown = await harness.send(staff, "/progress")
    assert shown[0].startswith("Đợt 1 năm 2026 (mã đợt 1) · mời trả lời") and "0/3" in shown[0]
    reminded = await harness.send(staff, "/remind")
    assert reminded == [
        "Đang gửi lời nhắc đợt 1 năm 2026 (mã đợt 1) tới 2 người chưa trả lời xong."
    ]
    rows = await services.db.conn.execute_fetchall(
        "SELECT id, round_id, kind FROM broadcasts ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [(1, 1, "invite"), (2, 2, "invite"), (3, 1, "reminder")]


async def test_a_resident_joining_answers_the_open_round(harness, clock, tmp_path):
    await _with_a_scheduled_round(harness, clock, tmp_path)
    await harness.services.residents.join(await tg_person(harness.services, 300), "Mai", COMMUNE)
    mai = harness.user(300, "Mai")
    await harness.send(mai, "/survey")
    offer = await harness.press(mai, "Thôn Nà Pa")  # asked first: which village
    assert "hạn trả lời: 10:00 30/11/2026" in offer[-1]  # round 1's deadline
    replies = await harness.press(mai, "Bắt đầu khảo sát")
    assert replies[-1].startswith("Câu 1/13")
    rows = await harness.services.db.conn.execute_fetchall(
        "SELECT r.round_id FROM responses r JOIN residents p ON p.id = r.resident_id "
        "JOIN addresses a ON a.resident_id = p.id WHERE a.channel = 'telegram' "
        "AND a.address = '300'"
    )
    assert [r[0] for r in rows] == [1]
