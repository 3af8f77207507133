"""Faults between the bot and the people it answers (issue 18), injected through the sandbox:
429s on half the replies, a reply retry holding broadcasts back, an update PTB cannot read,
Telegram unreachable for the poller, and blocking/unblocking the bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from handlers.telegram import broadcast_jobs
from storage import deliveries as ddb
from storage import responses as responses_db
from surveys import skipped_updates
from surveys.broadcasts import LaunchRefused
from tests.conftest import COMMUNE, SURVEY, FakeClock, resident_of, tg_person
from tests.handlers.conftest import Harness, running_harness
from tests.handlers.test_broadcast import join, launch
from tests.handlers.test_survey import SCALE_4

ERROR = "Xin lỗi, đã có lỗi"


@pytest.fixture
async def slept(clock: FakeClock) -> list[float]:
    return []


@pytest.fixture
async def patient(services, clock: FakeClock, slept: list[float]) -> AsyncIterator[Harness]:
    """The harness with retries and polling waiting on the injected clock."""

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    async with running_harness(services, clock, sleep=sleep) as running:
        yield running


async def test_half_the_replies_429_every_press_still_gets_its_next_question(
    patient, clock, slept
) -> None:
    await patient.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    await patient.services.residents.join(await tg_person(patient.services, 7), "Lan", COMMUNE)
    lan = patient.user(7)
    patient.sandbox.set_failure_rate("*", 0.5, "429", seed=3, retry_after=2)
    replies = await patient.send(lan, "/survey")
    assert replies[-1].startswith("Câu 1/13")
    for number in range(2, 13):
        replies = await patient.press(lan, SCALE_4)
        assert replies and replies[-1].startswith(f"Câu {number}/13"), replies
    replies = await patient.press(lan, "Có")
    assert replies[-1].startswith("Câu 13/13")
    await patient.press(lan, "Bỏ qua")

    assert patient.sandbox.stats.rate_limited > 10
    assert 2.0 in slept  # retry_after honoured, on the injected clock
    assert not any(ERROR in m.text for m in lan.messages)
    result = await patient.services.answering.current(7)
    stored = await responses_db.list_answers(patient.services.db.conn, result.step.response.id)
    assert len(stored) == 13 and result.step.response.completed_at is not None


REPLY_METHODS = ("sendMessage", "editMessageText", "answerCallbackQuery")


async def test_ten_429s_in_a_row_within_the_budget_still_bring_the_next_question(
    patient, clock, slept
) -> None:
    """Seed 1 draws 13 refusals in a row around question 12: with the 429s counted as
    attempts (10 calls) that next question was dropped after 9 s of a 60 s budget."""
    await patient.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    await patient.services.residents.join(await tg_person(patient.services, 7), "Lan", COMMUNE)
    lan = patient.user(7)
    sandbox = patient.sandbox
    for method in REPLY_METHODS:
        sandbox.set_failure_rate(method, 0.5, "429", seed=1, retry_after=1)
    assert (await patient.send(lan, "/survey"))[-1].startswith("Câu 1/13")
    for number in range(2, 15):
        label = SCALE_4 if number <= 12 else "Có" if number == 13 else "Bỏ qua"
        replies = await patient.press(lan, label)
        want = f"Câu {number}/13" if number <= 13 else "Cảm ơn bạn đã trả lời!"
        assert [r[: len(want)] for r in replies] == [want], (number, replies)

    refused = [r for r in sandbox.call_log if r.status == 429]
    assert max(_longest_run(sandbox, method) for method in REPLY_METHODS) >= 10
    assert len(refused) > 30 and set(slept) == {1.0}
    questions = [m for m in lan.messages if m.text.startswith("Câu ")]
    assert len(questions) == 13  # each asked once, each marked with its answer, none left open
    assert all("✅" in m.text and not m.buttons for m in questions)
    assert len(lan.callback_answers) == 13 and all(a for a in lan.callback_answers)
    assert not any(ERROR in m.text for m in lan.messages)
    result = await patient.services.answering.current(7)
    stored = await responses_db.list_answers(patient.services.db.conn, result.step.response.id)
    assert len(stored) == 13 and result.step.response.completed_at is not None


def _longest_run(sandbox, method: str) -> int:
    """The most 429s one call of `method` got in a row (calls of one text, in order)."""
    longest, run, previous = 0, 0, None
    for record in sandbox.call_log:
        if record.method != method:
            continue
        key = (record.params.get("text"), record.params.get("callback_query_id"))
        run = run + 1 if key == previous and record.status == 429 else int(record.status == 429)
        previous = key
        longest = max(longest, run)
    return longest


def _refuse_past_the_budget(sandbox) -> None:
    """30 s, 30 s, then 30 s more would pass the 60 s budget: the pop-up and the next question
    give up (the edit of the question waits for the next question, so it is never sent)."""
    for method in ("sendMessage", "answerCallbackQuery"):
        sandbox.fail_next(method, 3, kind="429", retry_after=30)


async def test_refused_beyond_the_budget_the_answer_stays_and_the_resident_goes_on(
    patient, clock, slept
) -> None:
    await patient.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    await patient.services.residents.join(await tg_person(patient.services, 7), "Lan", COMMUNE)
    lan = patient.user(7)
    sandbox = patient.sandbox
    await patient.send(lan, "/survey")
    first = lan.last
    started = clock.now
    _refuse_past_the_budget(sandbox)
    assert await patient.press(lan, SCALE_4) == []

    assert slept == [30.0, 30.0, 30.0, 30.0]  # pop-up and next question: 30 s twice each
    assert clock.now - started >= timedelta(seconds=60)
    assert len(sandbox.calls_to("sendMessage")) == 1 + 3  # gave up: no fourth call
    assert first.buttons and not sandbox.calls_to("editMessageText")  # it can be pressed again
    assert not any(ERROR in m.text for m in lan.messages)
    result = await patient.services.answering.current(7)
    response_id = result.step.response.id
    stored = await responses_db.list_answers(patient.services.db.conn, response_id)
    assert [a.value_int for a in stored] == [4] and result.step.index == 1

    clock.advance(minutes=5)  # Telegram is back; the same button again asks the next question
    assert [r[:8] for r in await patient.press(lan, SCALE_4, first)] == ["Câu 2/13"]
    assert "✅" in first.text and not first.buttons
    assert lan.callback_answers[-1].startswith("Câu này đã được ghi nhận")
    second = lan.last

    _refuse_past_the_budget(sandbox)
    assert await patient.press(lan, SCALE_4, second) == []
    clock.advance(minutes=5)  # ... and so does /survey
    assert [r[:8] for r in await patient.send(lan, "/survey")] == ["Câu 3/13"]
    assert [r[:8] for r in await patient.press(lan, SCALE_4)] == ["Câu 4/13"]
    assert (await patient.press(lan, SCALE_4, second)) == []  # owed no more: a replay is quiet
    stored = await responses_db.list_answers(patient.services.db.conn, response_id)
    assert [a.value_int for a in stored] == [4, 4, 4]
    assert not any(ERROR in m.text for m in lan.messages)


async def test_a_double_tap_asks_the_next_question_once(patient, clock) -> None:
    await patient.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    await patient.services.residents.join(await tg_person(patient.services, 7), "Lan", COMMUNE)
    lan = patient.user(7)
    await patient.send(lan, "/survey")
    first = lan.last
    lan.press(first, SCALE_4)
    lan.press(first, SCALE_4)  # both taps reach the bot before its edit does
    await patient.pump()
    assert [m.text[:8] for m in lan.messages] == ["Câu 1/13", "Câu 2/13"]
    assert [a.split(":")[0] for a in lan.callback_answers] == ["Đã lưu", "Câu này đã được ghi nhận"]
    result = await patient.services.answering.current(7)
    stored = await responses_db.list_answers(patient.services.db.conn, result.step.response.id)
    assert [a.value_int for a in stored] == [4]


async def test_a_reply_waiting_for_its_retry_holds_the_broadcast_back(patient, clock) -> None:
    await join(patient, 3)
    launched = await launch(patient.services)
    priority = patient.app.bot_data[broadcast_jobs.PRIORITY_KEY]
    broadcast_jobs.install(patient.app, sleep=lambda s: asyncio.sleep(0))
    sent_before = len(patient.sandbox.calls_to("sendMessage"))
    with priority.retrying():
        drain = asyncio.create_task(broadcast_jobs.run(patient.app, launched.broadcast.id))
        for _ in range(50):
            await asyncio.sleep(0)
        assert len(patient.sandbox.calls_to("sendMessage")) == sent_before
        assert not drain.done()
    await drain
    assert len(patient.sandbox.calls_to("sendMessage")) == sent_before + 3
    counts = await ddb.state_counts(patient.services.db.conn, launched.broadcast.id)
    assert counts == {"sent": 3}


async def _polling(harness: Harness) -> None:
    await harness.app.start()
    await harness.app.updater.start_polling(poll_interval=0.0, timeout=timedelta(seconds=1))


async def _stop(harness: Harness) -> None:
    await harness.app.updater.stop()
    await harness.app.stop()


async def test_an_unreadable_update_is_skipped_recorded_and_the_next_answered(patient) -> None:
    sandbox = patient.sandbox
    lan = patient.user(8)
    bad = sandbox.enqueue_update("poll", {"id": "77", "question": "?"})  # an older server's poll
    lan.send("/help")
    await _polling(patient)
    try:
        await sandbox.wait_for(lambda: lan.messages, what="the reply to /help behind it")
    finally:
        await _stop(patient)
    assert len(sandbox.calls_to("getUpdates")) < 10  # not a tight loop
    recorded = await skipped_updates.recorded(patient.services.env)
    assert [uid for uid, _ in recorded] == [bad["update_id"]]
    assert recorded[0][1].startswith("TypeError")


async def test_polling_resumes_within_two_seconds_of_an_outage(patient, slept) -> None:
    sandbox = patient.sandbox
    lan = patient.user(9)
    sandbox.fail_next("getUpdates", 12, kind="network")
    lan.send("/help")
    await _polling(patient)
    try:
        await sandbox.wait_for(lambda: lan.messages, what="the reply once Telegram is back")
    finally:
        await _stop(patient)
    assert sandbox.stats.errors["network"] == 12
    assert slept and max(slept) <= 2.0


async def test_blocking_the_bot_stops_broadcasts_at_once_and_unblocking_resumes(
    harness, clock
) -> None:
    (lan,) = await join(harness, 1)
    lan.block_bot()
    await harness.pump()
    assert (await resident_of(harness.services, lan.id)).stopped_at == clock.now
    with pytest.raises(LaunchRefused):  # nobody left to invite: the one resident blocked it
        await launch(harness.services, key="after-block")
    lan.unblock_bot()
    await harness.pump()
    assert (await resident_of(harness.services, lan.id)).stopped_at is None
