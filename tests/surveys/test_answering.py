"""The survey loop in the domain: every tap is checked against stored state and identity."""

from __future__ import annotations

from datetime import timedelta

from surveys.answering import AnswerOutcome
from surveys.people import Address, Channel
from surveys.services import Services
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY, FakeClock, snapshot, tg_person

LAN, BINH = 1001, 1002


async def _joined_with_round(services: Services, clock: FakeClock) -> int:
    await services.residents.join(await tg_person(services, LAN), "Lan", COMMUNE)
    await services.residents.join(await tg_person(services, BINH), "Bình", COMMUNE)
    round_ = await services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    return round_.id


async def test_answers_walk_the_survey_and_complete_it(services: Services, clock) -> None:
    await _joined_with_round(services, clock)
    step = (await services.answering.current(LAN)).step
    assert step is not None and step.index == 0
    for i, question in enumerate(step.survey.questions):
        if question.kind == "text":
            result = await services.answering.comment(LAN, "Cần thêm đèn đường")
        elif question.kind == "yesno":
            result = await services.answering.answer(LAN, step.response.id, i, "1")
        else:
            result = await services.answering.answer(LAN, step.response.id, i, "4")
        assert result is not None and result.outcome is AnswerOutcome.STORED, (i, result)
    assert result.step is not None and result.step.done
    info = (await services.rounds.list_for_commune(COMMUNE))[0]
    assert (info.started, info.completed) == (1, 1)


async def test_restart_continues_at_next_unanswered(services: Services, clock) -> None:
    await _joined_with_round(services, clock)
    step = (await services.answering.current(LAN)).step
    await services.answering.answer(LAN, step.response.id, 0, "5")
    await services.answering.answer(LAN, step.response.id, 1, "2")
    fresh = Services(services.db, clock=clock)  # nothing carried over in memory
    again = (await fresh.answering.current(LAN)).step
    assert again.index == 2
    first, second = (q.id for q in again.survey.questions[:2])
    assert (again.answers[first].value_int, again.answers[second].value_int) == (5, 2)


async def test_later_answer_replaces_earlier(services: Services, clock) -> None:
    await _joined_with_round(services, clock)
    step = (await services.answering.current(LAN)).step
    await services.answering.answer(LAN, step.response.id, 0, "2")
    changed = await services.answering.answer(LAN, step.response.id, 0, "5")
    assert changed.outcome is AnswerOutcome.CHANGED
    first = step.survey.questions[0].id
    assert changed.step.answers[first].value_int == 5


async def test_refusals_change_nothing(services: Services, clock) -> None:
    await _joined_with_round(services, clock)
    lan = (await services.answering.current(LAN)).step
    binh = (await services.answering.current(BINH)).step
    await services.answering.answer(LAN, lan.response.id, 0, "4")
    before = await snapshot(services.db)
    cases = [
        (BINH, lan.response.id, 1, "4", AnswerOutcome.NOT_YOURS),  # someone else's response
        (LAN, 999_999, 0, "4", AnswerOutcome.UNKNOWN),  # no such response
        (LAN, lan.response.id, 40, "4", AnswerOutcome.UNKNOWN),  # question out of range
        (LAN, lan.response.id, 1, "9", AnswerOutcome.UNKNOWN),  # value out of range
        (LAN, lan.response.id, 5, "4", AnswerOutcome.NOT_YET),  # skipping ahead
        (LAN, lan.response.id, 0, "4", AnswerOutcome.UNCHANGED),  # replayed tap
        (7777, binh.response.id, 0, "4", AnswerOutcome.NOT_YOURS),  # a stranger
    ]
    for user, response_id, index, raw, expected in cases:
        result = await services.answering.answer(user, response_id, index, raw)
        assert result.outcome is expected, (user, response_id, index, raw)
    assert await snapshot(services.db) == before


async def test_closed_round_accepts_nothing(services: Services, clock) -> None:
    round_id = await _joined_with_round(services, clock)
    step = (await services.answering.current(LAN)).step
    await services.rounds.close(round_id)
    before = await snapshot(services.db)
    result = await services.answering.answer(LAN, step.response.id, 0, "4")
    assert result.outcome is AnswerOutcome.CLOSED
    assert await snapshot(services.db) == before


async def test_round_past_its_close_time_accepts_nothing(services: Services, clock) -> None:
    await _joined_with_round(services, clock)
    step = (await services.answering.current(LAN)).step
    clock.advance(days=8)
    result = await services.answering.answer(LAN, step.response.id, 0, "4")
    assert result.outcome is AnswerOutcome.CLOSED


async def test_moved_resident_cannot_answer_old_commune_round(services: Services, clock) -> None:
    await _joined_with_round(services, clock)
    step = (await services.answering.current(LAN)).step
    await services.residents.join(await tg_person(services, LAN), "Lan", OTHER_COMMUNE)
    result = await services.answering.answer(LAN, step.response.id, 0, "4")
    assert result.outcome is AnswerOutcome.NOT_YOURS


async def test_comment_limits(services: Services, clock) -> None:
    await _joined_with_round(services, clock)
    step = (await services.answering.current(LAN)).step
    text_index = next(i for i, q in enumerate(step.survey.questions) if q.kind == "text")
    for i in range(text_index):
        q = step.survey.questions[i]
        await services.answering.answer(LAN, step.response.id, i, "1" if q.kind == "yesno" else "3")
    before = await snapshot(services.db)
    too_long = await services.answering.comment(LAN, "x" * 1001)
    assert too_long.outcome is AnswerOutcome.TOO_LONG
    empty = await services.answering.comment(LAN, "   ")
    assert empty.outcome is AnswerOutcome.EMPTY
    assert await snapshot(services.db) == before
    ok = await services.answering.comment(LAN, "x" * 1000)
    assert ok.outcome is AnswerOutcome.STORED


async def test_text_while_button_question_waits(services: Services, clock) -> None:
    await _joined_with_round(services, clock)
    await services.answering.current(LAN)
    before = await snapshot(services.db)
    result = await services.answering.comment(LAN, "5")
    assert result.outcome is AnswerOutcome.BUTTON_EXPECTED
    assert await snapshot(services.db) == before


async def test_a_tap_by_address_is_checked_against_whoever_holds_it(services: Services, clock):
    """A channel may name the presser by address (one read resolves it with the response):
    the same checks as by person id, for the person the address belongs to now."""
    await _joined_with_round(services, clock)
    lan = (await services.answering.current(LAN)).step
    at = {user: Address(Channel.TELEGRAM, str(user)) for user in (LAN, BINH, 7777)}
    before = await snapshot(services.db)
    for user in (BINH, 7777):  # someone else's address; an address nobody holds
        result = await services.answering.answer(at[user], lan.response.id, 0, "4")
        assert result.outcome is AnswerOutcome.NOT_YOURS
    assert (await services.answering.answer(at[LAN], 999_999, 0, "4")).outcome is (
        AnswerOutcome.UNKNOWN
    )
    assert await snapshot(services.db) == before
    result = await services.answering.skip(at[LAN], lan.response.id, 0)  # not optional
    assert result.outcome is AnswerOutcome.UNKNOWN
    result = await services.answering.answer(at[LAN], lan.response.id, 0, "4")
    assert result.outcome is AnswerOutcome.STORED and result.step is not None
    assert result.step.index == 1
