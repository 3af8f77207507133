"""What every output publishes, from answers through the real services: one suppression rule in
every format, answers that add up, the household unit, round labels, the province total."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from handlers.views import labels
from handlers.views.reports import Format, commune_output, national_output, province_output
from storage import scores as scores_db
from surveys import round_labels
from surveys.access import Actor
from surveys.services import Services
from tests.conftest import COMMUNE, tg_person
from tests.summary_support import answer, open_round

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

PROVINCE = 12
NEIGHBOUR = 3637  # Xã Mường Kim, also in Lai Châu


def _outputs(services: Services, report, answers=None) -> dict[str, object]:
    tz, now = services.settings.timezone, services.env.now()

    def make(fmt: Format) -> bytes:
        return commune_output(report, fmt, tz=tz, now=now, answers=answers).content

    book = load_workbook(io.BytesIO(make(Format.XLSX)))
    return {
        "json": json.loads(make(Format.JSON)),
        "text": make(Format.TEXT).decode(),
        "html": make(Format.HTML).decode(),
        "verdict": dict(list(book[labels.SHEET_VERDICT].values)[1:]),
        "answers": list(book[labels.SHEET_ANSWERS].values),
    }


async def test_a_commune_under_k_shows_no_count_in_any_format(services, clock) -> None:
    await open_round(services, clock)
    for uid in range(1, 4):  # three: under k = 5
        await answer(services, uid)
    report = await services.summaries.commune(COMMUNE)
    out = _outputs(services, report, await services.summaries.export_answers(report))
    data = out["json"]
    assert data["respondents"] is None and data["coverage"] is None and data["suppressed"]
    assert data["started"] is None and data["completed"] is None
    assert data["overall"]["satisfied"] == 0 and data["overall"]["share"] is None
    assert data["reason"] == {"code": "too_few", "params": {"k": 5}}
    assert "Trả lời (n):          ẩn (dưới 5 người)" in out["text"]
    assert "Đã bắt đầu" not in out["text"] and "Độ bao phủ" not in out["text"]
    assert out["verdict"]["Số trả lời (n)"] == "ẩn" and out["verdict"]["Độ phủ (n/N)"] is None
    assert out["answers"] == [(labels.ANSWERS_HIDDEN,)]
    assert '<td class="n">ẩn</td>' in out["html"]
    # the province table hides it the same way, and the answers are all still stored
    province = await services.summaries.province(PROVINCE)
    assert province.rows[0].respondents is None and province.respondents is None
    counts = await scores_db.round_counts(services.db.conn, report.summary.round.id)
    assert sum(counts["tong_the"].values()) == 3


async def test_one_small_village_takes_another_with_it_everywhere(services, clock) -> None:
    await services.residents.add_villages(COMMUNE, ["Bản A", "Bản B", "Bản C"])
    await open_round(services, clock)
    for uid in range(1, 10):
        await answer(services, uid, village="Bản A")
    for uid in range(10, 16):
        await answer(services, uid, village="Bản B", overall="0")
    await answer(services, 99, village="Bản C", overall="0")  # one household: under k
    report = await services.summaries.commune(COMMUNE)
    out = _outputs(services, report, await services.summaries.export_answers(report))
    villages = {v["name"]: v for v in out["json"]["villages"]}
    assert villages["Bản A"]["respondents"] == 9 and villages["Bản A"]["satisfied"] == 9
    # Bản C alone hidden: 16 respondents minus 9 minus 6 would be 1, and its "Không"
    assert villages["Bản C"]["respondents"] is None and villages["Bản B"]["respondents"] is None
    assert villages["Bản B"]["satisfied"] is None and villages["Bản B"]["share"] is None
    assert "Bản B: ẩn" in out["text"] and "Bản C: ẩn" in out["text"]
    assert {row[1] for row in out["answers"][1:]} == {"Bản A"}
    assert len({row[0] for row in out["answers"][1:]}) == 9
    # the commune's own figures stay whole
    assert out["json"]["respondents"] == 16 and out["json"]["overall"]["satisfied"] == 9


async def test_export_has_no_value_of_a_hidden_question(services, clock) -> None:
    """Every scale question answered "không biết" by all but two: hidden (2 < k), so the export
    carries none of their values, only the overall question's."""
    await open_round(services, clock)
    for uid in range(1, 9):
        await answer(services, uid, scale="4" if uid <= 2 else "0")
    report = await services.summaries.commune(COMMUNE)
    assert all(q.suppressed for q in report.summary.score.questions)
    assert all(c.suppressed for rows in report.criteria.values() for c in rows)
    rows = await services.summaries.export_answers(report)
    assert {r.question_id for r in rows} == {"tong_the"} and len(rows) == 8
    stored = await services.db.conn.execute_fetchall(
        "SELECT count(*) FROM answers WHERE question_id = 'duong' AND value_int = 4"
    )
    assert stored[0][0] == 2  # stored, counted, just not published


