"""A resident answers the default survey with one tap per question, reviews and changes."""

from __future__ import annotations

from datetime import timedelta

from storage import responses as responses_db
from tests.conftest import COMMUNE, SURVEY, tg_person

SCALE_4 = "4 · Hài lòng"


async def joined(harness, clock, user_id: int = 1):
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    await harness.services.residents.join(
        await tg_person(harness.services, user_id), "Lan", COMMUNE
    )
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


async def test_same_answer_after_edit_shows_the_review_again(harness, clock) -> None:
    lan = await joined(harness, clock)
    await answer_all(harness, lan)
    before = await answers_of(harness)
    await harness.press(lan, "Sửa câu 5")
    replies = await harness.press(lan, SCALE_4)  # the answer it already had
    assert lan.callback_answers[-1].startswith("Câu này đã được ghi nhận")
    assert "Cảm ơn" in replies[-1] and "Sửa câu 5" in lan.last.labels()
    assert await answers_of(harness) == before


async def test_same_comment_retyped_after_edit_shows_the_review(harness, clock) -> None:
    lan = await joined(harness, clock)
    await answer_all(harness, lan)
    await harness.press(lan, "Sửa câu 13")
    replies = await harness.send(lan, "Cần thêm đèn đường")
    assert "Cảm ơn" in replies[-1] and "Sửa câu 13" in lan.last.labels()
    assert (await answers_of(harness))["gop_y"] == (None, "Cần thêm đèn đường", False)
    rows = await harness.services.db.conn.execute_fetchall("SELECT count(*) FROM chat_states")
    assert rows[0][0] == 0  # the edit is over: the next text is a question, not a comment


async def test_question_typed_mid_survey_gets_the_faq_and_a_way_back(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    await harness.press(lan, SCALE_4)
    replies = await harness.send(lan, "quen pass vneid")
    assert replies[0].startswith("Quên mật khẩu VNeID") and "OTP" in replies[0]
    assert replies[-1].startswith("Bạn đang trả lời khảo sát, đến câu 2/13")
    assert "cần trả lời bằng nút bấm" not in " ".join(replies)
    assert lan.last.labels() == ["Tiếp tục khảo sát"]
    conn = harness.services.db.conn
    asks = await conn.execute_fetchall("SELECT text, entry_id FROM faq_asks")
    assert [tuple(r) for r in asks] == [("quen pass vneid", "vneid-quen-mat-khau")]
    assert list(await answers_of(harness)) == ["duong"]  # the survey stays where it was

    replies = await harness.press(lan, "Tiếp tục khảo sát")
    assert replies[-1].startswith("Câu 2/13")
    replies = await harness.press(lan, SCALE_4)
    assert replies[-1].startswith("Câu 3/13")
    assert len(await answers_of(harness)) == 2


async def test_typed_answers_on_button_questions_still_get_the_button_hint(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    for typed in ("4", " 12 ", "4 · hài lòng"):
        replies = await harness.send(lan, typed)
        assert replies == [
            "Câu 1 cần trả lời bằng nút bấm. Hãy bấm một nút ngay dưới câu hỏi "
            "(hoặc gõ /survey để hiện lại câu hỏi)."
        ]
    for _ in range(11):
        await harness.press(lan, SCALE_4)
    replies = await harness.send(lan, "có")  # question 12 is yes/no
    assert replies[0].startswith("Câu 12 cần trả lời bằng nút bấm")
    rows = await harness.services.db.conn.execute_fetchall("SELECT count(*) FROM faq_asks")
    assert rows[0][0] == 0 and len(await answers_of(harness)) == 11
