"""A resident's tap on an answer button is the Telegram hot path: the presser is resolved by
the same read as the response it acts on, so the check still sees whoever holds the address
now, after an erasure or a merge."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.telegram import keyboards
from storage import people as people_db
from surveys.people import Channel
from tests.conftest import snapshot
from tests.handlers.test_survey import SCALE_4, answers_of, joined
from tests.trips import trips_of

NOT_YOURS = "Câu hỏi này không thuộc lượt trả lời của bạn nên không được ghi nhận."


async def _question_two(harness, clock):
    """Lan has answered question 1; returns her and the data of a 4 on question 2."""
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    await harness.press(lan, SCALE_4)
    rid = (await harness.services.answering.current(1)).step.response.id
    return lan, f"a:{rid}:1:4"


async def test_an_answer_tap_takes_one_trip_to_the_database(harness, clock) -> None:
    lan, _ = await _question_two(harness, clock)
    conn = harness.services.db.conn
    with trips_of(conn) as trips:
        replies = await harness.press(lan, SCALE_4)
    assert replies[-1].startswith("Câu 3/13")
    assert (await answers_of(harness))["dien"] == (4, None, False)
    # the group commit: the person with the response, its round and answers read, checked and
    # the answer stored in its transaction
    assert trips == ["_commit_group"]


async def test_a_tap_after_deletedata_is_refused_and_stores_nothing(harness, clock) -> None:
    lan, data = await _question_two(harness, clock)
    question = lan.last
    await harness.send(lan, "/deletedata")
    await harness.press(lan, "Xóa danh tính của tôi")
    before = await snapshot(harness.services.db)
    popup = await harness.press_raw(lan, data, question.message_id)
    assert popup.startswith(NOT_YOURS)
    assert await snapshot(harness.services.db) == before


async def test_a_tap_through_a_moved_address_is_checked_for_its_new_person(harness, clock) -> None:
    lan, data = await _question_two(harness, clock)
    question = lan.last
    async with harness.services.db.transaction() as conn:  # Lan's Telegram id, merged away
        other = await people_db.person_for(
            conn, Channel.ZALO, "oa:other", create=True, now=clock.now
        )
        assert other is not None
        await people_db.add_address(conn, other, Channel.TELEGRAM, str(lan.id))
    before = await snapshot(harness.services.db)
    popup = await harness.press_raw(lan, data, question.message_id)
    assert popup.startswith(NOT_YOURS)
    assert await snapshot(harness.services.db) == before
    async with harness.services.db.transaction() as conn:  # and back: her tap counts again
        await people_db.add_address(conn, 1, Channel.TELEGRAM, str(lan.id))
    await harness.press_raw(lan, data, question.message_id)
    assert (await answers_of(harness))["dien"] == (4, None, False)


async def test_a_question_keyboard_is_the_markup_ptb_buttons_would_send(harness, clock) -> None:
    """Plain-JSON keyboards (keyboards.Keyboard) carry exactly what InlineKeyboardButton's
    text and callback_data would, in the same rows."""
    await joined(harness, clock)
    step = (await harness.services.answering.current(1)).step
    assert step is not None
    for markup in (
        *(keyboards.question(step, i) for i in range(len(step.survey.questions))),
        keyboards.review(step),
    ):
        ptb = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
             for row in markup.rows]
        )  # fmt: skip
        assert json.loads(markup.json()) == ptb.to_dict()
        assert keyboards.labels_of(markup) == keyboards.labels_of(ptb)


async def test_starting_the_survey_reads_and_writes_in_one_trip(harness, clock) -> None:
    """`current` (a resident's first tap of a round: the response started, their voice claimed,
    the step read) is one trip, in the group commit."""
    await joined(harness, clock)
    conn = harness.services.db.conn
    with trips_of(conn) as trips:
        started = await harness.services.answering.current(1)
    assert started.step is not None and started.step.index == 0
    assert trips == ["_commit_group"]
    again = await harness.services.answering.current(1)  # the same response, not a second one
    assert again.step is not None and again.step.response == started.step.response