async def test_abandoned_answers_do_not_count_and_every_table_adds_up(services, clock) -> None:
    await open_round(services, clock)
    for uid in range(1, 7):
        await answer(services, uid)
    for uid in (7, 8):  # start, answer three questions, walk away
        await services.residents.join(await tg_person(services, uid), f"R{uid}", COMMUNE)
        step = (await services.answering.current(uid)).step
        for i in range(3):
            assert (await services.answering.answer(uid, step.response.id, i, "1")).ok
    report = await services.summaries.commune(COMMUNE)
    data = _outputs(services, report)["json"]
    assert (data["started"], data["completed"], data["respondents"]) == (8, 6, 6)
    for q in [data["overall"], *data["questions"]]:
        assert q["answered"] == 6, q["id"]
    assert sum(c["valid"] for c in data["criteria"]["2021"] if c["criterion"] == 2) == 6
    flags = await services.db.conn.execute_fetchall(
        "SELECT counted, count(*) FROM responses GROUP BY counted ORDER BY counted"
    )
    assert [tuple(r) for r in flags] == [(0, 2), (1, 6)]
    # finishing later makes the response count, with every answer
    step = (await services.answering.current(7)).step
    for i, q in enumerate(step.survey.questions):
        if i >= 3:
            value = "1" if q.kind.value == "yesno" else "4"
            if q.kind.value == "text":
                await services.answering.skip(7, step.response.id, i)
            else:
                await services.answering.answer(7, step.response.id, i, value)
    again = _outputs(services, await services.summaries.commune(COMMUNE))["json"]
    assert again["respondents"] == 7 and all(q["answered"] == 7 for q in again["questions"])


async def test_household_communes_count_households_in_every_format(services, clock) -> None:
    await services.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    sheet = await services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 6)
    await open_round(services, clock)
    for uid, (household, _) in enumerate(sheet.households, start=1):
        await services.households.join(await tg_person(services, uid), f"R{uid}", household.code)
        await answer(services, uid)
    report = await services.summaries.commune(COMMUNE)
    out = _outputs(services, report)
    assert out["json"]["unit"] == "household" and out["json"]["households_issued"] == 6
    assert "Đơn vị tính:          hộ gia đình" in out["text"] and "6 hộ" in out["text"]
    assert out["verdict"]["Đơn vị đếm"] == "hộ"
    assert "Đơn vị tính: hộ gia đình" in out["html"] and "<th>Số hộ đã phát mã</th>" in out["html"]
    from handlers.views.texts import render

    chat = render("officer_summary.html", report=report)
    assert "6 hộ trả lời" in chat and "người" not in chat.split("\n")[1]


async def test_round_numbers_are_the_communes_own(services, clock) -> None:
    first = await open_round(services, clock)
    await services.rounds.close(first)
    clock.advance(days=1)
    second = await open_round(services, clock)
    for uid in range(1, 6):
        await answer(services, uid)
    report = await services.summaries.commune(COMMUNE)
    assert (report.label.number, report.label.year) == (2, 2026)
    out = _outputs(services, report)
    assert out["json"]["round"]["label"] == {"number": 2, "year": 2026}
    assert out["json"]["round"]["id"] == second
    assert "Đợt 2 năm 2026 · " in out["text"]
    await services.rounds.close(second)
    clock.advance(days=60)  # into 2027 in Hà Nội: the count starts again
    third = await open_round(services, clock, commune=COMMUNE)
    await open_round(services, clock, commune=NEIGHBOUR)  # another commune's rounds are its own
    for uid in range(10, 15):
        await answer(services, uid)
    report = await services.summaries.commune(COMMUNE)
    assert report.summary.round.id == third and (report.label.number, report.label.year) == (
        1,
        2027,
    )
    assert [(p.label.number, p.label.year) for p in report.history] == [
        (1, 2026),
        (2, 2026),
        (1, 2027),
    ]
    assert "So với đợt 2 năm 2026" in _outputs(services, report)["text"]


def test_a_round_opened_on_new_years_eve_utc_belongs_to_the_local_year() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    eve = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)  # 01:00 on 1 January 2027 in Hà Nội
    found = round_labels.labels(
        [
            (5, COMMUNE, eve),
            (3, COMMUNE, eve - timedelta(days=2)),
            (9, COMMUNE, eve + timedelta(1)),
        ],
        tz,
    )
    assert found == {
        3: round_labels.RoundLabel(1, 2026),
        5: round_labels.RoundLabel(1, 2027),
        9: round_labels.RoundLabel(2, 2027),
    }


async def test_a_province_with_one_hidden_commune_hides_its_total(services, clock) -> None:
    await open_round(services, clock)
    await open_round(services, clock, commune=NEIGHBOUR)
    for uid in range(1, 9):
        await answer(services, uid)
    for uid in (20, 21):
        await answer(services, uid, commune=NEIGHBOUR, overall="0")
    report = await services.summaries.province(PROVINCE)
    shown = {r.commune.code: r.respondents for r in report.rows}
    assert shown == {COMMUNE: 8, NEIGHBOUR: None}
    assert report.respondents is None and report.total.share is None
    data = json.loads(province_output(report, Format.JSON, tz=TZ, now=clock.now).content)
    assert data["respondents"] is None and data["total"]["suppressed"]
    assert [c["label"] for c in data["communes"]] == [{"number": 1, "year": 2026}] * 2
    text = province_output(report, Format.TEXT, tz=TZ, now=clock.now).content.decode()
    assert "Cả tỉnh: ẩn" in text
    national = await services.summaries.national()
    lai_chau = next(r for r in national if r.province.code == PROVINCE)
    assert lai_chau.respondents is None and lai_chau.ranked.share.share is None
    text = national_output(national, 5, Format.TEXT, tz=TZ, now=clock.now).content.decode()
    assert "Lai Châu: 2 xã, ẩn người · ẩn" in text
    # a second small commune: the two hidden ones only show as their sum, so the total is back
    await open_round(services, clock, commune=3640)
    for uid in (30, 31, 32):
        await answer(services, uid, commune=3640)
    report = await services.summaries.province(PROVINCE)
    assert report.respondents == 13 and report.total.satisfied == 11
    assert [r.respondents for r in report.rows] == [8, None, None]
