"""Who a launch reaches: one village, or the non-respondents of an earlier round."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import surveys as surveys_db
from surveys.broadcasts import Audience, LaunchError, LaunchRefused
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY, table_counts, tg_person


async def test_one_village_and_non_respondents(services, clock) -> None:
    await services.residents.add_villages(COMMUNE, ["Bản Nà", "Bản Mé"])
    na, me = await services.residents.villages(COMMUNE)
    for uid, village in ((1, na), (2, na), (3, me)):
        await services.residents.join(await tg_person(services, uid), f"Dân {uid}", COMMUNE)
        await services.residents.choose_village(uid, village.id)
    plan = await services.broadcasts.plan(
        COMMUNE, SURVEY, audience=Audience.VILLAGE, audience_ref=na.id
    )
    assert plan.recipients == 2

    launched = await services.broadcasts.launch(plan, launch_key="v", created_by="test")
    round_id = launched.round.id
    async with services.db.transaction() as tx:  # resident 1 completes the round
        await tx.execute(
            "INSERT INTO responses(round_id, resident_id, started_at, updated_at, completed_at) "
            "SELECT ?, resident_id, 'x', 'x', 'x' FROM addresses "
            "WHERE channel = 'telegram' AND address = '1'",
            (round_id,),
        )
        await surveys_db.close_round(tx, round_id, clock.now)
    later = await services.broadcasts.plan(
        COMMUNE,
        SURVEY,
        audience=Audience.NONRESPONDENTS,
        audience_ref=round_id,
        closes_at=clock.now + timedelta(days=3),
    )
    assert later.recipients == 2  # residents 2 and 3


@pytest.mark.parametrize("audience", [Audience.VILLAGE, Audience.NONRESPONDENTS])
async def test_a_village_or_round_of_another_commune_is_refused(services, audience) -> None:
    await services.residents.add_villages(OTHER_COMMUNE, ["Khu 1"])
    (other_village,) = await services.residents.villages(OTHER_COMMUNE)
    await services.residents.join(await tg_person(services, 9), "Dân", OTHER_COMMUNE)
    other = await services.broadcasts.open_round(OTHER_COMMUNE, SURVEY)
    ref = other_village.id if audience is Audience.VILLAGE else other.round.id
    before = await table_counts(services.db)
    with pytest.raises(LaunchRefused) as caught:
        await services.broadcasts.plan(COMMUNE, SURVEY, audience=audience, audience_ref=ref)
    expected = {
        Audience.VILLAGE: LaunchError.UNKNOWN_VILLAGE,
        Audience.NONRESPONDENTS: LaunchError.UNKNOWN_EARLIER_ROUND,
    }[audience]
    assert caught.value.error is expected
    assert await table_counts(services.db) == before
