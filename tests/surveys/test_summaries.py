"""Officers' reports read the aggregates the answers keep, and refuse what has no honest figure."""

from __future__ import annotations

import pytest

from storage import scores as scores_db
from surveys.figures import CriteriaSet
from surveys.scoring import ScoreVerdict
from surveys.services import Services
from surveys.summaries import SummaryError, SummaryRefused
from tests.conftest import COMMUNE, FakeClock, resident_of, snapshot, table_counts
from tests.summary_support import answer, open_round

PROVINCE = 12  # Lai Châu; COMMUNE 3598 is in it


async def test_commune_report_from_answers(services: Services, clock: FakeClock) -> None:
    await services.residents.add_villages(COMMUNE, ["Thôn 1", "Thôn 2"])
    await open_round(services, clock)
    # Thôn 1: six residents, 5 "Có"; Thôn 2: two residents (under k = 5).
    for uid in range(1, 7):
        await answer(
            services,
            uid,
            village="Thôn 1",
            overall="1" if uid < 6 else "0",
            comment=f"ý kiến {uid}",
        )
    await answer(services, 7, village="Thôn 2", scale="2")
    await answer(services, 8, village="Thôn 2", scale="0")
    report = await services.summaries.commune(COMMUNE)
    score = report.summary.score
    assert score.respondents == 8 and score.registered == 8
    assert (score.overall.satisfied, score.overall.valid) == (7, 8)
    first = score.questions[0]
    assert (first.satisfied, first.valid, first.dont_know) == (6, 7, 1)
    # Thôn 2 is under k; Thôn 1 shown beside the commune's 8 would give Thôn 2 by subtraction,
    # so it is hidden too (complementary suppression)
    assert [(v.name, v.respondents) for v in report.villages] == [
        ("Thôn 1", None),
        ("Thôn 2", None),
    ]
    assert all(v.overall.share is None for v in report.villages) and report.all_villages_hidden
    assert report.comments.count == 6 and len(report.comments.texts) == 6
    assert report.criteria[CriteriaSet.C2026] and report.criteria[CriteriaSet.C2021]
    assert report.trend is None
    # the aggregate equals a rebuild after all that
    kept = await scores_db.dump(services.db.conn)
    assert await services.summaries.rescore() == sum(r[-1] for r in kept["score_counts"])
    assert await scores_db.dump(services.db.conn) == kept


async def test_changed_answer_moves_the_score(services: Services, clock: FakeClock) -> None:
    await open_round(services, clock)
    for uid in range(1, 6):
        await answer(services, uid)
    assert (await services.summaries.commune(COMMUNE)).summary.score.overall.share == 1.0
    step = (await services.answering.current(1)).step
    overall = step.survey.index_of(step.survey.overall.id)
    changed = await services.answering.answer(1, step.response.id, overall, "0")
    assert changed.outcome.value == "changed"
    assert (await services.summaries.commune(COMMUNE)).summary.score.overall.share == 0.8


async def test_trend_between_rounds(services: Services, clock: FakeClock) -> None:
    first = await open_round(services, clock)
    for uid in range(1, 11):
        await answer(services, uid, overall="1" if uid <= 5 else "0")
    await services.rounds.close(first)
    await open_round(services, clock)
    for uid in range(1, 11):
        await answer(services, uid, overall="1")
    report = await services.summaries.commune(COMMUNE)
    assert report.previous_round == first
    # 5/10 -> 10/10: pooled 0.75, se = sqrt(.75*.25*.2) = 0.19365, z = 2.582, p = 0.0098
    assert report.trend.change == pytest.approx(0.5)
    assert report.trend.p_value == pytest.approx(0.00982, abs=1e-4) and report.trend.significant
    assert [(p.round_id, p.headline.share) for p in report.history] == [(first, 0.5), (2, 1.0)]
    assert report.history[0].trend is None and report.history[1].trend == report.trend
    from handlers.views.reports import Format, commune_output

    tz, now = services.settings.timezone, clock.now
    text = commune_output(report, Format.TEXT, tz=tz, now=now).content.decode()
    assert "Đợt 2 năm 2026: 100,0%" in text and "+50,0 điểm %, lớn hơn mức ngẫu nhiên" in text
    data = commune_output(report, Format.JSON, tz=tz, now=now).content.decode()
    assert '"significant": true' in data


async def test_every_village_under_k_is_said_not_shown(services, clock) -> None:
    await services.residents.add_villages(COMMUNE, ["Thôn A", "Thôn B"])
    await open_round(services, clock)
    for uid in range(1, 9):
        await answer(services, uid, village="Thôn A" if uid % 2 else "Thôn B")
    report = await services.summaries.commune(COMMUNE)
    assert report.summary.score.respondents == 8  # the commune itself is above k
    assert report.all_villages_hidden
    assert all(v.respondents is None and v.overall.share is None for v in report.villages)


