"""Residents' questions on Zalo get the FAQ's answers, its "did you mean" as buttons and the
hand-off to the commune's staff, stored exactly as a question from Telegram is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock, tg_person
from tests.handlers.conftest import running_harness
from tests.zalo.flow_support import BINH, LAN, Flow, running_flow

FAQ_FIXTURES = Path(__file__).resolve().parents[1] / "data" / "faq"
SEND = "Gửi câu hỏi cho xã"


@pytest.fixture
async def flow(services: Services, clock: FakeClock) -> AsyncIterator[Flow]:
    services.faq.root = FAQ_FIXTURES
    await services.faq.sync_package()
    async with running_flow(services, clock) as running:
        yield running


async def _rows(flow: Flow, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await flow.services.db.conn.execute_fetchall(sql)]


async def test_a_confident_answer_with_feedback(flow: Flow) -> None:
    await flow.joined(LAN)
    replies = await flow.send(LAN, "quen pass vneid")
    assert replies[0].startswith("Quên mật khẩu VNeID thì làm sao?") and "OTP" in replies[0]
    assert flow.last(LAN).labels() == ["👍 Hữu ích", "👎 Chưa đúng ý"]
    replies = await flow.press(LAN, "👍 Hữu ích")
    assert "hữu ích" in replies[0]
    assert await _rows(flow, "SELECT entry_id, helpful FROM faq_feedback") == [
        ("vneid-quen-mat-khau", 1)
    ]


async def test_did_you_mean_as_buttons_and_a_pick_answers(flow: Flow) -> None:
    await flow.joined(LAN)
    replies = await flow.send(LAN, "dang ky vneid")
    assert replies[0].startswith("Có phải bạn muốn hỏi") and "Không câu nào đúng?" in replies[0]
    *candidates, last = flow.last(LAN).labels()
    assert 2 <= len(candidates) <= 3 and last == SEND
    replies = await flow.press(LAN, candidates[0])
    assert replies[0].startswith(candidates[0].rstrip("…"))
    picked = await _rows(flow, "SELECT verdict, entry_id IS NOT NULL FROM faq_asks")
    assert picked == [("unsure", 1)]


async def test_feedback_on_someone_elses_answer_is_refused(flow: Flow) -> None:
    await flow.joined(LAN)
    await flow.joined(BINH)
    await flow.send(LAN, "quen pass vneid")
    helpful = flow.payload_of(LAN, "👍 Hữu ích")
    before = await flow.counts()
    replies = await flow.send(BINH, helpful)
    assert replies == ["Nút này thuộc câu hỏi của người khác nên không được ghi nhận."]
    assert await flow.counts() == before


async def test_the_hand_off_stores_the_question_as_telegram_does(
    flow: Flow, services: Services, clock: FakeClock
) -> None:
    question = "giá lúa hôm nay bao nhiêu"
    async with running_harness(services, clock) as harness:
        await services.residents.join(await tg_person(services, 1), "Lan", COMMUNE)
        telegram = harness.user(1)
        await harness.send(telegram, question)
        await harness.press(telegram, SEND)

        await flow.joined(LAN)
        replies = await flow.send(LAN, question)
        assert replies[0].startswith("Xin lỗi, mình chưa có câu trả lời")
        assert "/faq" not in replies[0] and flow.last(LAN).labels() == [SEND]
        replies = await flow.press(LAN, SEND)
        assert replies == [
            "Đã gửi câu hỏi của bạn cho cán bộ xã. Khi cán bộ trả lời, mình sẽ nhắn lại cho "
            "bạn ở đây."
        ]
        again = await flow.press(LAN, SEND)
        assert again == ["Câu hỏi này đã được gửi cho cán bộ xã rồi. Bạn chờ cán bộ trả lời nhé."]
    asks = await _rows(flow, "SELECT text, verdict, entry_id, asked_at FROM faq_asks ORDER BY id")
    assert len(asks) == 2 and asks[0] == asks[1]
    sent = await _rows(
        flow,
        "SELECT commune_code, text, asked_at, answer, answered_at FROM faq_questions ORDER BY id",
    )
    assert len(sent) == 2 and sent[0] == sent[1] == (COMMUNE, question, sent[0][2], None, None)


async def test_the_daily_limit_of_questions_to_the_commune(flow: Flow) -> None:
    await flow.joined(LAN)
    limit = flow.services.questions.limit
    for i in range(limit):
        await flow.send(LAN, f"giá lúa hôm nay bao nhiêu {i}")
        assert (await flow.press(LAN, SEND))[0].startswith("Đã gửi")
    await flow.send(LAN, "giá lúa hôm nay bao nhiêu nữa")
    before = await flow.counts()
    replies = await flow.press(LAN, SEND)
    assert replies[0].startswith(f"Hôm nay bạn đã gửi {limit} câu hỏi cho cán bộ xã")
    assert (await flow.counts())["faq_questions"] == before["faq_questions"]
    flow.clock.advance(days=1)
    await flow.send(LAN, "giá lúa ngày mai bao nhiêu")
    assert (await flow.press(LAN, SEND))[0].startswith("Đã gửi")


async def test_a_question_mid_survey_offers_the_way_back(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    await flow.press(LAN, "Bắt đầu khảo sát")
    await flow.send(LAN, "4")
    replies = await flow.send(LAN, "quen pass vneid")
    assert replies[0].startswith("Quên mật khẩu VNeID")
    assert replies[-1].startswith("Bạn đang trả lời khảo sát, đến câu 2/13")
    assert flow.last(LAN).labels() == ["Tiếp tục khảo sát"]
    replies = await flow.press(LAN, "Tiếp tục khảo sát")
    assert replies[-1].startswith("Câu 2/13")
    assert await flow.answers(LAN) == {"duong": (4, None, False)}
