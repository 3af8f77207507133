"""A household answered on the web and in chat (issue 12): listed in /conflicts with each answer's
channel and completion time, which one counts and why (the latest complete one, or the paper
sheet that came first), and staff keep one channel; the counts follow household_pick."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer

from bot.cli import sheets as sheets_cli
from handlers.telegram import conflicts as conflicts_handler
from handlers.web.app import build_web_app
from storage import responses as responses_db
from storage import scores as scores_db
from storage.households import Household
from surveys.access import Actor, Role
from surveys.people import Address, Channel, zalo_address
from surveys.sheet_conflicts import Keep, Status, Why
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY, FakeClock, snapshot, tg_person
from tests.handlers.test_survey import answer_all
from tests.web.conftest import WebSheet

STAFF, OTHER_STAFF, MEMBER = 22, 23, 777_000_111
INVALID = "Nút bấm này không hợp lệ hoặc đã cũ. Gõ /survey để tiếp tục."
FORBIDDEN = (
    "Bạn không có quyền làm việc này ở đây. Lệnh này dành cho cán bộ của đúng xã, phường; nếu "
    "bạn là cán bộ, hãy xin quản trị viên một lời mời. Không có gì bị thay đổi."
)
LATEST = "phiếu hoàn thành sau cùng được tính (theo lần trả lời hoặc sửa cuối cùng)"


@pytest.fixture
async def web(harness, clock: FakeClock) -> AsyncIterator[WebSheet]:
    """The e-sheet served over HTTP around the harness's Services (as tests/web/conftest)."""
    s = harness.services
    await s.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    issued = await s.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 3)
    await s.rounds.open(COMMUNE, SURVEY, closes_at=clock() + timedelta(days=7))
    server = TestServer(build_web_app(s, secure=False), host="127.0.0.1", port=0)
    await server.start_server()
    sheet = WebSheet(s, clock, server, [h for h, _ in issued.households], [])
    yield sheet
    for b in sheet.browsers:
        await b.client.close()
    await server.close()


async def web_sheet(web: WebSheet, household: Household, scale: str, yesno: str):
    """The household completes its e-sheet; returns the browser (to come back later)."""
    browser = await web.opened(household)
    survey = await web.services.answering.survey(SURVEY)
    assert survey is not None
    for index, question in enumerate(survey.questions):
        if question.kind == "text":
            await browser.post(f"/s/q/{index}", skip="1")
            continue
        value = {"scale": scale, "yesno": yesno}.get(question.kind) or question.choices[0].code
        status, _ = await browser.post(f"/s/q/{index}", value=value)
        assert status == 200
    return browser


async def chat_member(harness, code: str):
    """A household member joins by the household link and answers everything (overall: Có)."""
    member = harness.user(MEMBER, "Hoa")
    await harness.send(member, f"/start h{code}")
    await answer_all(harness, member, comment=None)
    return member


async def holds(harness, household: Household) -> list[tuple]:
    """(channel, hold, counted) of the household's responses, oldest first."""
    rows = await harness.services.db.conn.execute_fetchall(
        "SELECT r.channel, r.hold, r.counted FROM responses r JOIN residents p "
        "ON p.id = r.resident_id WHERE p.household_id = ? ORDER BY r.id",
        (household.id,),
    )
    return [tuple(r) for r in rows]


async def overall(harness) -> dict[int, int]:
    """The overall question's counted values, kept and from the rule itself (they agree)."""
    conn = harness.services.db.conn
    (round_,) = await harness.services.rounds.list_for_commune(COMMUNE)
    live = await responses_db.value_counts(conn, round_.round.id)
    kept = await scores_db.round_counts(conn, round_.round.id)
    assert live.get("tong_the", {}) == kept.get("tong_the", {})
    return live["tong_the"]


async def staff_member(harness, telegram_id: int = STAFF, commune: int = COMMUNE):
    s = harness.services
    await s.access.grant(await tg_person(s, telegram_id), Role.STAFF, commune=commune)
    user = harness.user(telegram_id)
    await harness.send(user, "/help")
    return user


async def round_id(harness) -> int:
    (round_,) = await harness.services.rounds.list_for_commune(COMMUNE)
    return round_.round.id


