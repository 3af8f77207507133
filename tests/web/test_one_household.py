"""One household, one voice, whatever the channel: a web sheet and a paper sheet of the same
household count once and are listed for staff (the held case is in test_browser)."""

from __future__ import annotations

from tests.conftest import COMMUNE
from tests.web.conftest import WebSheet


async def test_web_sheet_then_paper_sheet_is_listed_as_a_conflict(web: WebSheet) -> None:
    browser = await web.opened()
    survey = await web.services.answering.survey("ntm-2026")
    assert survey is not None
    row = {"round": "0", "household": web.households[0].code}
    for index, question in enumerate(survey.questions):
        if question.kind == "text":
            await browser.post(f"/s/q/{index}", skip="1")
            continue
        value = {"scale": "4", "yesno": "1"}.get(question.kind) or question.choices[0].code
        await browser.post(f"/s/q/{index}", value=value)
        row[question.id] = value
    rounds = await web.services.rounds.list_for_commune(COMMUNE)
    row["round"] = str(rounds[0].round.id)
    await web.services.sheets.enter(row)  # staff enter the paper sheet afterwards
    found = await web.services.sheets.conflicts(rounds[0].round.id)
    assert found == [(web.households[0].code, 1, 1)]
    counted = await web.services.db.conn.execute_fetchall(
        "SELECT count(*) FROM responses WHERE counted = 1"
    )
    assert counted[0][0] == 1  # the latest complete one: the paper sheet staff entered
