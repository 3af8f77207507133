"""After staff decide a household's two sheets against its web sheet (`/conflicts`, `ykien sheets
conflicts --keep`), the household's web pages say that the commune counted its other sheet,
show none of that sheet's answers, and accept no change: every page and every POST answers the
same, and nothing in the database moves. Decided the other way, the web sheet stays as it was."""

from __future__ import annotations

import asyncio
from typing import Literal

from handlers.views.texts import render
from storage.households import Household
from surveys.access import Actor
from surveys.answering import AnswerOutcome
from surveys.sheet_conflicts import Decided, Keep
from surveys.web_sheet import Sheet, SheetState
from tests.conftest import COMMUNE, snapshot, table_counts
from tests.web.conftest import Browser, WebSheet

SET_ASIDE = "Xã đã tính phiếu giấy của hộ"


async def answered_on_the_web(web: WebSheet, household: Household) -> Browser:
    """The household answers every question on the web ("4", yes, the first choice) and sends."""
    browser = await web.answered(household, "Đường làng sạch hơn năm ngoái")
    status, text = await browser.post("/s/submit")
    assert status == 200 and "Cảm ơn hộ gia đình!" in text
    return browser


async def on_paper_too(web: WebSheet, household: Household) -> int:
    """The village front committee's paper sheet of the same household, entered afterwards:
    every scale "1" (Rất không hài lòng), the last choice. Returns the round."""
    survey = await web.services.answering.survey("ntm-2026")
    assert survey is not None
    round_id = (await web.services.rounds.list_for_commune(COMMUNE))[0].round.id
    row = {"round": str(round_id), "household": household.code}
    for q in survey.questions:
        if q.kind != "text":
            row[q.id] = {"scale": "1", "yesno": "0"}.get(q.kind) or q.choices[-1].code
    await web.services.sheets.enter(row)
    return round_id


async def stored(web: WebSheet) -> tuple[object, ...]:
    """Every answer, response, submit and row count but the browsers' sessions."""
    db = web.services.db
    submits = await db.conn.execute_fetchall("SELECT * FROM web_submits ORDER BY 1")
    counts = await table_counts(db)
    counts.pop("web_sessions")
    return await snapshot(db), counts, [tuple(r) for r in submits]


async def test_a_set_aside_web_sheet_says_the_paper_sheet_counts_and_takes_nothing(
    web: WebSheet,
) -> None:
    household = web.households[0]
    browser = await answered_on_the_web(web, household)
    round_id = await on_paper_too(web, household)
    decision = await web.services.conflicts.decide(
        Actor.operator(), round_id, household.code, Keep.PAPER
    )
    assert (decision.outcome, decision.decided) == (Decided.DONE, 1)

    before = await stored(web)
    status, page = await browser.get("/s")
    assert status == 409 and SET_ASIDE in page
    assert "Phiếu trên web của hộ không được tính trong đợt này." in page
    assert "không sửa hay gửi lại được nữa" in page
    assert "Cảm ơn hộ gia đình!" not in page
    survey = await web.services.answering.survey("ntm-2026")
    assert survey is not None
    # None of either sheet's answers: no question, no label, no comment.
    shown = [q.text for q in survey.questions] + ["Rất không hài lòng", "Hài lòng", "Đường làng"]
    assert [s for s in shown if s in page] == []
    for path in ("/s/thanks", "/s/review", "/s/q/0", "/s/q/3"):
        assert await browser.get(path) == (409, page), path
    comment = next(i for i, q in enumerate(survey.questions) if q.kind == "text")
    for path, form in (
        ("/s/q/0", {"value": "5"}),
        ("/s/q/1", {"skip": "1"}),
        (f"/s/q/{comment}", {"text": "Sửa lại ý kiến"}),
        ("/s/submit", {}),
        ("/s/start", {}),
    ):
        status, text = await browser.post(path, **form)
        assert (status, SET_ASIDE in text) == (409, True), path
    assert await stored(web) == before

    # Another browser opening the household's card link is told the same, with no form.
    other = await web.browser()
    status, text = await other.get(f"/x/{COMMUNE}/{household.code}")
    assert (status, SET_ASIDE in text, "<form" in text) == (409, True, False)
    assert await stored(web) == before  # a session for the new browser, nothing else


async def test_a_kept_web_sheet_stays_open_to_changes(web: WebSheet) -> None:
    household = web.households[1]
    browser = await answered_on_the_web(web, household)
    round_id = await on_paper_too(web, household)
    decision = await web.services.conflicts.decide(
        Actor.operator(), round_id, household.code, Keep.WEB
    )
    assert decision.outcome is Decided.DONE
    status, page = await browser.get("/s/thanks")
    assert status == 200 and "Cảm ơn hộ gia đình!" in page
    status, _ = await browser.post("/s/q/0", value="5")
    assert status == 200
    survey = await web.services.answering.survey("ntm-2026")
    assert survey is not None
    counted = await web.services.db.conn.execute_fetchall(
        "SELECT r.channel, a.value_int FROM responses r JOIN answers a ON a.response_id = r.id "
        "WHERE r.counted = 1 AND a.question_id = ?",
        (survey.questions[0].id,),
    )
    assert [tuple(r) for r in counted] == [("web", 5)]


async def test_the_page_names_the_channel_that_counts(web: WebSheet) -> None:
    found = await web.services.web.commune(COMMUNE)
    assert found is not None
    commune = found[0]
    for counted, named in (
        ("paper", "Xã đã tính phiếu giấy của hộ"),
        ("chat", "Xã đã tính câu trả lời qua Telegram của hộ"),
        ("zalo", "Xã đã tính câu trả lời qua Zalo của hộ"),
        (None, "Xã đã tính phiếu khác của hộ"),
    ):
        sheet = Sheet(SheetState.SET_ASIDE, web.households[0], commune, counted=counted)
        assert named in render("web_set_aside.html", sheet=sheet)


class _NoticedLock(asyncio.Lock):
    """The database's write lock, telling the test when a writer holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = asyncio.Event()

    async def acquire(self) -> Literal[True]:
        await super().acquire()
        self.taken.set()
        return True


async def test_a_tap_sent_while_staff_set_the_sheet_aside_stores_nothing(web: WebSheet) -> None:
    """The tap arrives while staff's decision is being written: it is checked in its own
    transaction, after the decision, so it finds the sheet shut (a tap checked against a read
    made before the decision would have been stored on a sheet that counts nowhere)."""
    services, token, household = web.services, "r" * 43, web.households[2]
    await answered_on_the_web(web, household)
    assert (await services.web.enter(token, COMMUNE, household.code)).outcome == "ok"
    round_id = await on_paper_too(web, household)
    answers = "SELECT * FROM answers ORDER BY response_id, question_id"
    before = await services.db.conn.execute_fetchall(answers)
    lock = _NoticedLock()
    services.db._write_lock = lock
    deciding = asyncio.create_task(
        services.conflicts.decide(Actor.operator(), round_id, household.code, Keep.PAPER)
    )
    await lock.taken.wait()  # the decision's transaction has begun
    tapped = asyncio.create_task(services.web.answer(token, 0, "5"))  # was "4"
    decision = await deciding
    assert (decision.outcome, decision.decided) == (Decided.DONE, 1)
    assert (await tapped).outcome is AnswerOutcome.CLOSED
    assert await services.db.conn.execute_fetchall(answers) == before