async def test_a_web_sheet_then_a_chat_answer_is_listed_and_staff_keep_the_web(
    harness, web, clock
) -> None:
    household = web.households[0]
    browser = await web_sheet(web, household, scale="2", yesno="0")  # 10:00, not satisfied
    clock.advance(minutes=5)
    await chat_member(harness, household.code)  # 10:05, satisfied
    assert await holds(harness, household) == [("web", None, 0), ("chat", None, 1)]
    assert await overall(harness) == {1: 1}  # the latest complete one: the chat answer

    staff = await staff_member(harness)
    (listed,) = await harness.send(staff, "/conflicts")
    assert (
        f"Đợt 1 năm 2026:\n• Hộ {household.code}\n"
        "  – phiếu web, hoàn thành 10:00 23/11/2026: không tính (có phiếu hoàn thành sau hơn)\n"
        "  – Telegram, hoàn thành 10:05 23/11/2026: được tính\n"
        f"  → Được tính: Telegram, vì {LATEST}."
    ) in listed
    assert "Bấm nút bên dưới" in listed
    assert staff.last.labels() == [
        f"{household.code}: lấy trả lời qua chat",
        f"{household.code}: lấy phiếu web",
    ]

    # Time moves: the household changes an answer on the web; its sheet is now the latest.
    clock.advance(minutes=15)
    status, _ = await browser.post("/s/q/0", value="3")
    assert status == 200
    assert await holds(harness, household) == [("web", None, 1), ("chat", None, 0)]
    assert await overall(harness) == {0: 1}
    (listed,) = await harness.send(staff, "/conflicts")
    assert (
        "  – phiếu web, hoàn thành 10:00 23/11/2026, sửa lần cuối 10:20 23/11/2026: được tính\n"
        "  – Telegram, hoàn thành 10:05 23/11/2026: không tính (có phiếu hoàn thành sau hơn)\n"
        f"  → Được tính: phiếu web, vì {LATEST}."
    ) in listed

    (kept,) = await harness.press(staff, f"{household.code}: lấy phiếu web")
    assert kept == (
        f"Đã lấy phiếu web của hộ {household.code} trong đợt 1 năm 2026: phiếu này được tính, "
        "1 phiếu qua kênh khác được để riêng, không tính."
    )
    assert await holds(harness, household) == [("web", None, 1), ("chat", "set_aside", 0)]
    assert await overall(harness) == {0: 1}
    entry = (await harness.services.access.audit_log())[-1]
    assert (entry.action, entry.outcome) == ("sheets.enter", "ok")
    assert entry.detail == f"conflict {household.code} round {await round_id(harness)} keep web"
    (listed,) = await harness.send(staff, "/conflicts")
    assert "  – Telegram, hoàn thành 10:05 23/11/2026: cán bộ để riêng, không tính\n" in listed
    assert "→ Được tính: phiếu web, vì cán bộ đã quyết định giữ kênh này" in listed
    assert "Bấm nút" not in listed and staff.last.labels() == []
    # `ykien rescore` reproduces the kept counts from the rows, decisions included.
    kept_counts = await scores_db.dump(harness.services.db.conn)
    await scores_db.rebuild(harness.services.db)
    assert await scores_db.dump(harness.services.db.conn) == kept_counts
    # The stale button changes nothing.
    before = await snapshot(harness.services.db)
    (again,) = await harness.press(staff, f"{household.code}: lấy trả lời qua chat")
    assert "không còn câu trả lời nào chờ quyết định" in again
    assert await snapshot(harness.services.db) == before


async def test_a_chat_answer_then_a_web_sheet_counts_the_web_and_staff_keep_the_chat(
    harness, web, clock
) -> None:
    household = web.households[1]
    await chat_member(harness, household.code)  # 10:00, satisfied
    clock.advance(minutes=3)
    await web_sheet(web, household, scale="2", yesno="0")  # 10:03
    assert await holds(harness, household) == [("chat", None, 0), ("web", None, 1)]
    assert await overall(harness) == {0: 1}
    listed = await harness.services.conflicts.listed(Actor.operator(), await round_id(harness))
    (conflict,) = listed
    assert (conflict.code, conflict.why, conflict.choices) == (
        household.code,
        Why.LATEST,
        [Keep.CHAT, Keep.WEB],
    )
    assert [(a.channel, a.status) for a in conflict.answers] == [
        (Keep.CHAT, Status.OLDER),
        (Keep.WEB, Status.COUNTED),
    ]

    staff = await staff_member(harness)
    await harness.send(staff, "/conflicts")
    (taken,) = await harness.press(staff, f"{household.code}: lấy trả lời qua chat")
    assert taken.startswith(f"Đã lấy câu trả lời qua chat của hộ {household.code} trong đợt 1")
    assert await holds(harness, household) == [("chat", None, 1), ("web", "set_aside", 0)]
    assert await overall(harness) == {1: 1}


