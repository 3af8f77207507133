"""Bad input on Zalo: each refusal gets the Vietnamese reply of the Telegram alert it stands
for, and the database is left as it was. A replayed event is handled once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, FakeClock, snapshot
from tests.zalo.flow_support import BINH, LAN, Flow, running_flow

INVALID = "Nút bấm này không hợp lệ hoặc đã cũ."
NOT_YOURS = "Câu hỏi này không thuộc lượt trả lời của bạn nên không được ghi nhận."
CLOSED = "Đợt lấy ý kiến này đã kết thúc nên không nhận thêm câu trả lời. Cảm ơn bạn!"
NOT_YET = "Chưa đến câu này."


@pytest.fixture
async def flow(services: Services, clock: FakeClock) -> AsyncIterator[Flow]:
    async with running_flow(services, clock) as running:
        yield running


async def _started(flow: Flow, user: str) -> None:
    await flow.joined(user)
    await flow.press(user, "Bắt đầu khảo sát")


async def _refused(flow: Flow, user: str, payload: str) -> str:
    before = await snapshot(flow.services.db)
    replies = await flow.send(user, payload)
    assert await snapshot(flow.services.db) == before, payload
    assert len(replies) == 1
    return replies[0]


@pytest.mark.parametrize(
    "payload",
    [
        "yk:a:1:0:9",  # a value no button has
        "yk:a:1:99:4",  # a question index out of range
        "yk:zz:1",  # a kind nobody owns
        "yk:a:1:0",  # a field missing
        "yk:a:1:0:4:5",  # a field too many
        "yk:a:0001:00:4" + "1" * 48,  # longer than 64 bytes
        "yk:d:maybe",
        "yk:fp:1:X",
    ],
)
async def test_a_forged_payload_is_refused(flow: Flow, payload: str) -> None:
    await flow.open_round()
    await _started(flow, LAN)
    [(response_id, _)] = await flow.responses(LAN)
    payload = payload.replace("yk:a:1:", f"yk:a:{response_id}:", 1)
    reply = await _refused(flow, LAN, payload)
    assert reply.startswith(INVALID), reply
    assert await flow.answers(LAN) == {}


async def test_another_residents_payload_is_not_theirs(flow: Flow) -> None:
    await flow.open_round()
    await _started(flow, LAN)
    await _started(flow, BINH)
    [(lan_response, _)] = await flow.responses(LAN)
    reply = await _refused(flow, BINH, f"yk:a:{lan_response}:0:5")
    assert reply.startswith(NOT_YOURS) and "/survey" not in reply
    assert await flow.answers(LAN) == {} and await flow.answers(BINH) == {}
    reply = await _refused(flow, BINH, f"yk:ok:{lan_response}")
    assert reply.startswith(INVALID)


async def test_a_question_ahead_is_not_yet(flow: Flow) -> None:
    await flow.open_round()
    await _started(flow, LAN)
    [(response_id, _)] = await flow.responses(LAN)
    assert (await _refused(flow, LAN, f"yk:a:{response_id}:5:4")).startswith(NOT_YET)


async def test_a_closed_round_refuses_buttons_digits_and_edits(flow: Flow) -> None:
    await flow.open_round(days=2)
    await _started(flow, LAN)
    for _ in range(11):
        await flow.send(LAN, "4")
    await flow.press(LAN, "Có")  # question 12 answered with its button
    [(response_id, _)] = await flow.responses(LAN)
    yes = flow.payload_of(LAN, "Có")
    flow.clock.advance(days=1)
    replies = await flow.send(LAN, "sửa 3")  # still open: the edit starts
    assert replies[-1].startswith("Câu 3/13")
    flow.clock.advance(days=1, seconds=1)  # now past closes_at
    assert await _refused(flow, LAN, yes) == CLOSED
    assert await _refused(flow, LAN, f"yk:s:{response_id}:12") == CLOSED
    assert await _refused(flow, LAN, "5") == CLOSED  # the pending change of question 3
    stored = await flow.answers(LAN)
    assert len(stored) == 12 and stored["thuy_loi"] == (4, None, False)


async def test_a_replayed_event_is_handled_once(flow: Flow) -> None:
    await flow.open_round()
    await _started(flow, LAN)
    before = len(flow.zalo.texts_to(LAN))
    flow.zalo.write(LAN, "4")
    flow.zalo.webhook.duplicate_next(1)  # Zalo delivers the same msg_id twice
    await flow.deliver()
    assert len(flow.zalo.webhook.log.delivered) >= 2
    replies = flow.zalo.texts_to(LAN)[before:]
    assert len(replies) == 1 and replies[0].startswith("Đã lưu: 4 · Hài lòng")
    assert await flow.answers(LAN) == {"duong": (4, None, False)}
    texts = [kind for kind, *_ in await flow.inbox()]
    assert texts.count("text") == 2  # the join code and the answer, once


async def test_a_slow_acknowledgement_retried_by_zalo_is_handled_once(flow: Flow) -> None:
    await flow.open_round()
    await _started(flow, LAN)
    before = len(flow.zalo.texts_to(LAN))
    flow.zalo.write(LAN, "5")
    flow.zalo.webhook.slow_next(1)
    await flow.deliver()
    assert flow.zalo.webhook.log.failures == ["acknowledged after more than 2 s"]
    assert len(flow.zalo.texts_to(LAN)[before:]) == 1
    assert await flow.answers(LAN) == {"duong": (5, None, False)}


async def test_the_same_button_pressed_twice_changes_nothing(flow: Flow) -> None:
    await flow.open_round()
    await _started(flow, LAN)
    for _ in range(11):
        await flow.send(LAN, "4")
    await flow.press(LAN, "Có")
    yes = flow.payload_of(LAN, "Có")
    before = await snapshot(flow.services.db)
    replies = await flow.send(LAN, yes)  # an older message's button, pressed again
    assert replies[0].startswith("Câu này đã được ghi nhận: Có") and "Câu 13/13" in replies[0]
    assert await snapshot(flow.services.db) == before


async def test_a_forged_webhook_answers_nothing(flow: Flow) -> None:
    await flow.open_round()
    await _started(flow, LAN)
    event = flow.zalo.write(LAN, "4")
    flow.zalo.webhook.queue.clear()
    before = len(flow.zalo.texts_to(LAN))
    assert await flow.zalo.webhook.post_forged(event) == 403
    assert await flow.worker.drain() == 0
    assert flow.zalo.texts_to(LAN)[before:] == [] and await flow.answers(LAN) == {}


async def test_a_round_that_opens_later_is_offered_once_open(flow: Flow) -> None:
    now = flow.clock.now
    await flow.services.rounds.open(
        COMMUNE, SURVEY, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=8)
    )
    replies = await flow.joined(LAN)
    assert "chưa có đợt lấy ý kiến nào đang mở" in replies[-1]
    assert (await flow.send(LAN, "bắt đầu"))[-1] == replies[-1]
    assert await flow.responses(LAN) == []
    flow.clock.advance(days=1)
    replies = await flow.send(LAN, "bắt đầu")
    assert replies[-1].startswith("Câu 1/13")
    assert [c for _, c in await flow.responses(LAN)] == ["zalo"]
