"""The answer POST is the e-sheet's hot path: what one tap costs the database thread."""

from __future__ import annotations

from storage import responses as responses_db
from surveys.answering import AnswerOutcome
from tests.conftest import COMMUNE
from tests.trips import trips_of
from tests.web.conftest import WebSheet


async def test_a_tap_and_its_next_page_take_two_trips_to_the_database(web: WebSheet) -> None:
    browser = await web.opened()
    conn = web.services.db.conn
    with trips_of(conn) as trips:
        status, page = await browser.post("/s/q/0", value="4")  # then GET /s/q/1, as a browser
    assert status == 200 and "Câu 2/" in page  # read from the stored answers
    # the tap (its read, checks and write in the group commit), the page of the next question
    assert trips == ["_commit_group", "_each"]


async def test_a_taps_answers_are_what_the_database_holds(web: WebSheet) -> None:
    """The tap builds its next step from the answers it read in its own transaction plus the
    one it stored (no second read): they must equal a fresh read, to the microsecond, with the
    clock moving between taps and an answer changed on the way."""
    services, token = web.services, "t" * 43
    assert (await services.web.enter(token, COMMUNE, web.households[0].code)).outcome == "ok"
    await services.web.start(token)
    for index, value in ((0, "4"), (1, "5"), (0, "2")):
        web.clock.advance(seconds=61)
        result = await services.web.answer(token, index, value)
        assert result.ok and result.step is not None
        stored = await responses_db.list_answers(services.db.conn, result.step.response.id)
        assert result.step.answers == {a.question_id: a for a in stored}
    assert result.outcome is AnswerOutcome.CHANGED
    assert {a.value_int for a in stored} == {2, 5}
