"""Staff type a paper sheet in chat (/sheet): code, one tap per question, summary, confirm.

The sheet is stored exactly like a `ykien sheets import` row; nothing is stored before the
confirmation; every refusal is checked against the reply and the database."""

from __future__ import annotations

import json
import re

import pytest

from surveys.access import Actor, Role
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY, snapshot, table_counts, tg_person

STAFF, RESIDENT = 22, 31
INVALID = (
    "Nút này không hợp lệ hoặc đã cũ (phiếu đã lưu, đã hủy hoặc đang nhập phiếu khác). Gõ /sheet "
    "để nhập phiếu. Không có gì bị thay đổi."
)
FORBIDDEN = (
    "Bạn không có quyền làm việc này ở đây. Lệnh này dành cho cán bộ của đúng xã, phường; nếu "
    "bạn là cán bộ, hãy xin quản trị viên một lời mời. Không có gì bị thay đổi."
)


@pytest.fixture
async def setup(harness) -> dict:
    s = harness.services
    await s.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    await s.residents.add_villages(OTHER_COMMUNE, ["Khu phố 1"])
    own = await s.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 3)
    other = await s.households.issue(Actor.operator(), OTHER_COMMUNE, "Khu phố 1", 1)
    await s.rounds.open(OTHER_COMMUNE, SURVEY)  # its id is 1, so the commune's round differs
    round_ = await s.rounds.open(COMMUNE, SURVEY)  # id 2, the commune's "Đợt 1 năm 2026"
    assert round_.id == 2
    await s.access.grant(await tg_person(s, STAFF), Role.STAFF, commune=COMMUNE)
    return {
        "codes": [h.code for h, _ in own.households],
        "households": [h for h, _ in own.households],
        "other": other.households[0][0].code,
        "round": round_.id,
        "survey": await s.rounds.survey(SURVEY),
    }


async def state(harness) -> dict:
    found = await harness.services.db.conn.execute_fetchall(
        "SELECT state, data FROM chat_states c JOIN addresses a ON a.resident_id = c.resident_id "
        "WHERE a.channel = 'telegram' AND a.address = ?",
        (str(STAFF),),
    )
    return {"state": found[0][0], **json.loads(found[0][1])} if found else {}


async def fill(harness, user, survey, *, comment: str | None = "Đường làng cần sửa") -> list[str]:
    """Answers every question with a tap (4 on scales, 'Có'); the comment is typed or skipped."""
    replies: list[str] = []
    for q in survey.questions:
        if q.kind.value == "scale":
            replies = await harness.press(user, "4 · Hài lòng")
        elif q.kind.value == "yesno":
            replies = await harness.press(user, "Có")
        elif comment is None:
            replies = await harness.press(user, "Bỏ qua")
        else:
            replies = await harness.send(user, comment)
    return replies


async def stored(harness, household_id: int) -> list[tuple]:
    rows = await harness.services.db.conn.execute_fetchall(
        "SELECT a.question_id, a.value_int, a.value_text, a.skipped, r.completed_at IS NOT NULL "
        "FROM answers a JOIN responses r ON r.id = a.response_id "
        "JOIN residents p ON p.id = r.resident_id WHERE p.household_id = ? "
        "AND r.channel = 'paper' ORDER BY a.question_id",
        (household_id,),
    )
    return [tuple(r) for r in rows]


async def test_a_sheet_typed_in_chat_is_stored_like_an_imported_one(harness, setup) -> None:
    staff = harness.user(STAFF)
    code = setup["codes"][0]
    assert (await harness.send(staff, "/sheet"))[0].startswith("Nhập phiếu giấy: gõ mã hộ")
    typed = f"{code[:4].lower()} {code[4:].lower()}"  # as read aloud from the sheet
    (first,) = await harness.send(staff, typed)
    assert f"Phiếu giấy hộ {code} · Câu 1/13" in first
    before = await table_counts(harness.services.db)
    (summary,) = await fill(harness, staff, setup["survey"])
    assert summary.startswith(f"Phiếu giấy hộ {code}, đợt 1 năm 2026\n")
    assert "?: Đường làng cần sửa\n" in summary and "…: 4 · Hài lòng\n" in summary
    assert "Chưa có gì được lưu" in summary
    assert await table_counts(harness.services.db) == before  # nothing stored before confirm
    (saved,) = await harness.press(staff, "Lưu phiếu")
    assert saved.startswith(f"Đã lưu phiếu giấy của hộ {code} cho đợt 1 năm 2026.")
    assert await state(harness) == {}
    in_chat = await stored(harness, setup["households"][0].id)

    # The same sheet through `ykien sheets import` (SheetService.import_rows) for household 2.
    row = {"round": str(setup["round"]), "household": setup["codes"][1]}
    row |= {q.id: "4" for q in setup["survey"].questions if q.kind.value == "scale"}
    row |= {"tong_the": "1", "gop_y": "Đường làng cần sửa"}
    result = await harness.services.sheets.import_rows(Actor.operator(), [row])
    assert result.imported == 1
    assert await stored(harness, setup["households"][1].id) == in_chat
    assert len(in_chat) == 13 and all(r[4] for r in in_chat)
    entry = (await harness.services.access.audit_log())[-1]
    assert (entry.action, entry.commune_code, entry.outcome) == ("sheets.enter", COMMUNE, "ok")


