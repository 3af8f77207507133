"""A staff member's answer to a question a Zalo resident asked: sent on Zalo through the
sandbox when Zalo takes it, kept and sent at the resident's next write when it does not."""

from __future__ import annotations

from surveys.access import Role
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock, tg_person
from tests.handlers.conftest import Harness
from tests.zalo.delivery_support import IN_WINDOW, OUTSIDE, Commune, zalo_writes

STAFF = 50
QUESTION = "xin giấy phép xây chuồng bò ở đâu"
ANSWER = "Bạn nộp hồ sơ xin phép xây dựng tại bộ phận một cửa của xã."


async def _ask_and_answer(commune: Commune, harness: Harness, user_id: str) -> list[str]:
    services = commune.services
    person = commune.persons[user_id]
    asked = await services.faq.ask(person, QUESTION)
    assert asked.ask_id is not None
    sent = await services.questions.send(person, asked.ask_id)
    assert sent.question is not None
    await services.access.grant(await tg_person(services, STAFF), Role.STAFF, commune=COMMUNE)
    officer = harness.user(STAFF, "Cán bộ")
    await harness.send(officer, "/questions")
    await harness.press(officer, "Trả lời")
    return await harness.send(officer, ANSWER)


async def _delivered(services: Services) -> list[object]:
    rows = await services.db.conn.execute_fetchall("SELECT delivered_at FROM faq_questions")
    return [r[0] for r in rows]


async def test_an_answer_reaches_a_zalo_resident_on_zalo(
    commune: Commune, harness: Harness
) -> None:
    user = IN_WINDOW[0]
    replies = await _ask_and_answer(commune, harness, user)
    assert replies[0].startswith("Đã gửi câu trả lời cho người hỏi.")
    [text] = commune.zalo.texts_to(user)
    assert text.startswith("Cán bộ xã đã trả lời câu hỏi của bạn") and ANSWER in text
    assert [d is not None for d in await _delivered(commune.services)] == [True]


async def test_outside_zalo_s_window_the_staff_member_is_told_and_it_waits_for_the_resident(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    user = OUTSIDE[0]
    replies = await _ask_and_answer(commune, harness, user)
    assert "ngoài hạn 7 ngày của Zalo: cư dân sẽ nhận khi nhắn lại" in replies[0]
    assert commune.zalo.texts_to(user) == []
    assert await _delivered(commune.services) == [None]

    clock.advance(hours=2)
    await zalo_writes(commune, user)
    late = await commune.services.late.waiting_for(commune.persons[user])

    assert late.answers == 1
    texts = commune.zalo.texts_to(user)
    assert any(ANSWER in t for t in texts)
    assert [d is not None for d in await _delivered(commune.services)] == [True]
    again = await commune.services.late.waiting_for(commune.persons[user])
    assert again.answers == 0 and commune.zalo.texts_to(user) == texts
