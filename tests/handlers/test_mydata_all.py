"""/mydata shows everything stored about the person (issue 17): typed FAQ questions, questions
sent to the commune with the staff's answers, and the broadcasts they received."""

from __future__ import annotations

from handlers.telegram import broadcast_jobs
from tests.handlers.test_broadcast import fake_sleep, join, launch
from tests.handlers.test_questions import faq_content, staff  # noqa: F401

ASKED = "xin giấy phép xây chuồng bò ở đâu"
TYPED = "thủ tục đăng ký tạm trú online"
ANSWER = "Bạn nộp hồ sơ xin phép xây dựng tại bộ phận một cửa của xã."


async def test_mydata_lists_questions_answers_and_broadcasts(harness, clock) -> None:
    (lan,) = await join(harness, 1)
    await harness.send(lan, TYPED)  # answered (or not) by the FAQ: stored as an ask
    clock.advance(seconds=60)
    await harness.send(lan, ASKED)
    await harness.press(lan, "Gửi câu hỏi cho xã")
    officer = await staff(harness)
    await harness.send(officer, "/questions")
    await harness.press(officer, "Trả lời")
    await harness.send(officer, ANSWER)
    launched = await launch(harness.services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    clock.advance(seconds=60)
    text = "\n".join(await harness.send(lan, "/mydata"))
    assert "Câu bạn đã hỏi phần câu hỏi thường gặp" in text
    assert TYPED in text and ASKED in text
    assert "Câu hỏi bạn đã gửi cho cán bộ xã" in text
    assert "Cán bộ trả lời (" in text and ANSWER in text
    assert "Tin nhắn ykien đã gửi cho bạn" in text
    assert "• Đợt 1 năm 2026, lời mời khảo sát: đã gửi" in text
    stored = await harness.services.db.conn.execute_fetchall(
        "SELECT count(*) FROM faq_asks WHERE resident_id = "
        "(SELECT resident_id FROM addresses WHERE channel = 'telegram' AND address = ?)",
        (str(lan.id),),
    )
    assert stored[0][0] == 2  # both typed questions are stored, so both are shown
