"""One person, one voice per round (issue 17): erasing and rejoining never counts twice, and a
chat answer never silently replaces a household's paper sheet."""

from __future__ import annotations

from datetime import timedelta

from storage import responses as responses_db
from storage import scores as scores_db
from surveys.access import Actor, Role
from surveys.pseudonym import voter_key
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY, snapshot, tg_person
from tests.handlers.test_survey import answer_all

UID, STAFF, OTHER_STAFF = 777_000_111, 22, 23


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
    assert summary.score.suppressed and summary.score.registered == 3  # one voice, under k
    rows = await counted(harness, round_.id)
    assert len(rows) == 1 and rows[0][1] == 1  # the last answers, detached
    # What is kept: the keyed hash of the address in this round, not the address.
    key = voter_key(harness.services.env.pseudonym_key, round_.id, "telegram", UID)
    stored = await harness.services.db.conn.execute_fetchall(
        "SELECT voter_key FROM responses WHERE round_id = ?", (round_.id,)
    )
    assert [tuple(r) for r in stored] == [(key,)]
    assert str(UID) not in key


async def test_erase_and_rejoin_by_household_counts_one_household(harness, clock) -> None:
    s = harness.services
    await s.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    issued = await s.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 2)
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
    assert len(await counted(harness, round_.id)) == 1


async def paper_household(harness, clock) -> dict:
    s = harness.services
    await s.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    issued = await s.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 2)
    round_ = await s.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    survey = await s.rounds.survey(SURVEY)
    code = issued.households[0][0].code
    row = {"round": str(round_.id), "household": code}
    row |= {q.id: "4" for q in survey.questions if q.kind.value == "scale"}
    row |= {"tong_the": "0"}  # the paper sheet: not satisfied overall
    assert (await s.sheets.import_rows(Actor.operator(), [row])).imported == 1
    await s.access.grant(await tg_person(s, STAFF), Role.STAFF, commune=COMMUNE)
    return {"round": round_.id, "code": code}


async def overall(harness, round_id: int) -> dict:
    conn = harness.services.db.conn
    kept = await conn.execute_fetchall(
        "SELECT value, n FROM score_counts WHERE round_id = ? AND question_id = 'tong_the'",
        (round_id,),
    )
    live = await responses_db.value_counts(conn, round_id)
    assert live.get("tong_the", {}) == {v: n for v, n in kept}  # the two ways agree
    return live["tong_the"]


async def holds(harness, round_id: int) -> list[tuple]:
    """(paper?, hold, counted) of the round's responses."""
    found = await harness.services.db.conn.execute_fetchall(
        "SELECT p.channel = 'paper', p.hold, p.counted FROM responses p "
        "WHERE p.round_id = ? ORDER BY p.id",
        (round_id,),
    )
    return [tuple(r) for r in found]


