"""The current round of a commune: open first, then the one that ended last; a round not yet
opened (or cancelled before it opened) is never current."""

from __future__ import annotations

from datetime import timedelta

from storage import surveys as surveys_db
from storage.records import Round
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY
from tests.summary_support import second_survey

PROVINCE = 12  # Lai Châu, COMMUNE's province


async def _current(services) -> Round | None:
    """The commune's current round, as the province-wide rule gives it and as the one-commune
    query of the web's pages (current_round_in) does: they must agree."""
    found = await services.rounds.current(COMMUNE)
    now = services.env.now()
    assert await services.db.read(surveys_db.current_round_in, now, COMMUNE) == found
    return found


async def test_open_first_then_the_latest_ended_never_a_scheduled_one(
    services, clock, tmp_path
) -> None:
    rounds = services.rounds
    other = await second_survey(services, tmp_path)
    assert await _current(services) is None
    later = await rounds.open(COMMUNE, SURVEY, opens_at=clock.now + timedelta(days=30))
    assert await _current(services) is None  # scheduled: not current yet

    live = await rounds.open(COMMUNE, other, closes_at=clock.now + timedelta(days=7))
    assert await _current(services) == live
    assert [r.id for r in await rounds.current_rounds(PROVINCE)] == [live.id]

    clock.advance(days=8)  # `live` has ended, `later` has not opened
    assert await _current(services) == live
    clock.advance(days=23)  # `later` is open now
    assert await _current(services) == later
    closed = await rounds.close(later.id)
    assert await _current(services) == closed  # it ended after `live` did


async def test_a_launch_cancelled_before_it_opened_never_becomes_current(
    services, clock, tmp_path
) -> None:
    rounds = services.rounds
    first = await rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=2))
    other = await second_survey(services, tmp_path)
    cancelled = await rounds.open(COMMUNE, other, opens_at=clock.now + timedelta(days=5))
    await rounds.close(cancelled.id)  # before it opened, like a cancelled invitation
    clock.advance(days=10)
    assert await _current(services) == first


async def test_one_current_round_per_commune_of_a_province(services, clock) -> None:
    rounds = services.rounds
    older = await rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=1))
    clock.advance(days=2)
    newer = await rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=1))
    elsewhere = await rounds.open(OTHER_COMMUNE, SURVEY)
    assert [r.id for r in await rounds.current_rounds(PROVINCE)] == [newer.id]
    everywhere = await rounds.current_rounds()
    assert {r.id for r in everywhere} == {newer.id, elsewhere.id}
    assert older.id not in {r.id for r in everywhere}
