"""Bad input on the e-sheet: a Vietnamese page, and nothing in the database changes."""

from __future__ import annotations

from datetime import timedelta

from storage import households as households_db
from surveys.web_sheet import BROWSER_LIMIT, COMMUNE_LIMIT
from tests.conftest import COMMUNE, OTHER_COMMUNE, snapshot
from tests.web.conftest import WebSheet


async def _web_rows(web: WebSheet) -> dict[str, list[tuple[object, ...]]]:
    out = await snapshot(web.services.db)
    for table in ("web_sessions", "web_submits"):
        rows = await web.services.db.conn.execute_fetchall(f"SELECT * FROM {table}")
        out[table] = [tuple(r) for r in rows]
    return out


async def _failures(web: WebSheet) -> dict[str, int]:
    rows = await web.services.db.conn.execute_fetchall("SELECT scope, failures FROM web_failures")
    return {r[0]: r[1] for r in rows}


async def test_wrong_code_changes_nothing_but_the_count(web: WebSheet) -> None:
    browser = await web.browser()
    await browser.get(f"/x/{COMMUNE}")
    before = await _web_rows(web)
    status, html = await browser.post(f"/x/{COMMUNE}", code="ABCDEFGHJK")
    assert status == 400 and "Mã hộ không đúng" in html
    status, html = await browser.get(f"/x/{COMMUNE}/ZZZZZZZZZZ")
    assert status == 400 and "Mã hộ không đúng" in html
    assert await _web_rows(web) == before
    assert await _failures(web) == {"browser": 2, "commune": 2}


async def test_another_communes_code_is_a_wrong_code(web: WebSheet) -> None:
    await web.services.residents.add_villages(OTHER_COMMUNE, ["Khu phố 1"])
    other = await web.services.households.issue(OTHER_COMMUNE, "Khu phố 1", 1)
    code = other.households[0][0].code
    browser = await web.browser()
    await browser.get(f"/x/{COMMUNE}")
    before = await _web_rows(web)
    status, html = await browser.post(f"/x/{COMMUNE}", code=code)
    assert status == 400 and "Mã hộ không đúng" in html
    # The right code with the wrong village: refused the same way.
    villages = await web.services.db.conn.execute_fetchall(
        "SELECT id FROM villages WHERE commune_code = ? AND name = 'Bản Phiêng'", (COMMUNE,)
    )
    status, html = await browser.post(
        f"/x/{COMMUNE}", code=web.households[0].code, village=str(villages[0][0])
    )
    assert status == 400 and "không thuộc thôn đã chọn" in html
    assert await _web_rows(web) == before


async def test_lockout_per_browser_then_per_commune(web: WebSheet) -> None:
    browser = await web.browser()
    await browser.get(f"/x/{COMMUNE}")
    for _ in range(BROWSER_LIMIT - 1):
        status, _html = await browser.post(f"/x/{COMMUNE}", code="ABCDEFGHJK")
        assert status == 400
    status, html = await browser.post(f"/x/{COMMUNE}", code="ABCDEFGHJK")
    assert status == 429 and "Tạm khóa nhập mã" in html
    before = await _web_rows(web)
    # Locked: even the right code opens nothing from this browser, and is not compared.
    status, html = await browser.post(f"/x/{COMMUNE}", code=web.households[0].code)
    assert status == 429 and await _web_rows(web) == before
    # Another browser still opens its household.
    other = await web.browser()
    status, html = await other.get(f"/x/{COMMUNE}/{web.households[0].code}")
    assert status == 200 and "Bắt đầu" in html
    # The lock ends after its time.
    web.clock.advance(minutes=16)
    status, html = await browser.post(f"/x/{COMMUNE}", code=web.households[0].code)
    assert status == 200 and "Bắt đầu" in html
    # Many browsers guessing lock the commune's code entry, in the database.
    for _n in range(COMMUNE_LIMIT):
        guesser = await web.browser()
        await guesser.get(f"/x/{COMMUNE}")
        status, _html = await guesser.post(f"/x/{COMMUNE}", code="ABCDEFGHJK")
        if status == 429:
            break
    assert status == 429
    rows = await web.services.db.conn.execute_fetchall(
        "SELECT locked_until FROM web_failures WHERE scope = 'commune'"
    )
    assert rows[0][0] is not None
    fresh = await web.browser()
    status, html = await fresh.get(f"/x/{COMMUNE}/{web.households[1].code}")
    assert status == 429 and "Tạm khóa" in html


