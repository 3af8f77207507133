"""A typed message reads the chat's pending step (its chat_states row) once, whoever owns it:
the router reads it and hands it to the step that owns the state (issue 11). The owner of the
pending step comes first: before, an unfinished survey's comment question took the text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from surveys.access import Role
from tests.conftest import COMMUNE
from tests.handlers.test_survey import SCALE_4, joined


@asynccontextmanager
async def chat_state_reads(harness) -> AsyncIterator[list[str]]:
    """The SELECTs on chat_states the connection runs meanwhile (SQLite's own trace)."""
    reads: list[str] = []

    def trace(sql: str) -> None:
        if "FROM chat_states" in sql and sql.lstrip().upper().startswith("SELECT"):
            reads.append(sql)

    await harness.services.db.conn.set_trace_callback(trace)
    try:
        yield reads
    finally:
        await harness.services.db.conn.set_trace_callback(None)


async def test_a_typed_question_reads_the_pending_step_once(harness, clock) -> None:
    lan = await joined(harness, clock)
    async with chat_state_reads(harness) as reads:
        replies = await harness.send(lan, "làm sao để đăng ký thường trú")
    assert replies  # the FAQ answered (or said it has no answer)
    assert len(reads) == 1


async def test_a_typed_comment_reads_the_pending_step_once(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    for _ in range(11):
        await harness.press(lan, SCALE_4)
    await harness.press(lan, "Có")
    async with chat_state_reads(harness) as reads:
        replies = await harness.send(lan, "Cần thêm đèn đường")
    assert "Đã lưu ý kiến" in replies[0]
    assert len(reads) == 1


async def test_a_rewritten_comment_reads_the_pending_step_once(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    for _ in range(11):
        await harness.press(lan, SCALE_4)
    await harness.press(lan, "Có")
    await harness.press(lan, "Bỏ qua")
    await harness.press(lan, "Sửa câu 13")  # a pending step: edit_comment
    async with chat_state_reads(harness) as reads:
        replies = await harness.send(lan, "Đường liên thôn cần sửa")
    assert "Đã lưu ý kiến" in replies[0]
    assert len(reads) == 1


async def test_the_pending_step_takes_the_text_before_an_unfinished_survey(harness, clock) -> None:
    """A staff member who is also a resident, stopped at the survey's comment question, asks
    to add a village: the name typed next is the village's, not a comment."""
    hoa = await joined(harness, clock, user_id=30)
    await harness.services.access.grant(30, Role.STAFF, commune=COMMUNE)
    await harness.send(hoa, "/survey")
    for _ in range(11):
        await harness.press(hoa, SCALE_4)
    await harness.press(hoa, "Có")  # the comment question is next
    await harness.send(hoa, "/villages")
    await harness.press(hoa, "Thêm thôn")
    assert await harness.send(hoa, "Bản Nà Ún") == [
        "Đã thêm thôn «Bản Nà Ún». Gõ /villages để xem danh sách."
    ]
    assert [v.name for v in await harness.services.residents.villages(COMMUNE)] == ["Bản Nà Ún"]
    replies = await harness.send(hoa, "Cần thêm đèn đường")  # nothing pending: the comment
    assert "Đã lưu ý kiến" in replies[0]
