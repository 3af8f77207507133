"""A resident answers the default survey with one tap per question, reviews and changes."""

from __future__ import annotations

from datetime import timedelta

from storage import responses as responses_db
from tests.conftest import COMMUNE, SURVEY

SCALE_4 = "4 · Hài lòng"


async def joined(harness, clock, user_id: int = 1):
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    await harness.services.residents.join(user_id, "Lan", COMMUNE)
    return harness.user(user_id)


async def answers_of(harness, user_id: int = 1) -> dict[str, tuple]:
    result = await harness.services.answering.current(user_id)
    rows = await responses_db.list_answers(harness.services.db.conn, result.step.response.id)
    return {a.question_id: (a.value_int, a.value_text, a.skipped) for a in rows}


async def answer_all(harness, lan, *, comment: str | None = "Cần thêm đèn đường") -> None:
    await harness.send(lan, "/survey")
    for _ in range(11):
        await harness.press(lan, SCALE_4)
    await harness.press(lan, "Có")
    if comment is None:
        await harness.press(lan, "Bỏ qua")
    else:
        await harness.send(lan, comment)


async def test_one_tap_stores_marks_and_asks_next(harness, clock) -> None:
    lan = await joined(harness, clock)
    replies = await harness.send(lan, "/survey")
    first = lan.last
    assert replies[-1].startswith("Câu 1/13")
    assert first.labels() == [
        "1 · Rất không hài lòng",
        "2 · Không hài lòng",
        "3 · Bình thường",
        "4 · Hài lòng",
        "5 · Rất hài lòng",
        "Không biết / không sử dụng",
    ]
    replies = await harness.press(lan, "5 · Rất hài lòng")
    assert replies[-1].startswith("Câu 2/13")
    assert "✅ 5 · Rất hài lòng" in first.text and first.labels() == []
    assert lan.callback_answers[-1].startswith("Đã lưu")
    assert (await answers_of(harness))["duong"] == (5, None, False)


async def test_whole_survey_then_review_and_change(harness, clock) -> None:
    lan = await joined(harness, clock)
    await answer_all(harness, lan)
    review = lan.last
    assert "Cảm ơn" in review.text and "Cần thêm đèn đường" in review.text
    assert "Sửa câu 3" in review.labels()
    stored = await answers_of(harness)
    assert len(stored) == 13 and stored["tong_the"] == (1, None, False)
    result = await harness.services.answering.current(1)
    assert result.step.response.completed_at is not None
    # change question 3 from 4 to 1
    replies = await harness.press(lan, "Sửa câu 3")
    assert replies[-1].startswith("Câu 3/13")
    replies = await harness.press(lan, "1 · Rất không hài lòng")
    assert lan.callback_answers[-1].startswith("Đã sửa")
    assert "Cảm ơn" in replies[-1]  # back to the review, nothing left to ask
    assert (await answers_of(harness))["thuy_loi"] == (1, None, False)


async def test_skip_comment_and_rewrite_it(harness, clock) -> None:
    lan = await joined(harness, clock)
    await answer_all(harness, lan, comment=None)
    assert (await answers_of(harness))["gop_y"] == (None, None, True)
    await harness.press(lan, "Sửa câu 13")
    replies = await harness.send(lan, "Đường liên thôn cần sửa")
    assert "Đã lưu ý kiến" in replies[0]
    assert (await answers_of(harness))["gop_y"] == (None, "Đường liên thôn cần sửa", False)


async def test_survey_resumes_at_next_unanswered(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    await harness.press(lan, SCALE_4)
    await harness.press(lan, "Không biết / không sử dụng")
    replies = await harness.send(lan, "/survey")
    assert replies[-1].startswith("Câu 3/13")
    assert (await answers_of(harness))["dien"] == (0, None, False)


async def test_round_offered_after_joining_by_link(harness, clock) -> None:
    await harness.services.rounds.open(COMMUNE, SURVEY)
    token = await harness.services.residents.join_token(COMMUNE)
    lan = harness.user(1)
    replies = await harness.send(lan, f"/start j{token}")
    assert "Xã đang lấy ý kiến" in replies[-1]
    replies = await harness.press(lan, "Bắt đầu khảo sát")
    assert replies[-1].startswith("Câu 1/13")


async def test_completed_resident_sees_their_answers(harness, clock) -> None:
    lan = await joined(harness, clock)
    await answer_all(harness, lan)
    replies = await harness.send(lan, "/survey")
    assert "Bạn đã trả lời đủ" in replies[0]