async def test_paper_and_chat_answers_count_once_and_conflicts_are_listed(
    harness, setup, clock
) -> None:
    code = setup["codes"][0]
    resident = harness.user(RESIDENT, "Hoa")
    await harness.send(resident, f"/start h{code}")
    await harness.press(resident, "Bắt đầu khảo sát")
    await fill(harness, resident, setup["survey"], comment=None)
    clock.advance(seconds=120)  # the flood limit counts per person per window
    staff = harness.user(STAFF)
    await harness.send(staff, f"/sheet {code}")
    await fill(harness, staff, setup["survey"], comment=None)
    (saved,) = await harness.press(staff, "Lưu phiếu")
    assert "Hộ này cũng đã trả lời qua chat" in saved
    assert "không bao giờ tính hai lần" in saved
    (listed,) = await harness.send(staff, "/conflicts")
    assert re.search(
        rf"Đợt 1 năm 2026:\n• Hộ {code}\n"
        r"  – Telegram, hoàn thành (\d\d:\d\d [\d/]+): không tính \(có phiếu hoàn thành sau hơn\)\n"
        r"  – phiếu giấy, hoàn thành (\d\d:\d\d [\d/]+): được tính\n"
        r"  → Được tính: phiếu giấy, vì phiếu hoàn thành sau cùng được tính",
        listed,
    )
    # Nothing is held (the paper sheet came last), but staff may still keep either channel.
    assert staff.last.labels() == [f"{code}: giữ phiếu giấy", f"{code}: lấy trả lời qua chat"]
    assert await harness.services.sheets.conflicts(setup["round"]) == [(code, 1, 1)]
    counted = await harness.services.db.conn.execute_fetchall(
        "SELECT count(DISTINCT p.household_id) FROM responses r JOIN residents p "
        "ON p.id = r.resident_id WHERE r.round_id = ? AND r.completed_at IS NOT NULL",
        (setup["round"],),
    )
    assert counted[0][0] == 1
    # The kept aggregates (what every summary reads) count the household once, too.
    summary = await harness.services.rounds.summary(COMMUNE, setup["round"])
    assert (summary.score.suppressed, summary.households) == (True, 3)  # 1 < k: hidden
    from storage import scores as scores_db

    kept = await scores_db.round_counts(harness.services.db.conn, setup["round"])
    assert sum(kept["tong_the"].values()) == 1


async def test_conflicts_when_there_are_none_and_for_other_people(harness, setup) -> None:
    staff = harness.user(STAFF)
    (none,) = await harness.send(staff, "/conflicts")
    assert none == (
        f"Xã {COMMUNE} chưa có hộ nào trả lời qua hai kênh trong cùng một đợt "
        "(phiếu giấy, chat, web, Zalo)."
    )
    before = await snapshot(harness.services.db)
    assert await harness.send(staff, f"/conflicts {OTHER_COMMUNE}") == [FORBIDDEN]
    assert await harness.send(harness.user(RESIDENT), "/conflicts") == [FORBIDDEN]
    assert await snapshot(harness.services.db) == before


async def refused_typing(harness, text: str) -> tuple[list[str], dict]:
    """Types `text` as the household code after /sheet; the reply and what changed."""
    staff = harness.user(STAFF)
    await harness.send(staff, "/sheet")
    db = harness.services.db
    before = await snapshot(db), await table_counts(db)
    replies = await harness.send(staff, text)
    return replies, {"same": (await snapshot(db), await table_counts(db)) == before}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AAAAAAAA", "Không có hộ gia đình nào mã AAAAAAAA. Kiểm tra lại mã trên phiếu"),
        ("xin chào", "«xin chào» không phải là mã hộ gia đình"),
        ("0OIL1ABC", "«0OIL1ABC» không phải là mã hộ gia đình"),
    ],
)
async def test_unknown_or_malformed_code_changes_nothing(harness, setup, text, expected) -> None:
    (reply,), changed = await refused_typing(harness, text)
    assert reply.startswith(expected) and reply.endswith("Không có gì bị thay đổi.")
    assert changed["same"]
    assert (await state(harness))["state"] == "sheet_code"  # the staff member can type again


