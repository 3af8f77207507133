"""One person, one voice per round (issue 17): erasing and rejoining never counts twice, and a
chat answer never silently replaces a household's paper sheet."""

from __future__ import annotations

from datetime import timedelta

from surveys.pseudonym import voter_key
from tests.conftest import COMMUNE, SURVEY
from tests.handlers.test_survey import answer_all

UID = 777_000_111


async def counted(harness, round_id: int) -> list[tuple]:
    """(resident id, erased?, household) of every counted response of the round."""
    return await harness.services.db.conn.execute_fetchall(
        "SELECT p.resident_id, s.erased_at IS NOT NULL, s.household_id FROM responses p "
        "JOIN residents s ON s.id = p.resident_id WHERE p.round_id = ? AND p.counted = 1 "
        "ORDER BY p.id",
        (round_id,),
    )


async def erase(harness, person) -> None:
    await harness.send(person, "/deletedata")
    (done,) = await harness.press(person, "Xóa danh tính của tôi")
    assert done.startswith("Đã xóa danh tính của bạn")


async def test_erase_rejoin_answer_again_counts_once(harness, clock) -> None:
    round_ = await harness.services.rounds.open(
        COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7)
    )
    token = await harness.services.residents.join_token(COMMUNE)
    person = harness.user(UID, "Bảo")
    for _ in range(3):
        await harness.send(person, f"/start j{token}")
        await answer_all(harness, person)
        clock.advance(seconds=120)  # the flood limit counts per person per window
        await erase(harness, person)
        clock.advance(seconds=120)
    summary = await harness.services.rounds.summary(COMMUNE, round_.id)
    assert summary.score.respondents == 1
    rows = await counted(harness, round_.id)
    assert len(rows) == 1 and rows[0][1] == 1  # the last answers, detached
    # What is kept: the keyed hash of the address in this round, not the address.
    key = voter_key(harness.services.settings.pseudonym_key, round_.id, "telegram", UID)
    stored = await harness.services.db.conn.execute_fetchall(
        "SELECT voter_key FROM responses WHERE round_id = ?", (round_.id,)
    )
    assert [tuple(r) for r in stored] == [(key,)]
    assert str(UID) not in key


async def test_erase_and_rejoin_by_household_counts_one_household(harness, clock) -> None:
    s = harness.services
    await s.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    issued = await s.households.issue(COMMUNE, "Bản Nà Ún", 2)
    code = issued.households[0][0].code
    round_ = await s.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    token = await s.residents.join_token(COMMUNE)
    person = harness.user(UID, "Bảo")
    await harness.send(person, f"/start h{code}")
    await answer_all(harness, person)
    clock.advance(seconds=120)
    await erase(harness, person)
    clock.advance(seconds=120)
    await harness.send(person, f"/start j{token}")  # back by the commune link, no household
    await harness.press(person, "Bản Nà Ún")
    await answer_all(harness, person)
    summary = await s.rounds.summary(COMMUNE, round_.id)
    assert summary.score.respondents == 1
    assert len(await counted(harness, round_.id)) == 1