async def test_post_without_the_csrf_token_is_refused(web: WebSheet) -> None:
    browser = await web.opened()
    before = await _web_rows(web)
    response = await browser.client.post("/s/q/0", data={"value": "4"})
    assert response.status == 403 and "Trang đã cũ" in await response.text()
    response = await browser.client.post("/s/q/0", data={"value": "4", "csrf": "0" * 64})
    assert response.status == 403
    assert await _web_rows(web) == before
    # A token of another browser does not work either.
    other = await web.opened(web.households[1])
    response = await browser.client.post("/s/q/0", data={"value": "4", "csrf": other.csrf})
    assert response.status == 403
    assert (await _web_rows(web))["answers"] == before["answers"]


async def test_tampered_question_index_or_value(web: WebSheet) -> None:
    browser = await web.opened()
    before = await _web_rows(web)
    for path, form in (
        ("/s/q/0", {"value": "7"}),
        ("/s/q/0", {"value": "4; DROP TABLE answers"}),
        ("/s/q/0", {"value": ""}),
        ("/s/q/99", {"value": "4"}),
        ("/s/q/-1", {"value": "4"}),
        ("/s/q/abc", {"value": "4"}),
        ("/s/q/0", {"text": "một ý kiến"}),  # a comment on a button question
    ):
        status, html = await browser.post(path, **form)
        assert status in (400, 404), path
        assert "không hợp lệ" in html or "Không tìm thấy" in html, path
        assert "Traceback" not in html
    # A later question than the next one: back to the next question, nothing stored.
    status, html = await browser.post("/s/q/3", value="4")
    assert status == 200 and "Câu 1/" in html
    assert await _web_rows(web) == before


async def test_oversized_comment_and_body(web: WebSheet) -> None:
    browser = await web.opened()
    survey = await web.services.answering.survey("ntm-2026")
    assert survey is not None
    for index, question in enumerate(survey.questions):
        if question.kind == "text":
            break
        await browser.post(f"/s/q/{index}", value="4" if question.kind == "scale" else "1")
    before = await _web_rows(web)
    status, html = await browser.post(f"/s/q/{index}", text="á" * 1001)
    assert status == 400 and "quá 1.000 ký tự" in html and "á" * 1001 in html
    status, html = await browser.post(f"/s/q/{index}", text="   ")
    assert status == 400 and "Ô ý kiến đang trống" in html
    status, html = await browser.post(f"/s/q/{index}", text="x" * 40_000)
    assert status == 413 and "quá dài" in html
    assert await _web_rows(web) == before


async def test_closed_and_not_yet_open_rounds_accept_nothing(web: WebSheet) -> None:
    browser = await web.opened()
    rounds = await web.services.rounds.list_for_commune(COMMUNE)
    await web.services.rounds.close(rounds[0].round.id)
    before = await _web_rows(web)
    status, html = await browser.post("/s/q/0", value="4")
    assert status == 409 and "Đợt lấy ý kiến đã đóng" in html
    status, html = await browser.get("/s")
    assert status == 409 and "đã đóng" in html
    assert await _web_rows(web) == before
    await web.services.rounds.open(COMMUNE, "ntm-2026", opens_at=web.clock() + timedelta(days=2))
    status, html = await browser.get("/s")
    assert status == 409 and "chưa mở" in html
    status, html = await browser.post("/s/start")
    assert status == 409 and "chưa mở" in html
    assert (await _web_rows(web))["responses"] == before["responses"]


async def test_replayed_and_double_submit_count_once(web: WebSheet) -> None:
    browser = await web.opened()
    survey = await web.services.answering.survey("ntm-2026")
    assert survey is not None
    status, html = await browser.post("/s/submit")  # nothing answered: back to question 1
    assert "Câu 1/" in html
    for index, question in enumerate(survey.questions):
        if question.kind == "text":
            await browser.post(f"/s/q/{index}", skip="1")
        else:
            await browser.post(f"/s/q/{index}", value="4" if question.kind == "scale" else "1")
    for _ in range(3):
        status, html = await browser.post("/s/submit")
        assert status == 200 and "Cảm ơn hộ gia đình" in html
    rows = await web.services.db.conn.execute_fetchall("SELECT count(*) FROM web_submits")
    assert rows[0][0] == 1
    counted = await web.services.db.conn.execute_fetchall(
        "SELECT count(*) FROM responses WHERE counted = 1"
    )
    assert counted[0][0] == 1
    # A second browser of the same household continues the same response.
    other = await web.opened()
    status, html = await other.get("/s")
    assert "Phiếu đã được gửi" in html
    assert await households_db.members(web.services.db.conn, web.households[0].id) == 1
