"""One household, one voice, whatever the channel: a web sheet and a paper sheet of the same
household count once and are listed for staff (the held case is in test_browser)."""

from __future__ import annotations

from handlers.views.reports import Format, commune_output
from handlers.views.texts import VN
from storage import scores as scores_db
from surveys.env import Settings
from surveys.scoring import Thresholds
from surveys.services import Services
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


async def test_summaries_count_each_channel_once_per_household(web: WebSheet) -> None:
    """Two households on the web, one on paper: the report says so, where n is shown."""
    await web.answered(web.households[0])
    await web.answered(web.households[1])
    survey = await web.services.answering.survey("ntm-2026")
    assert survey is not None
    round_id = (await web.services.rounds.list_for_commune(COMMUNE))[0].round.id
    row = {"round": str(round_id), "household": web.households[2].code}
    for q in survey.questions:
        if q.kind != "text":
            row[q.id] = {"scale": "5", "yesno": "1"}.get(q.kind) or q.choices[0].code
    await web.services.sheets.enter(row)
    conn = web.services.db.conn
    assert await scores_db.channel_counts(conn, round_id) == {"paper": 1, "web": 2}

    hidden = await web.services.summaries.commune(COMMUNE)
    assert hidden.summary.score.suppressed and hidden.channels == {}  # n = 3 < k = 5
    small_k = Settings(bot_username="ykien_test_bot", thresholds=Thresholds(min_group=3))
    shown = await Services(web.services.db, clock=web.clock, settings=small_k).summaries.commune(
        COMMUNE
    )
    assert shown.channels == {"paper": 1, "web": 2}
    text = commune_output(shown, Format.TEXT, tz=VN, now=web.clock()).content.decode()
    assert "Theo kênh:            phiếu giấy 1, phiếu web 2" in text
