"""/progress counts the whole round: residents who joined after the invitation went out
(by the QR code, the usual way) answer outside any broadcast, and staff must see them."""

from __future__ import annotations

from datetime import timedelta

from handlers.views import labels
from storage import responses as responses_db
from surveys.access import Actor, Role
from tests.conftest import COMMUNE, SURVEY, resident_of, tg_person

STAFF = 900


async def test_progress_counts_residents_who_joined_after_the_invitation(harness, clock) -> None:
    services = harness.services
    await services.residents.add_villages(COMMUNE, ["Bản Nà Ban"])
    launched = await services.broadcasts.open_round(
        COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7)
    )  # nobody has joined yet: the invitation reaches no one
    await services.access.grant(await tg_person(services, STAFF), Role.STAFF, commune=COMMUNE)
    token = await services.residents.join_token(COMMUNE)
    lan = harness.user(1, "Lan")
    await harness.send(lan, f"/start j{token}")
    await harness.press(lan, "Bản Nà Ban")
    clock.advance(minutes=1)
    await harness.press(lan, labels.START_SURVEY)
    await harness.press(lan, labels.SCALE[5])
    clock.advance(minutes=1)
    await harness.press(lan, labels.SCALE[4])

    replies = await harness.send(harness.user(STAFF, "Minh"), "/progress")
    assert "0/0" in replies[0] and "Đã trả lời xong: 0" in replies[0]  # the broadcast's own
    assert "1 người đã bắt đầu, 0 người trả lời xong" in replies[0]
    response = await responses_db.find(
        services.db.conn,
        launched.broadcast.round_id,
        (await resident_of(services, 1)).id,
    )
    assert response is not None and response.completed_at is None
    assert len(await responses_db.list_answers(services.db.conn, response.id)) == 2


async def test_progress_says_how_many_counted_sheets_came_through_each_channel(
    harness, clock
) -> None:
    services = harness.services
    await services.residents.add_villages(COMMUNE, ["Bản Nà Ban"])
    launched = await services.broadcasts.open_round(
        COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7)
    )
    await services.access.grant(await tg_person(services, STAFF), Role.STAFF, commune=COMMUNE)
    survey = await services.answering.survey(SURVEY)
    assert survey is not None
    token = await services.residents.join_token(COMMUNE)
    lan = harness.user(1, "Lan")
    await harness.send(lan, f"/start j{token}")
    await harness.press(lan, "Bản Nà Ban")
    await harness.press(lan, labels.START_SURVEY)
    for q in survey.questions:
        clock.advance(seconds=20)
        label = {"scale": labels.SCALE[4], "yesno": labels.YESNO[1], "text": labels.SKIP}
        await harness.press(lan, label.get(q.kind.value) or q.choices[0].label)
    issued = await services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ban", 1)
    row = {"round": str(launched.broadcast.round_id), "household": issued.households[0][0].code}
    for q in survey.questions:
        if q.kind.value != "text":
            row[q.id] = {"scale": "5", "yesno": "1"}.get(q.kind.value) or q.choices[0].code
    await services.sheets.enter(row)

    replies = await harness.send(harness.user(STAFF, "Minh"), "/progress")
    assert "Phiếu được tính theo kênh: Telegram 1 · phiếu giấy 1" in replies[0]