async def test_ykien_sheets_conflicts_and_decide_for_web_and_chat(harness, web, clock) -> None:
    household = web.households[0]
    await web_sheet(web, household, scale="2", yesno="0")
    clock.advance(minutes=5)
    await chat_member(harness, household.code)
    services, rid = harness.services, await round_id(harness)
    out = await sheets_cli.conflicts(services, argparse.Namespace(round=rid))
    assert out.splitlines()[:5] == [
        f"Đợt 1 năm 2026 (mã đợt {rid}), hộ {household.code}: trả lời qua phiếu web, Telegram",
        "  - phiếu web, hoàn thành 10:00 23/11/2026: không tính (có phiếu hoàn thành sau hơn)",
        "  - Telegram, hoàn thành 10:05 23/11/2026: được tính",
        f"  Được tính: Telegram, vì {LATEST}.",
        f"  Quyết định: ykien sheets decide --round {rid} --household {household.code} "
        "--keep chat|web",
    ]
    decide = argparse.Namespace(round=rid, household=household.code.lower(), keep="web")
    done = await sheets_cli.decide(services, decide)
    assert done == (
        f"Đợt 1 năm 2026 (mã đợt {rid}), hộ {household.code}: lấy phiếu web; 1 phiếu qua kênh "
        "khác được để riêng, không tính."
    )
    assert await holds(harness, household) == [("web", None, 1), ("chat", "set_aside", 0)]
    out = await sheets_cli.conflicts(services, argparse.Namespace(round=rid))
    assert "Quyết định:" not in out
    assert "  Được tính: phiếu web, vì cán bộ đã quyết định giữ kênh này" in out
    other = await sheets_cli.conflicts(services, argparse.Namespace(round=rid + 99))
    assert (
        other
        == f"Mã đợt {rid + 99}: không có hộ nào trả lời qua hai kênh (phiếu giấy, chat, web, Zalo)."
    )


async def test_paper_then_web_is_held_and_staff_take_the_web(harness, web, clock) -> None:
    household = web.households[2]
    survey = await harness.services.rounds.survey(SURVEY)
    row = {"round": str(await round_id(harness)), "household": household.code, "tong_the": "1"}
    row |= {q.id: "4" for q in survey.questions if q.kind.value == "scale"}
    assert (await harness.services.sheets.import_rows(Actor.operator(), [row])).imported == 1
    clock.advance(minutes=10)
    await web_sheet(web, household, scale="2", yesno="0")  # after the paper sheet: held
    assert await holds(harness, household) == [("paper", None, 1), ("web", "conflict", 0)]
    staff = await staff_member(harness)
    (listed,) = await harness.send(staff, "/conflicts")
    assert (
        f"• Hộ {household.code}\n"
        "  – phiếu giấy, hoàn thành 10:00 23/11/2026: được tính\n"
        "  – phiếu web, hoàn thành 10:10 23/11/2026: "
        "đang chờ cán bộ quyết định (đến sau phiếu giấy)\n"
        "  → Được tính: phiếu giấy, vì hộ đã nộp phiếu giấy trước"
    ) in listed
    assert staff.last.labels() == [
        f"{household.code}: giữ phiếu giấy",
        f"{household.code}: lấy phiếu web",
    ]
    (taken,) = await harness.press(staff, f"{household.code}: lấy phiếu web")
    assert taken.startswith(f"Đã lấy phiếu web của hộ {household.code}")
    assert await holds(harness, household) == [("paper", "set_aside", 0), ("web", None, 1)]
    assert await overall(harness) == {0: 1}


async def test_staff_of_another_commune_and_forged_presses_change_nothing(
    harness, web, clock
) -> None:
    household = web.households[0]
    await web_sheet(web, household, scale="2", yesno="0")
    clock.advance(minutes=5)
    member = await chat_member(harness, household.code)
    rid = await round_id(harness)
    staff = await staff_member(harness)
    other = await staff_member(harness, OTHER_STAFF, OTHER_COMMUNE)
    before = await snapshot(harness.services.db)
    assert await harness.send(other, f"/conflicts {COMMUNE}") == [FORBIDDEN]
    assert await harness.send(member, "/conflicts") == [FORBIDDEN]
    for outsider in (other, member):
        assert await harness.press_raw(outsider, f"x:w:{rid}:{household.code}") == INVALID
    for forged in (f"x:q:{rid}:{household.code}", f"x:w:{rid}:{household.code}:1", "x:w::"):
        assert await harness.press_raw(staff, forged) == INVALID
    # The right staff keep a channel the household did not answer on: said, nothing changes.
    await harness.send(staff, "/conflicts")
    staff.press_raw(staff.last.message_id, f"x:z:{rid}:{household.code}")
    await harness.pump()
    assert staff.last.text == (
        f"Hộ {household.code} không có Zalo nào để giữ trong đợt 1 năm 2026. "
        "Không có gì bị thay đổi."
    )
    assert await snapshot(harness.services.db) == before
    assert await holds(harness, household) == [("web", None, 0), ("chat", None, 1)]


