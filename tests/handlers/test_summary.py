"""Officers in chat: /summary, /report and /export through the real Application and sandbox."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from handlers.views import labels
from surveys.access import Role
from tests.conftest import COMMUNE, OTHER_COMMUNE, snapshot, table_counts, tg_person
from tests.summary_support import answer, open_round

OFFICER, STRANGER, RESIDENT = 500, 501, 502
PROVINCE = 12


async def _answered(harness, clock, n: int = 6, third: bool = False) -> None:
    services = harness.services
    await services.residents.add_villages(COMMUNE, ["Thôn Nà Pa", "Thôn Cốc Pa", "Thôn Pá Khoang"])
    await open_round(services, clock)
    for uid in range(1, n + 1):
        await answer(
            services,
            uid,
            village="Thôn Nà Pa",
            overall="0" if uid == 1 else "1",
            comment=f"Góp ý số {uid}",
        )
    await answer(services, 100, village="Thôn Cốc Pa", scale="1")  # a village of one
    for uid in range(200, 205) if third else ():  # five: hidden to protect Thôn Cốc Pa
        await answer(services, uid, village="Thôn Pá Khoang")
    await services.access.grant(await tg_person(services, OFFICER), Role.OFFICER, province=PROVINCE)


async def test_summary_message_and_chart(harness, clock) -> None:
    await _answered(harness, clock)
    officer = harness.user(OFFICER, "Hùng")
    replies = await harness.send(officer, "/summary xa tan uyen")
    assert "Xã Tân Uyên" in replies[0] and "Hài lòng chung: 85,7%" in replies[0]
    assert "Kết luận:" in replies[0] and "Thấp nhất:" in replies[0]
    photo = officer.messages[-1].photo
    assert photo is not None and photo.content.startswith(b"\x89PNG")
    entries = await harness.services.access.audit_log()
    assert (entries[-1].action, entries[-1].outcome) == ("summary.view", "ok")


async def test_summary_without_argument_uses_the_officers_province(harness, clock) -> None:
    await _answered(harness, clock)
    officer = harness.user(OFFICER)
    replies = await harness.send(officer, "/summary")
    assert "Lai Châu" in replies[0] and "Xã Tân Uyên: 85,7%" in replies[0]
    assert officer.messages[-1].photo.content.startswith(b"\x89PNG")


async def test_report_is_a_self_contained_html_document(harness, clock) -> None:
    await _answered(harness, clock)
    officer = harness.user(OFFICER)
    await harness.send(officer, "/report 3598")
    doc = officer.messages[-1].document
    assert doc is not None and doc.filename.endswith(".html")
    html = doc.content.decode("utf-8")
    assert "Hài lòng</th><th>Không hài lòng" in html
    assert "NGƯỜI TỔNG HỢP" in html and "KẾT QUẢ THAM KHẢO" in html and "size: A4" in html
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html
    assert "Thôn Nà Pa" in html and '<td>Thôn Cốc Pa</td><td class="n">ẩn</td>' in html
    assert "Góp ý số 3" in html  # 7 comments from 7 respondents: both reach k


async def test_export_sends_workbook_and_csv_with_suppression(harness, clock) -> None:
    await _answered(harness, clock, third=True)
    officer = harness.user(OFFICER)
    before = len(officer.messages)
    await harness.send(officer, "/export xa tan uyen")
    xlsx, csv_doc = (m.document for m in officer.messages[before:])
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == [
        labels.SHEET_VERDICT,
        labels.SHEET_SCORES,
        *labels.SHEET_CRITERIA.values(),
        labels.SHEET_VILLAGES,
        labels.SHEET_ANSWERS,
    ]
    verdict = dict(list(book[labels.SHEET_VERDICT].values)[1:])
    summary = await harness.services.rounds.summary(COMMUNE)
    score = summary.score
    assert verdict["Số trả lời (n)"] == score.respondents and verdict["Đơn vị đếm"] == "người"
    assert verdict["Tỷ lệ hài lòng chung"] == round(score.overall.share, 4)
    assert (verdict["Ngưỡng đạt (tỷ lệ chung)"], verdict["Ngưỡng mỗi câu"]) == (0.9, 0.7)
    words = {
        "dat": "Đạt",
        "can_chu_y": "Cần chú ý",
        "chua_dat": "Chưa đạt",
        "chua_du_mau": "Chưa đủ mẫu",
    }
    assert verdict["Kết luận"] == words[score.verdict.value]
    scores = book[labels.SHEET_SCORES]
    assert scores["A1"].comment is not None and scores["F1"].value == "Tỷ lệ hài lòng"
    villages = list(book[labels.SHEET_VILLAGES].values)
    assert ("Thôn Cốc Pa", 0, "ẩn", "ẩn", None, None) in villages
    assert ("Thôn Pá Khoang", 0, "ẩn", "ẩn", None, None) in villages  # the complement
    assert next((row[0], row[2]) for row in villages if row[0] == "Thôn Nà Pa") == ("Thôn Nà Pa", 6)
    answers = list(book[labels.SHEET_ANSWERS].values)
    assert answers[0][0] == labels.ANSWER_COLUMNS[0][0] and len(answers) == 1 + 6 * 12
    assert {row[1] for row in answers[1:]} == {"Thôn Nà Pa"}  # no row of a hidden village
    assert all(len(row[0]) == 16 for row in answers[1:])  # pseudonyms only, never an id
    rows = list(csv.reader(io.StringIO(csv_doc.content.decode("utf-8-sig"))))
    lead = len(labels.CSV_COMMUNE_COLUMNS)
    assert rows[0][lead] == "Mã câu" and len(rows) == 13  # header + 11 scale + overall


async def test_refusals_say_why_and_change_nothing(harness, clock) -> None:
    await _answered(harness, clock)
    await harness.services.access.grant(
        await tg_person(harness.services, STRANGER), Role.OFFICER, commune=OTHER_COMMUNE
    )
    cases = [
        (STRANGER, "/summary xa tan uyen", "không có quyền"),  # outside their scope
        (RESIDENT, "/summary xa tan uyen", "không có quyền"),  # no role at all
        (OFFICER, "/summary zzzqqq", "không tìm thấy"),
        (OFFICER, "/report tan uyen", "khớp với nhiều nơi"),
        (OFFICER, "/report 99999999", "không tìm thấy"),
        (STRANGER, "/export 3598", "không có quyền"),
    ]
    for uid, text, expected in cases:
        user = harness.user(uid)
        before, counts = (
            await snapshot(harness.services.db),
            await table_counts(harness.services.db),
        )
        replies = await harness.send(user, text)
        assert len(replies) == 1 and expected in replies[0].lower(), (text, replies)
        assert user.messages[-1].photo is None and user.messages[-1].document is None
        assert await snapshot(harness.services.db) == before
        counts_after = await table_counts(harness.services.db)
        refused = counts_after.pop("audit_log") - counts.pop("audit_log")
        refused += counts_after.pop("resident_actions") - counts.pop("resident_actions")
        # a refusal is audited (a resident's counted), nothing else
        assert counts_after == counts and refused in (0, 1)


async def test_round_without_answers_is_refused(harness, clock) -> None:
    await open_round(harness.services, clock, OTHER_COMMUNE)  # id 1: the commune's round is 2
    await open_round(harness.services, clock)
    await harness.services.access.grant(
        await tg_person(harness.services, OFFICER), Role.OFFICER, province=PROVINCE
    )
    officer = harness.user(OFFICER)
    before = await snapshot(harness.services.db)
    replies = await harness.send(officer, "/summary 3598")
    assert replies == ["Đợt 1 năm 2026 (mã đợt 2) chưa có câu trả lời nào: chưa có kết quả."]
    assert await snapshot(harness.services.db) == before


async def test_every_answer_dont_know_gives_no_figure(harness, clock) -> None:
    await open_round(harness.services, clock)
    for uid in range(1, 7):
        await answer(harness.services, uid, scale="0")
    await harness.services.access.grant(
        await tg_person(harness.services, OFFICER), Role.OFFICER, province=PROVINCE
    )
    officer = harness.user(OFFICER)
    before = await snapshot(harness.services.db)
    replies = await harness.send(officer, "/summary 3598")
    assert len(replies) == 1 and 'đều là "không biết"' in replies[0]
    assert "%" not in replies[0] and officer.messages[-1].photo is None
    assert await snapshot(harness.services.db) == before


async def test_every_village_under_k_is_said_in_chat(harness, clock) -> None:
    services = harness.services
    await services.residents.add_villages(COMMUNE, ["Thôn A", "Thôn B"])
    await open_round(services, clock)
    for uid in range(1, 9):
        await answer(services, uid, village="Thôn A" if uid % 2 else "Thôn B")
    await services.access.grant(await tg_person(services, OFFICER), Role.OFFICER, province=PROVINCE)
    officer = harness.user(OFFICER)
    replies = await harness.send(officer, "/summary 3598")
    assert "Không hiển thị theo thôn" in replies[0]
    await harness.send(officer, "/report 3598")
    html = officer.messages[-1].document.content.decode("utf-8")
    assert 'Thôn A</td><td class="n">ẩn</td>' in html and 'Thôn B</td><td class="n">ẩn' in html


async def test_province_report_and_export(harness, clock) -> None:
    await _answered(harness, clock)
    officer = harness.user(OFFICER)
    before = len(officer.messages)
    await harness.send(officer, "/report lai chau")
    await harness.send(officer, "/export 12")
    html, xlsx, csv_doc = (m.document for m in officer.messages[before:])
    assert "Xã Tân Uyên" in html.content.decode("utf-8") and html.filename.endswith(".html")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["C5"].value == "Xã Tân Uyên" and sheet["F5"].value == 7
    assert sheet["D4"].value == "Đợt" and sheet["D5"].value == "Đợt 1 năm 2026"
    assert sheet["E4"].value == "Mã đợt" and isinstance(sheet["E5"].value, int)
    assert csv_doc.content.startswith("\ufeff".encode())  # Excel on Windows reads it as UTF-8
    rows = list(csv.reader(io.StringIO(csv_doc.content.decode("utf-8-sig"))))
    # 6 of 7 "Có" is 85.7%: at least 80% but under 90%, so Cần chú ý
    lead = len(labels.CSV_PROVINCE_COLUMNS)
    assert rows[1][0] == "12" and rows[1][1].endswith("Lai Châu")
    assert rows[1][lead + 2] == "Xã Tân Uyên" and rows[1][lead + 9] == "Cần chú ý"
    assert rows[1][lead + 3] == "Đợt 1 năm 2026"


async def _state(harness, uid: int) -> list[tuple]:
    rows = await harness.services.db.conn.execute_fetchall(
        "SELECT state FROM chat_states WHERE resident_id = "
        "(SELECT resident_id FROM addresses WHERE channel = 'telegram' AND address = ?)",
        (str(uid),),
    )
    return [tuple(r) for r in rows]


async def test_summary_asks_for_a_name_typed_without_diacritics(harness, clock) -> None:
    await _answered(harness, clock)
    await harness.services.access.grant(
        await tg_person(harness.services, OFFICER), Role.OFFICER, commune=OTHER_COMMUNE
    )
    officer = harness.user(OFFICER)
    replies = await harness.send(officer, "/summary")  # two grants: which place?
    assert len(replies) == 1 and "Gõ tên xã, phường hoặc tỉnh" in replies[0]
    assert await _state(harness, OFFICER) == [("sum_name",)]
    replies = await harness.send(officer, "xa tan uyen")
    assert "Xã Tân Uyên" in replies[0] and "Hài lòng chung: 85,7%" in replies[0]
    assert officer.messages[-1].photo.content.startswith(b"\x89PNG")
    assert await _state(harness, OFFICER) == []  # the step is over
    entries = await harness.services.access.audit_log()
    assert (entries[-1].action, entries[-1].outcome) == ("summary.view", "ok")


async def test_typed_name_not_found_ends_the_step_and_changes_nothing(harness, clock) -> None:
    await _answered(harness, clock)
    officer = harness.user(OFFICER)
    await harness.send(officer, "/summary")  # the province table, then a commune may be typed
    assert await _state(harness, OFFICER) == [("sum_name",)]
    before = await snapshot(harness.services.db)
    replies = await harness.send(officer, "zzzqqq")
    assert replies == ['Không tìm thấy xã, phường hay tỉnh nào tên "zzzqqq".']
    after = await snapshot(harness.services.db)
    assert after.pop("chat_states") == [] and before.pop("chat_states") != []
    assert after == before  # only the pending step is gone


async def test_ambiguous_name_offers_candidates_as_buttons(harness, clock) -> None:
    await _answered(harness, clock)
    officer = harness.user(OFFICER)
    replies = await harness.send(officer, "/summary tan uyen")
    assert len(replies) == 1 and "khớp với nhiều nơi" in replies[0]
    buttons = [data for row in officer.messages[-1].buttons for _, data in row]
    assert f"m:c:{COMMUNE}" in buttons and len(buttons) >= 2
    assert await _state(harness, OFFICER) == [("sum_name",)]
    replies = await harness.press(officer, f"m:c:{COMMUNE}")
    assert "Xã Tân Uyên" in replies[0] and "Hài lòng chung: 85,7%" in replies[0]
    assert await _state(harness, OFFICER) == []
    # typing a clearer name after the candidates works too
    await harness.send(officer, "/summary tan uyen")
    replies = await harness.send(officer, "xa tan uyen")
    assert "Xã Tân Uyên" in replies[0], replies


async def test_candidate_buttons_are_checked(harness, clock) -> None:
    await _answered(harness, clock)
    await harness.services.access.grant(
        await tg_person(harness.services, STRANGER), Role.OFFICER, commune=OTHER_COMMUNE
    )
    officer, stranger = harness.user(OFFICER), harness.user(STRANGER)
    await harness.send(officer, "/summary tan uyen")
    before, counts = await snapshot(harness.services.db), await table_counts(harness.services.db)
    for data in ("m:c:99999999", "m:x:3598", "m:c:", "m:p:99999"):
        alert = await harness.press_raw(officer, data)
        assert "không hợp lệ" in alert.lower() or "không còn" in alert.lower(), (data, alert)
    assert await snapshot(harness.services.db) == before
    assert await table_counts(harness.services.db) == counts
    await harness.send(stranger, "/summary 3598")  # refused: outside their commune
    stranger_before = await table_counts(harness.services.db)
    replies = await harness.press_raw(stranger, f"m:c:{COMMUNE}")
    assert "không có quyền" in stranger.messages[-1].text.lower(), replies
    after = await table_counts(harness.services.db)
    assert after.pop("audit_log") == stranger_before.pop("audit_log") + 1  # the refusal
    assert after == stranger_before


async def test_a_commune_under_k_shows_no_count_in_chat(harness, clock) -> None:
    """Three households answered (k = 5): the chat says hidden and why, never the 3."""
    services = harness.services
    await open_round(services, clock)
    for uid in range(1, 4):
        await answer(services, uid)
    await services.access.grant(await tg_person(services, OFFICER), Role.OFFICER, province=PROVINCE)
    officer = harness.user(OFFICER)
    replies = await harness.send(officer, "/summary 3598")
    assert "Hài lòng chung: ẩn (dưới 5 người trả lời)" in replies[0]
    assert "Kết luận: Chưa đủ mẫu: dưới 5 người trả lời" in replies[0]
    assert "3 người" not in replies[0] and "theo thôn" not in replies[0]
    assert "Đợt 1 năm 2026" in replies[0] and "Thấp nhất" not in replies[0]
    await harness.send(officer, "/export 3598")
    xlsx = officer.messages[-2].document
    verdict = dict(list(load_workbook(io.BytesIO(xlsx.content))[labels.SHEET_VERDICT].values)[1:])
    assert verdict["Số trả lời (n)"] == "ẩn" and verdict["Lý do"].startswith("dưới 5 người")
    stored = await services.db.conn.execute_fetchall(
        "SELECT count(*) FROM answers WHERE value_int IS NOT NULL"
    )
    assert stored[0][0] == 3 * 12  # every answer stored and counted; only the outputs hide them