async def test_province_table_ranks_communes(services: Services, clock: FakeClock) -> None:
    other = next(c.code for c in await services.residents.communes(PROVINCE) if c.code != COMMUNE)
    await open_round(services, clock)
    await open_round(services, clock, other)
    for uid in range(1, 6):
        await answer(services, uid)
    for uid in range(11, 16):
        await answer(
            services,
            uid,
            commune=other,
            overall="0" if uid == 11 else "1",
            scale="0" if uid == 12 else "3",
        )
    report = await services.summaries.province(PROVINCE)
    for row in report.rows:  # the table's verdict (SQL tallies) is the commune report's
        single = await services.summaries.commune(row.commune.code)
        assert row.verdict is single.summary.score.verdict
        assert row.ranked.share.valid == single.summary.score.overall.valid
    assert [r.commune.code for r in report.rows] == [COMMUNE, other]
    assert [(r.ranked.best, r.ranked.worst) for r in report.rows] == [(1, 2), (1, 2)]  # a tie
    # 5 of 5 registered: Slovin asks ceil(5 / 1.0125) = 5, all "Có", every question 100%.
    assert report.rows[0].verdict is ScoreVerdict.PASS
    national = await services.summaries.national()
    assert [(r.province.code, r.communes, r.respondents) for r in national] == [(PROVINCE, 2, 10)]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda s: s.summaries.commune(99_999_999), SummaryError.UNKNOWN_COMMUNE),
        (lambda s: s.summaries.commune(COMMUNE), SummaryError.NO_ROUNDS),
        (lambda s: s.summaries.province(9_999), SummaryError.UNKNOWN_PROVINCE),
        (lambda s: s.summaries.province(PROVINCE), SummaryError.NO_ROUNDS),
        (lambda s: s.summaries.resolve("zzzzqq"), SummaryError.NOT_FOUND),
        (lambda s: s.summaries.resolve("tan uyen"), SummaryError.AMBIGUOUS),
        (lambda s: s.summaries.resolve("x"), SummaryError.NOT_FOUND),
    ],
)
async def test_refusals_change_nothing(services, call, error) -> None:
    before, counts = await snapshot(services.db), await table_counts(services.db)
    with pytest.raises(SummaryRefused) as caught:
        await call(services)
    assert caught.value.error is error
    assert await snapshot(services.db) == before and await table_counts(services.db) == counts


async def test_round_refusals(services: Services, clock: FakeClock) -> None:
    round_id = await open_round(services, clock)
    with pytest.raises(SummaryRefused) as caught:
        await services.summaries.commune(COMMUNE)
    assert caught.value.error is SummaryError.NO_ANSWERS
    with pytest.raises(SummaryRefused) as caught:
        await services.summaries.commune(COMMUNE, round_id + 7)
    assert caught.value.error is SummaryError.UNKNOWN_ROUND
    for uid in range(1, 6):
        await answer(services, uid, scale="0")
    with pytest.raises(SummaryRefused) as caught:
        await services.summaries.commune(COMMUNE)
    assert caught.value.error is SummaryError.ALL_DONT_KNOW


async def test_resolve_names_without_diacritics(services: Services) -> None:
    assert (await services.summaries.resolve("xa tan uyen")).commune.code == COMMUNE
    assert (await services.summaries.resolve("lai chau")).province.code == PROVINCE
    assert (await services.summaries.resolve(str(COMMUNE))).commune.code == COMMUNE
    assert (await services.summaries.resolve("12")).province.code == PROVINCE


async def test_exported_answers_carry_only_the_hmac_pseudonym(db, clock) -> None:
    import dataclasses
    import hashlib
    import hmac

    from surveys.env import Settings

    key = "khoa-bi-mat"
    keyed = Services(db, clock=clock, settings=dataclasses.replace(Settings(), pseudonym_key=key))
    await keyed.seed()
    await open_round(keyed, clock)
    for uid in range(1, 6):
        await answer(keyed, uid, comment="không được xuất")
    report = await keyed.summaries.commune(COMMUNE)
    rows = await keyed.summaries.export_answers(report)
    resident = await resident_of(keyed, 1)
    expected = hmac.new(key.encode(), str(resident.id).encode(), hashlib.sha256).hexdigest()[:16]
    assert expected in {r.pseudonym for r in rows}
    assert len(rows) == 5 * 12 and all(r.value is not None for r in rows)  # no comment text
    other_key = Services(db, clock=clock)  # never opened, none configured: a key of its own
    others = {r.pseudonym for r in await other_key.summaries.export_answers(report)}
    assert expected not in others and len(others) == 5


async def test_a_resident_commune_counts_residents(services, clock) -> None:
    from surveys.figures import Unit

    await open_round(services, clock)
    for uid in range(1, 6):
        await answer(services, uid)
    assert (await services.summaries.commune(COMMUNE)).unit is Unit.RESIDENT
