"""Staff and residents see a round by its commune's own number ("Đợt 2 năm 2026"), with the
database id beside it only where staff type it back (/progress 12); the ids here are chosen to
differ from the numbers (another commune's round takes id 1)."""

from __future__ import annotations

from datetime import timedelta

from handlers.telegram import broadcast_jobs
from surveys.access import Actor, Role
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY, table_counts, tg_person
from tests.handlers.test_broadcast import fake_sleep, join, launch
from tests.summary_support import answer

STAFF = 720


async def _two_rounds(harness, clock) -> tuple[int, int]:
    """Round 1 in another commune, then rounds 2 (closed) and 3 (open) in COMMUNE."""
    services = harness.services
    assert (await services.rounds.open(OTHER_COMMUNE, SURVEY)).id == 1
    await join(harness, 3)
    first = await launch(services, "k1")
    await services.rounds.close(first.round.id)
    clock.advance(hours=1)
    second = await launch(services, "k2")
    await services.access.grant(await tg_person(services, STAFF), Role.STAFF, commune=COMMUNE)
    return first.round.id, second.round.id


async def test_rounds_progress_and_remind_name_the_commune_round(harness, clock) -> None:
    first, second = await _two_rounds(harness, clock)
    assert (first, second) == (2, 3)
    staff = harness.user(STAFF, "Cán bộ")
    listed = (await harness.send(staff, "/rounds"))[0]
    assert "Đợt 1 năm 2026 (mã đợt 2) · " in listed and "Đợt 2 năm 2026 (mã đợt 3) · " in listed
    assert "Đợt 3 ·" not in listed
    shown = await harness.send(staff, "/progress")
    assert shown[0].startswith("Đợt 2 năm 2026 (mã đợt 3) · mời trả lời")
    earlier = await harness.send(staff, f"/progress {first}")  # the id still works as typed
    assert earlier[0].startswith("Đợt 1 năm 2026 (mã đợt 2) · mời trả lời")
    broadcasts = (await harness.send(staff, "/broadcast"))[0]
    assert "Đợt 2 năm 2026 (mã đợt 3) · " in broadcasts
    assert "Đợt 1 năm 2026 (mã đợt 2) · " in broadcasts

    reminded = await harness.send(staff, "/remind")
    assert reminded == [
        "Đang gửi lời nhắc đợt 2 năm 2026 (mã đợt 3) tới 3 người chưa trả lời xong."
    ]
    before = await table_counts(harness.services.db)
    refused = await harness.send(staff, f"/remind {first}")
    assert refused == [
        "Đợt 1 năm 2026 (mã đợt 2) không còn mở nên không gửi nhắc được: người dân không thể "
        "trả lời nữa. Gõ /rounds để xem các đợt."
    ]
    assert await table_counts(harness.services.db) == before


async def test_the_number_starts_again_in_a_new_year(harness, clock) -> None:
    _, second = await _two_rounds(harness, clock)
    await harness.services.rounds.close(second)
    clock.advance(days=60)  # November 2026 -> January 2027
    third = await launch(harness.services, "k3")
    staff = harness.user(STAFF, "Cán bộ")
    listed = (await harness.send(staff, "/rounds"))[0]
    assert f"Đợt 1 năm 2027 (mã đợt {third.round.id}) · " in listed
    assert "Đợt 2 năm 2026 (mã đợt 3) · " in listed  # last year's keep their numbers
    shown = await harness.send(staff, "/progress")
    assert shown[0].startswith(f"Đợt 1 năm 2027 (mã đợt {third.round.id})")


async def _result_for(harness, clock, households: bool) -> list:
    """A round answered by five residents (each of their own household, if `households`),
    closed, and its result broadcast sent: the users who answered."""
    services = harness.services
    await services.rounds.open(OTHER_COMMUNE, SURVEY)  # takes id 1
    users = []
    if households:
        await services.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
        issued = await services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 6)
        for uid, (household, _) in enumerate(issued.households[:5], start=1001):
            await services.households.join(
                await tg_person(services, uid), f"Hộ {uid}", household.code
            )
            users.append(harness.user(uid, f"Hộ {uid}"))
    else:
        users = await join(harness, 5)
    launched = await launch(services, closes_at=clock.now + timedelta(days=7))
    assert launched.round.id == 2
    for user in users:
        await answer(services, user.id)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    clock.advance(days=8)
    due = await broadcast_jobs.housekeeping(harness.app)
    assert len(due) == 1
    await broadcast_jobs.run(harness.app, due[0])
    return users


async def test_result_names_the_round_and_counts_households(harness, clock) -> None:
    users = await _result_for(harness, clock, households=True)
    for user in users:
        text = user.messages[-1].text
        assert "Kết quả đợt 1 năm 2026 của Xã Tân Uyên (5 hộ trả lời):" in text
        assert "người trả lời" not in text and "mã đợt" not in text


async def test_result_counts_residents_where_no_codes_are_issued(harness, clock) -> None:
    users = await _result_for(harness, clock, households=False)
    for user in users:
        assert "Kết quả đợt 1 năm 2026 của Xã Tân Uyên (5 người trả lời):" in user.messages[-1].text


async def test_wizard_offers_earlier_rounds_by_their_label(harness, clock) -> None:
    first, second = await _two_rounds(harness, clock)
    staff = harness.user(STAFF, "Cán bộ")
    await harness.send(staff, "/rounds")
    await harness.press(staff, "r:new")
    await harness.press(staff, f"r:s:{SURVEY}")
    await harness.press(staff, "r:a:n")
    offered = [(text, data) for row in staff.messages[-1].buttons for text, data in row]
    title = (await harness.services.rounds.survey(SURVEY)).title[:40]
    assert (f"Đợt 1 năm 2026 · {title}", f"r:n:{first}") in offered
    assert (f"Đợt 2 năm 2026 · {title}", f"r:n:{second}") in offered


async def test_mydata_names_the_rounds_by_label(harness, clock) -> None:
    users = await _result_for(harness, clock, households=False)
    text = "\n".join(await harness.send(users[0], "/mydata"))
    title = (await harness.services.rounds.survey(SURVEY)).title
    assert f"Đợt 1 năm 2026: {title}" in text
    assert "• Đợt 1 năm 2026, lời mời khảo sát: " in text
    assert "• Đợt 1 năm 2026, kết quả: đã gửi" in text
    assert "Đợt 2" not in text  # the round's id is 2
