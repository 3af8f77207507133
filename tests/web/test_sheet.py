"""A household answers its sheet over HTTP: notice, one question per page, review, submit."""

from __future__ import annotations

from storage import responses as responses_db
from tests.conftest import COMMUNE
from tests.web.conftest import WebSheet


async def _answers(web: WebSheet) -> dict[str, object]:
    rows = await web.services.db.conn.execute_fetchall(
        "SELECT a.question_id, coalesce(a.value_int, a.value_text), a.skipped FROM answers a "
        "JOIN responses r ON r.id = a.response_id JOIN residents p ON p.id = r.resident_id "
        "WHERE p.household_id = ?",
        (web.households[0].id,),
    )
    return {r[0]: None if r[2] else r[1] for r in rows}


async def test_household_completes_changes_and_submits(web: WebSheet) -> None:
    browser = await web.browser()
    status, html = await browser.get(f"/x/{COMMUNE}/{web.households[0].code}")
    assert status == 200
    assert "Xã Tân Uyên" in html and "Không lưu tên" in html and "Bắt đầu" in html
    status, html = await browser.post("/s/start")
    assert "Câu 1/" in html and "1 · Rất không hài lòng" in html
    assert "Không biết / không sử dụng" in html
    total = int(html.split("Câu 1/")[1].split("<")[0])
    for index in range(total):
        status, html = await browser.get("/s")
        assert f"Câu {index + 1}/{total}" in html, index
        if 'name="text"' in html:
            status, html = await browser.post(f"/s/q/{index}", text="  Đường thôn cần đèn  ")
        elif 'value="4"' in html:
            status, html = await browser.post(f"/s/q/{index}", value="4")
        else:
            status, html = await browser.post(f"/s/q/{index}", value="1")
        assert status == 200, html
    assert "Xem lại phiếu" in html and "Sửa" in html
    answers = await _answers(web)
    assert len(answers) == total and "Đường thôn cần đèn" in answers.values()
    # Sửa câu 1: the answered question shows its answer; the change goes back to the review.
    status, html = await browser.get("/s/q/0")
    assert 'class="chosen"' in html and "« Câu trước" not in html
    status, html = await browser.post("/s/q/0", value="2")
    assert "Xem lại phiếu" in html and "2 · Không hài lòng" in html
    status, html = await browser.post("/s/submit")
    assert status == 200 and "Cảm ơn hộ gia đình" in html and "Xã Tân Uyên" in html
    assert (await _answers(web))[next(iter(sorted(answers)))] is not None
    rows = await web.services.db.conn.execute_fetchall(
        "SELECT count(*), sum(counted) FROM responses WHERE completed_at IS NOT NULL"
    )
    assert tuple(rows[0]) == (1, 1)


async def test_back_link_and_a_later_question_is_not_reachable(web: WebSheet) -> None:
    browser = await web.opened()
    _status, html = await browser.post("/s/q/0", value="5")
    assert "Câu 2/" in html and 'href="/s/q/0"' in html
    _status, html = await browser.get("/s/q/5")  # not reached yet: back to the next question
    assert "Câu 2/" in html
    _status, html = await browser.get("/s/q/0")
    assert 'value="5" class="chosen"' in html


async def test_every_page_is_light_and_loads_nothing_from_elsewhere(web: WebSheet) -> None:
    browser = await web.opened()
    _status, html = await browser.get("/s")
    response = await browser.client.get("/static/web.css")
    css = await response.read()
    assert response.headers["Cache-Control"] == "public, max-age=86400"  # pages: no-store
    assert len(html.encode()) + len(css) < 60_000
    assert "http://" not in html and "https://" not in html and "<script" not in html
    page = await browser.client.get("/s")
    headers = page.headers
    assert "script-src" not in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


async def test_cookie_is_httponly_lax_and_random(web: WebSheet) -> None:
    browser = await web.browser()
    response = await browser.client.get(f"/x/{COMMUNE}", allow_redirects=False)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    other = await web.browser()
    again = await other.client.get(f"/x/{COMMUNE}", allow_redirects=False)
    assert again.headers["Set-Cookie"].split(";")[0] != cookie.split(";")[0]
    stored = await web.services.db.conn.execute_fetchall("SELECT count(*) FROM web_sessions")
    assert stored[0][0] == 0  # no code given: nothing stored about either browser
    await browser.get(f"/x/{COMMUNE}/{web.households[0].code}")
    rows = await web.services.db.conn.execute_fetchall("SELECT * FROM web_sessions")
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(rows) == 1 and rows[0][0] != token and rows[0][1] == web.households[0].id
    assert await responses_db.count_responses(web.services.db.conn, 1) == (0, 0)


async def test_review_page_with_every_answer_is_still_light(web: WebSheet) -> None:
    browser = await web.opened()
    survey = await web.services.answering.survey("ntm-2026")
    assert survey is not None
    for index, question in enumerate(survey.questions):
        if question.kind == "text":
            _status, html = await browser.post(f"/s/q/{index}", text="ý" * 1000)
        else:
            value = {"scale": "4", "yesno": "1"}.get(question.kind) or question.choices[0].code
            _status, html = await browser.post(f"/s/q/{index}", value=value)
    assert "Xem lại phiếu" in html
    assert len(html.encode()) < 12_000  # README: pages under 10 KB, the longest review 12 KB