async def test_code_of_another_commune_is_refused_and_audited(harness, setup) -> None:
    db = harness.services.db
    staff = harness.user(STAFF)
    await harness.send(staff, "/sheet")
    before, counts = await snapshot(db), await table_counts(db)
    (reply,) = await harness.send(staff, setup["other"])
    # The same answer as a code that does not exist: a code is a secret, its existence too.
    (unknown,) = await harness.send(staff, "ABCDEFGHJK")
    assert reply.replace(setup["other"], "ABCDEFGHJK") == unknown
    assert reply.startswith(f"Không có hộ gia đình nào mã {setup['other']}.")
    assert await snapshot(db) == before
    assert await table_counts(db) == counts | {"audit_log": counts["audit_log"] + 1}
    entry = (await harness.services.access.audit_log())[-1]
    assert (entry.action, entry.commune_code, entry.outcome) == (
        "sheets.enter",
        OTHER_COMMUNE,
        "refused",
    )


async def test_no_open_round(harness, setup) -> None:
    await harness.services.rounds.close(setup["round"])
    db = harness.services.db
    staff = harness.user(STAFF)
    before = await table_counts(db)
    (reply,) = await harness.send(staff, f"/sheet {setup['codes'][0]}")
    assert "chưa có đợt lấy ý kiến nào đang mở" in reply and reply.endswith("thay đổi.")
    assert await table_counts(db) == before and await state(harness) == {}


async def test_non_staff_are_refused_and_nothing_changes(harness, setup) -> None:
    db = harness.services.db
    before, counts = await snapshot(db), await table_counts(db)
    for text in ("/sheet", f"/sheet {setup['codes'][0]}"):
        assert await harness.send(harness.user(RESIDENT), text) == [FORBIDDEN]
    assert await snapshot(db) == before
    # a resident's refusals are counted (one row for the day and action), not logged
    assert await table_counts(db) == counts | {"resident_actions": counts["resident_actions"] + 1}


async def test_existing_paper_sheet_offers_replace_or_cancel(harness, setup, clock) -> None:
    staff = harness.user(STAFF)
    code, household = setup["codes"][0], setup["households"][0]
    await harness.send(staff, f"/sheet {code}")
    await fill(harness, staff, setup["survey"], comment=None)
    await harness.press(staff, "Lưu phiếu")
    first = await stored(harness, household.id)
    clock.advance(seconds=120)
    db = harness.services.db
    before, counts = await snapshot(db), await table_counts(db)
    (offer,) = await harness.send(staff, f"/sheet {code}")
    assert offer.startswith(f"Hộ {code} đã có phiếu giấy trong đợt 1 năm 2026.")
    (cancelled,) = await harness.press(staff, "Hủy phiếu này")
    assert cancelled.startswith(f"Đã hủy: phiếu của hộ {code} không được lưu.")
    assert (await snapshot(db), await table_counts(db)) == (before, counts)

    await harness.send(staff, f"/sheet {code}")
    await harness.press(staff, "Nhập lại, thay phiếu cũ")
    for q in setup["survey"].questions:
        label = {"scale": "2 · Không hài lòng", "yesno": "Không", "text": "Bỏ qua"}
        await harness.press(staff, label[q.kind.value])
    (saved,) = await harness.press(staff, "Lưu phiếu")
    assert ", thay phiếu cũ." in saved
    second = await stored(harness, household.id)
    assert len(second) == len(first) == 13
    assert {r[1] for r in second if r[0] != "gop_y"} == {2, 0}
    assert (await table_counts(db))["responses"] == counts["responses"]  # replaced, not added


async def test_cancel_midway_stores_nothing(harness, setup) -> None:
    staff = harness.user(STAFF)
    db = harness.services.db
    before, counts = await snapshot(db), await table_counts(db)
    await harness.send(staff, f"/sheet {setup['codes'][0]}")
    for _ in range(5):
        await harness.press(staff, "5 · Rất hài lòng")
    (reply,) = await harness.send(staff, "/cancel")
    assert reply.startswith("Đã hủy thao tác đang làm.")
    assert (await snapshot(db), await table_counts(db)) == (before, counts)
    assert await harness.press_raw(staff, "k:a:00000000:5:4") == INVALID