async def test_a_stranger_never_replaces_a_paper_sheet_silently(harness, clock) -> None:
    paper = await paper_household(harness, clock)
    stranger = harness.user(UID, "Lạ")
    replies = await harness.send(stranger, f"/start h{paper['code']}")
    assert "Hộ của bạn đã nộp phiếu giấy" in replies[1]
    assert "phiếu giấy vẫn được tính cho đến khi cán bộ quyết định" in replies[1]
    await answer_all(harness, stranger)  # "Có": satisfied
    assert await overall(harness, paper["round"]) == {0: 1}  # the paper sheet still counts
    assert await holds(harness, paper["round"]) == [(1, None, 1), (0, "conflict", 0)]
    assert await harness.services.conflicts.held(Actor.operator(), paper["round"]) == [
        (paper["code"], 1)
    ]

    staff = harness.user(STAFF)
    (listed,) = await harness.send(staff, "/conflicts")
    assert (
        f"Đợt 1 năm 2026:\n• Hộ {paper['code']}\n"
        "  – phiếu giấy, hoàn thành 10:00 23/11/2026: được tính\n"
        "  – Telegram, hoàn thành 10:00 23/11/2026: "
        "đang chờ cán bộ quyết định (đến sau phiếu giấy)\n"
        "  → Được tính: phiếu giấy, vì hộ đã nộp phiếu giấy trước: phiếu giấy vẫn được tính "
        "cho đến khi cán bộ quyết định."
    ) in listed
    assert staff.last.labels() == [
        f"{paper['code']}: giữ phiếu giấy",
        f"{paper['code']}: lấy trả lời qua chat",
    ]
    (taken,) = await harness.press(staff, f"{paper['code']}: lấy trả lời qua chat")
    assert taken.startswith(
        f"Đã lấy câu trả lời qua chat của hộ {paper['code']} trong đợt 1 năm 2026: "
    )
    assert await overall(harness, paper["round"]) == {1: 1}
    assert await holds(harness, paper["round"]) == [(1, "set_aside", 0), (0, None, 1)]
    entry = (await harness.services.access.audit_log())[-1]
    assert (entry.action, entry.outcome) == ("sheets.enter", "ok") and "keep chat" in entry.detail
    # Pressing again, or a forged press, changes nothing.
    before = await snapshot(harness.services.db)
    (again,) = await harness.press(staff, f"{paper['code']}: giữ phiếu giấy")
    assert "không còn câu trả lời nào chờ quyết định" in again
    assert await harness.press_raw(staff, f"x:p:{paper['round']}:{paper['code']}\n") == (
        "Nút bấm này không hợp lệ hoặc đã cũ. Gõ /survey để tiếp tục."
    )
    assert await snapshot(harness.services.db) == before


async def test_staff_keep_the_paper_sheet_and_others_cannot_decide(harness, clock) -> None:
    paper = await paper_household(harness, clock)
    stranger = harness.user(UID, "Lạ")
    await harness.send(stranger, f"/start h{paper['code']}")
    await answer_all(harness, stranger)
    await harness.services.access.grant(
        await tg_person(harness.services, OTHER_STAFF), Role.STAFF, commune=OTHER_COMMUNE
    )
    other = harness.user(OTHER_STAFF)
    await harness.send(other, "/help")
    before = await snapshot(harness.services.db)
    forged = f"x:c:{paper['round']}:{paper['code']}"
    for outsider in (stranger, other):
        assert await harness.press_raw(outsider, forged) == (
            "Nút bấm này không hợp lệ hoặc đã cũ. Gõ /survey để tiếp tục."
        )
    assert await snapshot(harness.services.db) == before
    staff = harness.user(STAFF)
    await harness.send(staff, "/conflicts")
    (kept,) = await harness.press(staff, f"{paper['code']}: giữ phiếu giấy")
    assert kept.startswith(f"Đã giữ phiếu giấy của hộ {paper['code']}")
    assert await overall(harness, paper["round"]) == {0: 1}
    assert await holds(harness, paper["round"]) == [(1, None, 1), (0, "set_aside", 0)]
    (listed,) = await harness.send(staff, "/conflicts")
    assert "đang chờ" not in listed
    # `ykien rescore` reproduces the kept counts from the rows, holds included.
    kept_counts = await scores_db.dump(harness.services.db.conn)
    await scores_db.rebuild(harness.services.db)
    assert await scores_db.dump(harness.services.db.conn) == kept_counts


async def test_a_chat_answer_started_before_the_sheet_and_finished_after_is_held(
    harness, clock
) -> None:
    s = harness.services
    await s.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    issued = await s.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 2)
    code = issued.households[0][0].code
    round_ = await s.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    member = harness.user(UID, "Lạ")
    await harness.send(member, f"/start h{code}")
    await harness.send(member, "/survey")
    await harness.press(member, "4 · Hài lòng")  # started, not finished
    survey = await s.rounds.survey(SURVEY)
    row = {"round": str(round_.id), "household": code, "tong_the": "0"}
    row |= {q.id: "4" for q in survey.questions if q.kind.value == "scale"}
    assert (await s.sheets.import_rows(Actor.operator(), [row])).imported == 1
    clock.advance(seconds=120)
    await answer_all(harness, member)  # finishes the same response
    assert await overall(harness, round_.id) == {0: 1}
    assert await holds(harness, round_.id) == [(0, "conflict", 0), (1, None, 1)]