async def test_a_zalo_answer_and_a_chat_answer_of_one_household(harness, web, clock) -> None:
    """Zalo answers go through the same rule (the Zalo conversation writes channel 'zalo')."""
    household = web.households[0]
    await chat_member(harness, household.code)
    clock.advance(minutes=5)
    s = harness.services
    await s.households.join(Address(Channel.ZALO, zalo_address("4318", "7100")), "", household.code)
    person = await s.people.find(Channel.ZALO, zalo_address("4318", "7100"))
    assert person is not None
    rid = await round_id(harness)
    survey = await s.rounds.survey(SURVEY)
    async with s.db.transaction() as conn:  # what the Zalo conversation stores, answer by answer
        response = await responses_db.get_or_create(conn, rid, person, s.env.now(), "zalo")
        for q in survey.questions:
            value = {"scale": 3, "yesno": 0}.get(q.kind.value)
            await responses_db.upsert_answer(
                conn, response.id, q.id, value_int=value, value_text=None,
                skipped=value is None, now=s.env.now(),
            )  # fmt: skip
        await responses_db.mark_completed(conn, response.id, s.env.now())
    assert await holds(harness, household) == [("chat", None, 0), ("zalo", None, 1)]
    staff = await staff_member(harness)
    (listed,) = await harness.send(staff, "/conflicts")
    assert f"  → Được tính: Zalo, vì {LATEST}." in listed
    assert staff.last.labels() == [
        f"{household.code}: lấy trả lời qua chat",
        f"{household.code}: lấy trả lời qua Zalo",
    ]
    decision = await s.conflicts.decide(Actor.operator(), rid, household.code, Keep.CHAT)
    assert decision.decided == 1
    assert await holds(harness, household) == [("chat", None, 1), ("zalo", "set_aside", 0)]
    assert await overall(harness) == {1: 1}


async def test_a_web_sheet_held_while_still_being_answered(harness, web, clock) -> None:
    """After the paper sheet the household starts its web sheet: listed as held at once, but
    staff can take it only once it is finished."""
    household = web.households[2]
    rid = await round_id(harness)
    survey = await harness.services.rounds.survey(SURVEY)
    row = {"round": str(rid), "household": household.code, "tong_the": "1"}
    row |= {q.id: "4" for q in survey.questions if q.kind.value == "scale"}
    assert (await harness.services.sheets.import_rows(Actor.operator(), [row])).imported == 1
    clock.advance(minutes=10)
    browser = await web.opened(household)
    assert (await browser.post("/s/q/0", value="2"))[0] == 200
    assert await holds(harness, household) == [("paper", None, 1), ("web", "conflict", 0)]
    staff = await staff_member(harness)
    (listed,) = await harness.send(staff, "/conflicts")
    assert "  – phiếu web, đang trả lời dở: đang chờ cán bộ quyết định" in listed
    assert staff.last.labels() == [f"{household.code}: giữ phiếu giấy"]
    before = await snapshot(harness.services.db)
    staff.press_raw(staff.last.message_id, f"x:w:{rid}:{household.code}")
    await harness.pump()
    assert staff.last.text.startswith(f"Hộ {household.code} không có phiếu web nào để giữ")
    assert await snapshot(harness.services.db) == before
    clock.advance(minutes=5)
    await web_sheet(web, household, scale="2", yesno="0")  # the same sheet, now finished
    await harness.send(staff, "/conflicts")
    assert staff.last.labels() == [
        f"{household.code}: giữ phiếu giấy",
        f"{household.code}: lấy phiếu web",
    ]
    (kept,) = await harness.press(staff, f"{household.code}: giữ phiếu giấy")
    assert kept.startswith(f"Đã giữ phiếu giấy của hộ {household.code}")
    assert await holds(harness, household) == [("paper", None, 1), ("web", "set_aside", 0)]
    assert await overall(harness) == {1: 1}


def test_a_long_listing_is_split_at_line_ends() -> None:
    lines = [f"• Hộ {i:04d} " + "x" * 90 + "\n" for i in range(200)]
    parts = conflicts_handler._chunks("".join(lines))
    assert len(parts) > 1 and all(len(p) <= conflicts_handler.LIMIT for p in parts)
    assert "".join(parts) == "".join(lines) and all(p.endswith("\n") for p in parts)
