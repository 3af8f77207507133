"""One resident must not bury the commune's /questions inbox (issue 17): a daily allowance of
questions, the number waiting shown to staff, and a spam mark that hides a sender's questions
until the operator lifts it."""

from __future__ import annotations

import pytest

from bot.cli import main
from surveys.access import Actor
from tests.conftest import COMMUNE, table_counts
from tests.handlers.test_questions import QUESTION, asked, faq_content, staff  # noqa: F401

SPAMMER, HONEST = 987_654, 987_655


async def send(harness, person, text: str) -> list[str]:
    await harness.send(person, text)
    return await harness.press(person, "Gửi câu hỏi cho xã")


async def open_texts(harness) -> list[str]:
    found = await harness.services.db.conn.execute_fetchall(
        "SELECT text FROM faq_questions ORDER BY id"
    )
    return [r[0] for r in found]


async def test_questions_per_day_are_limited_and_the_day_moves_on(harness, clock) -> None:
    spammer = await asked(harness, SPAMMER, f"{QUESTION} 0")
    for i in range(1, 5):
        clock.advance(seconds=30)  # under the flood limit
        assert (await send(harness, spammer, f"{QUESTION} {i}"))[-1].startswith("Đã gửi")
    clock.advance(seconds=30)
    counts = await table_counts(harness.services.db)
    (refused,) = await send(harness, spammer, f"{QUESTION} 5")
    assert refused == (
        "Hôm nay bạn đã gửi 5 câu hỏi cho cán bộ xã, là số câu tối đa mỗi ngày. Cán bộ sẽ trả "
        "lời các câu đã gửi; ngày mai bạn có thể gửi thêm. Câu hỏi này chưa được gửi."
    )
    assert len(await open_texts(harness)) == 5
    after = await table_counts(harness.services.db)
    assert after["faq_questions"] == counts["faq_questions"]
    assert after["audit_log"] == counts["audit_log"]
    clock.advance(days=1)
    assert (await send(harness, spammer, f"{QUESTION} 6"))[-1].startswith("Đã gửi")
    assert len(await open_texts(harness)) == 6


async def test_staff_see_how_many_wait_and_mark_a_spammer(harness, clock) -> None:
    harness.services.env.settings = __import__("dataclasses").replace(
        harness.services.settings, questions_per_day=30
    )
    spammer = await asked(harness, SPAMMER, f"{QUESTION} 0")
    for i in range(1, 12):
        clock.advance(seconds=30)
        await send(harness, spammer, f"{QUESTION} {i}")
    clock.advance(seconds=30)
    await asked(harness, HONEST, "cấp lại giấy khai sinh bị mất")
    officer = await staff(harness)
    replies = await harness.send(officer, "/questions")
    assert replies[0].startswith("Câu hỏi đang chờ trả lời (10, cũ nhất trước; tất cả 13 câu")
    assert "cấp lại giấy khai sinh" not in "\n".join(replies)  # buried under the spam
    (marked,) = await harness.press(officer, "Đánh dấu người gửi là spam")
    assert "Còn 1 câu hỏi đang chờ trả lời" in marked
    replies = await harness.send(officer, "/questions")
    assert replies[0].startswith("Câu hỏi đang chờ trả lời (1, cũ nhất trước)")
    assert "cấp lại giấy khai sinh bị mất" in replies[1]
    assert len(await open_texts(harness)) == 13  # hidden, not deleted (the sender's /mydata)
    entry = (await harness.services.access.audit_log())[-1]
    assert entry.action == "questions.answer" and entry.detail.startswith("spam question")
    # Pressing the mark again changes nothing.
    again = await harness.services.questions.mark_spam(Actor(50), 1)
    assert again.outcome.value == "already"
    marks = await harness.services.questions.spam_marks()
    assert [(m[1], m[3]) for m in marks] == [(COMMUNE, 12)]
    # The operator lifts the mark: the questions are shown again.
    assert await harness.services.questions.unmark_spam(Actor.operator(), marks[0][0])
    replies = await harness.send(officer, "/questions")
    assert "tất cả 13 câu" in replies[0]
    assert not await harness.services.questions.unmark_spam(Actor.operator(), marks[0][0])


async def test_only_staff_of_the_commune_mark_a_sender(harness) -> None:
    await asked(harness, SPAMMER)
    outsider = harness.user(HONEST)
    await harness.send(outsider, "/help")
    counts = await table_counts(harness.services.db)
    popup = await harness.press_raw(outsider, "q:s:1")
    assert popup.startswith("Bạn không có quyền")
    assert await table_counts(harness.services.db) == counts | {
        "resident_actions": await _resident_rows(harness)
    }


async def _resident_rows(harness) -> int:
    return (await table_counts(harness.services.db))["resident_actions"]


@pytest.mark.parametrize("argv", [["spam", "list"], ["spam", "unmark", "7"]])
def test_spam_cli_on_an_empty_database(db_path, capsys, argv) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    if argv[1] == "list":
        assert code == 0 and "Không có người gửi nào bị đánh dấu là spam." in out
    else:
        assert code == 2 and "không có dấu spam số 7" in err
