"""get_with_owner, the read every answer tap is checked against: one row, the answers folded
in as JSON, read back exactly as list_answers reads them."""

from __future__ import annotations

from datetime import timedelta

from storage import responses as responses_db
from storage.people import Address, Channel
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, FakeClock, tg_person

LAN = 1001
TEXTS = ['Đèn "đường" \\ thôn\nNà Ún', "emoji 🌾 and \t tab", "</b>&amp;", "\x00nul"]


async def test_it_reads_the_answers_list_answers_reads_and_the_presser(
    services: Services, clock: FakeClock
) -> None:
    await services.residents.join(await tg_person(services, LAN), "Lan", COMMUNE)
    await services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    step = (await services.answering.current(LAN)).step
    assert step is not None
    db, rid = services.db, step.response.id
    empty = await db.read(responses_db.get_with_owner, rid, Address(Channel.TELEGRAM, "42"))
    assert empty is not None and empty.answers == [] and empty.presser is None
    for i, question in enumerate(step.survey.questions):
        if question.kind == "text":
            for text in TEXTS:  # each replaces the last; every one must read back the same
                async with db.transaction() as conn:
                    await responses_db.upsert_answer(
                        conn, rid, question.id, value_int=None, value_text=text, skipped=False,
                        now=clock.now,
                    )  # fmt: skip
                found = await db.read(responses_db.get_with_owner, rid)
                assert found is not None and found.presser is None
                assert found.answers == await responses_db.list_answers(db.conn, rid)
        else:
            await services.answering.answer(LAN, rid, i, "1" if question.kind == "yesno" else "4")
    found = await db.read(responses_db.get_with_owner, rid, Address(Channel.TELEGRAM, str(LAN)))
    assert found is not None
    assert found.answers == await responses_db.list_answers(db.conn, rid)
    assert len(found.answers) == len(step.survey.questions)
    assert found.response == await responses_db.get(db.conn, rid)
    assert (found.owner, found.commune_code, found.presser) == (LAN, COMMUNE, LAN)
    assert found.round.id == step.round.id and found.round == step.round
    assert await db.read(responses_db.get_with_owner, 999_999) is None