async def test_forged_stale_and_replayed_buttons_change_nothing(harness, setup, clock) -> None:
    staff = harness.user(STAFF)
    code = setup["codes"][0]
    await harness.send(staff, f"/sheet {code}")
    await harness.press(staff, "3 · Bình thường")  # question 1 answered; question 2 is asked
    token = (await state(harness))["t"]
    db = harness.services.db
    before, counts = await snapshot(db), await table_counts(db)
    forged = [
        f"k:a:{token}:0:4",  # replay of question 1
        f"k:a:{token}:2:4",  # a question not yet asked
        f"k:a:{token}:1:9",  # not a value of the question
        f"k:a:{token}:1:x",
        f"k:s:{token}:1",  # a scale question cannot be skipped
        f"k:ok:{token}",  # save before the last answer
        f"k:r:{token}",  # replace when nothing is to be replaced
        "k:a:ffffffff:1:4",  # another entry's token
        *([f"k:a:{token.upper()}:1:4"] if token.upper() != token else []),  # digits only: same
        f"k:a:{'1' if token[0] == '0' else '0'}{token[1:]}:1:4",  # one character off
        f"k:a:{token}:01:4:5",
        "k:zz",
        "k:" + "a" * 70,
    ]
    for data in forged:
        assert await harness.press_raw(staff, data) == INVALID, data
    assert (await snapshot(db), await table_counts(db)) == (before, counts)

    clock.advance(seconds=120)  # past the flood limit the forged presses reached
    summary = await fill_rest(harness, staff, setup)
    assert summary.startswith(f"Phiếu giấy hộ {code}")
    await harness.press(staff, "Lưu phiếu")
    after = await table_counts(db)
    for data in (f"k:ok:{token}", f"k:a:{token}:12:4", f"k:x:{token}"):
        assert await harness.press_raw(staff, data) == INVALID  # replayed after saving
    assert await table_counts(db) == after


async def fill_rest(harness, staff, setup) -> str:
    replies: list[str] = []
    for q in setup["survey"].questions[1:]:
        replies = await harness.press(
            staff, {"scale": "4 · Hài lòng", "yesno": "Có"}.get(q.kind.value, "Bỏ qua")
        )
    return replies[0]


async def test_typed_text_where_a_tap_is_expected_and_bad_comment(harness, setup) -> None:
    staff = harness.user(STAFF)
    await harness.send(staff, f"/sheet {setup['codes'][0]}")
    db = harness.services.db
    before = await snapshot(db)
    replies = await harness.send(staff, "4")
    assert replies[0].startswith("Hãy bấm một nút ở tin nhắn dưới đây")
    assert "Câu 1/13" in replies[1]
    assert await snapshot(db) == before
    for q in setup["survey"].questions[:-1]:
        await harness.press(
            staff, {"scale": "1 · Rất không hài lòng", "yesno": "Không"}[q.kind.value]
        )
    before = await snapshot(db)
    replies = await harness.send(staff, "x" * 1001)
    assert replies[0].startswith("Ý kiến phải có từ 1 đến 1.000 ký tự.")
    assert "Câu 13/13" in replies[1]
    assert await snapshot(db) == before


async def test_round_closed_or_role_revoked_before_saving(harness, setup) -> None:
    staff = harness.user(STAFF)
    await harness.send(staff, f"/sheet {setup['codes'][0]}")
    await fill(harness, staff, setup["survey"], comment=None)
    await harness.services.rounds.close(setup["round"])
    before = await table_counts(harness.services.db)
    (reply,) = await harness.press(staff, "Lưu phiếu")
    assert reply.startswith("Đợt 1 năm 2026 đã đóng trong lúc nhập")
    assert await table_counts(harness.services.db) == before | {
        "chat_states": before["chat_states"] - 1
    }


async def test_role_revoked_midway(harness, setup) -> None:
    staff = harness.user(STAFF)
    await harness.send(staff, f"/sheet {setup['codes'][0]}")
    (grant,) = await harness.services.access.grants(STAFF)
    await harness.services.access.revoke(grant.id)
    before = await stored(harness, setup["households"][0].id)
    answers = len(staff.callback_answers)
    await harness.press(staff, "4 · Hài lòng")
    assert staff.callback_answers[answers].startswith("Bạn không có quyền làm việc này")
    assert await stored(harness, setup["households"][0].id) == before
    assert await state(harness) == {}
