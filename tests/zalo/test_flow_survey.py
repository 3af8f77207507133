"""A resident completes the default survey on Zalo end to end: follow, join code, typed
digits on the 1-5 questions, Có/Không buttons, the comment, the review, "sửa 3", the thanks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from surveys.services import Services
from tests.conftest import FakeClock
from tests.zalo.flow_support import LAN, Flow, running_flow

SCALE_HINT = "Gõ 1-5, 0 nếu không biết."


@pytest.fixture
async def flow(services: Services, clock: FakeClock) -> AsyncIterator[Flow]:
    async with running_flow(services, clock) as running:
        yield running


async def test_a_resident_completes_the_default_survey(flow: Flow) -> None:
    await flow.open_round()
    greeting = await flow.follow(LAN)
    assert len(greeting) == 1 and "Xã Tân Uyên" in greeting[0]
    assert "mã xã" in greeting[0] and "mã hộ gia đình" in greeting[0]

    replies = await flow.send(LAN, await flow.join_token())
    assert "Chào mừng bạn đến với ykien của Xã Tân Uyên" in replies[0]
    assert "mã Zalo" in replies[0] and "/mydata" not in " ".join(replies)
    assert "Xã đang lấy ý kiến" in replies[-1]
    assert flow.last(LAN).labels() == ["Bắt đầu khảo sát"]

    replies = await flow.press(LAN, "Bắt đầu khảo sát")
    question = replies[-1]
    assert question.startswith("Câu 1/13")
    for line in (
        "1 · Rất không hài lòng",
        "5 · Rất hài lòng",
        "0 · Không biết / không sử dụng",
        SCALE_HINT,
    ):
        assert line in question
    assert flow.last(LAN).buttons == []  # six options do not fit Zalo's five buttons

    replies = await flow.send(LAN, "4")
    assert replies == [replies[0]] and replies[0].startswith("Đã lưu: 4 · Hài lòng")
    assert "Câu 2/13" in replies[0]
    replies = await flow.send(LAN, "0")  # không biết
    assert replies[0].startswith("Đã lưu: Không biết / không sử dụng")
    for _ in range(9):
        replies = await flow.send(LAN, "5")
    assert "Câu 12/13" in replies[-1]
    assert flow.last(LAN).labels() == ["Có", "Không"]

    replies = await flow.press(LAN, "Có")
    assert replies[0].startswith("Đã lưu: Có") and "Câu 13/13" in replies[0]
    assert flow.last(LAN).labels() == ["Bỏ qua"]

    replies = await flow.send(LAN, "Cần thêm đèn đường ở thôn")
    review = replies[-1]
    assert review.startswith("Đã lưu: Cần thêm đèn đường ở thôn")
    assert "1. " in review and "→ 4 · Hài lòng" in review and "sửa 3" in review
    assert flow.last(LAN).labels() == ["Xong"]

    stored = await flow.answers(LAN)
    assert len(stored) == 13
    assert stored["duong"] == (4, None, False) and stored["dien"] == (0, None, False)
    assert stored["tong_the"] == (1, None, False)
    assert stored["gop_y"] == (None, "Cần thêm đèn đường ở thôn", False)
    assert [c for _, c in await flow.responses(LAN)] == ["zalo"]
    completed = await flow.services.db.conn.execute_fetchall(
        "SELECT completed_at IS NOT NULL FROM responses"
    )
    assert [r[0] for r in completed] == [1]

    # change question 3 by typing, then finish
    replies = await flow.send(LAN, "sửa 3")
    assert replies[-1].startswith("Câu 3/13") and SCALE_HINT in replies[-1]
    replies = await flow.send(LAN, "1")
    assert replies[-1].startswith("Đã sửa thành: 1 · Rất không hài lòng")
    assert "Câu trả lời của bạn" in replies[-1]
    assert (await flow.answers(LAN))["thuy_loi"] == (1, None, False)
    replies = await flow.press(LAN, "Xong")
    assert replies == [replies[0]] and "Cảm ơn bạn đã góp ý cho Xã Tân Uyên" in replies[0]

    # every event was handled once, and none keeps what the resident typed
    inbox = await flow.inbox()
    assert all(handled and body == "" and failure is None for _, body, failure, handled in inbox)
    # the last interaction is recorded for Zalo's 7-day window
    seen = await flow.services.db.conn.execute_fetchall(
        "SELECT last_seen_at FROM addresses WHERE channel = 'zalo'"
    )
    assert seen[0][0] is not None


async def test_typed_seven_on_a_scale_question_is_refused_and_stores_nothing(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    await flow.press(LAN, "Bắt đầu khảo sát")
    for typed in ("7", "12", "6"):
        replies = await flow.send(LAN, typed)
        assert len(replies) == 1
        assert f"«{typed}» không phải là câu trả lời của câu 1" in replies[0]
        assert "từ 1 đến 5, hoặc 0" in replies[0] and "Chưa có gì được lưu" in replies[0]
    assert await flow.answers(LAN) == {}
    asks = await flow.services.db.conn.execute_fetchall("SELECT count(*) FROM faq_asks")
    assert asks[0][0] == 0
    replies = await flow.send(LAN, "3")
    assert replies[0].startswith("Đã lưu: 3 · Bình thường")
    assert await flow.answers(LAN) == {"duong": (3, None, False)}


async def test_yes_no_can_be_typed_and_the_comment_skipped(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    await flow.press(LAN, "Bắt đầu khảo sát")
    for _ in range(11):
        await flow.send(LAN, "4")
    replies = await flow.send(LAN, "khong")  # "Không" typed without diacritics
    assert replies[0].startswith("Đã lưu: Không")
    replies = await flow.press(LAN, "Bỏ qua")
    assert "Câu trả lời của bạn" in replies[-1]
    stored = await flow.answers(LAN)
    assert stored["tong_the"] == (0, None, False) and stored["gop_y"] == (None, None, True)


async def test_a_digit_before_starting_shows_the_first_question(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    replies = await flow.send(LAN, "5")
    assert replies[-1].startswith("Câu 1/13") and await flow.answers(LAN) == {}
    assert [c for _, c in await flow.responses(LAN)] == ["zalo"]


async def test_a_comment_can_be_rewritten_after_the_review(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    await flow.press(LAN, "Bắt đầu khảo sát")
    for _ in range(11):
        await flow.send(LAN, "2")
    await flow.send(LAN, "1")  # Có, typed
    await flow.send(LAN, "Đường trơn khi mưa")
    replies = await flow.send(LAN, "sua 13")
    assert replies[-1].startswith("Câu 13/13") and flow.last(LAN).labels() == ["Bỏ qua"]
    replies = await flow.send(LAN, "Đường trơn khi mưa, cần đổ bê tông")
    assert replies[-1].startswith("Đã sửa thành: Đường trơn khi mưa, cần đổ bê tông")
    stored = await flow.answers(LAN)
    assert stored["gop_y"] == (None, "Đường trơn khi mưa, cần đổ bê tông", False)
    assert stored["tong_the"] == (1, None, False)
    replies = await flow.send(LAN, "sửa 20")
    assert replies == ["Không có câu 20: đợt này có 13 câu. Gõ «sửa» và số câu, ví dụ: sửa 3."]
