"""The dashboard's pages over real HTTP: sign-in from the chat's link, the province table
(sorted, filtered, searched without diacritics), the commune page with the report's figures,
the downloads, the round progress; headers on every page; page views audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from handlers.views.reports import Format, commune_output
from storage import dashboard as dashboard_db
from surveys.bearer import stored
from surveys.text import fold
from tests.conftest import COMMUNE, SURVEY, table_counts, tg_person
from tests.dashboard.conftest import OFFICER, RESIDENT, STAFF_A, STAFF_B

ROW = re.compile(r'<td><a href="/d/c/(\d+)">([^<]+)</a></td>')


async def _audit(dash) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.outcome) for e in await dash.services.access.audit_log()]


async def test_officer_signs_in_from_the_link_and_lands_on_the_province(dash) -> None:
    browser = await dash.browser()
    path = await dash.link(OFFICER)
    status, text = await browser.get(path)
    assert status == 200 and "Đăng nhập" in text
    before = await table_counts(dash.services.db)
    assert before["dashboard_sessions"] == 0  # opening the link (a preview too) uses nothing
    status, text = await browser.post(path)
    assert status == 200 and "Lai Châu: các xã, phường" in text
    assert ROW.search(text) and "Xã Tân Uyên" in text
    assert "<table" in text and "/d/p/12/chart.svg" in text
    secret = path.rsplit("/", 1)[1]
    link = await dashboard_db.get_link(dash.services.db.conn, stored(secret))
    assert link is not None and link.used_at is not None
    assert (await table_counts(dash.services.db))["dashboard_sessions"] == 1
    audit = await _audit(dash)
    assert ("person:500", "dashboard.signin", "ok") in audit
    assert audit[-1] == ("person:500", "summary.view", "ok")


async def test_every_page_sends_no_store_and_the_security_headers(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    commune = f"/d/c/{COMMUNE}"
    for path in ("/d", "/d/p/12", commune, f"{commune}/progress", f"{commune}/bang-tinh.xlsx",
                 "/d/p/12/chart.svg", "/d/in/nothing"):  # fmt: skip
        response = await browser.response(path)
        headers = response.headers
        assert headers["Cache-Control"] == "no-store", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert "default-src 'none'" in headers["Content-Security-Policy"], path
        assert "http" not in headers["Content-Security-Policy"], path  # no other host
        if headers["Content-Type"].startswith("text/html"):
            body = await response.text()
            assert "http://" not in body and "https://" not in body, path


async def test_the_session_cookie_is_httponly_strict_and_scoped(dash) -> None:
    browser = await dash.browser()
    path = await dash.link(OFFICER)
    await browser.get(path)
    response = await browser.client.post(path, data={"csrf": browser.csrf}, allow_redirects=False)
    assert response.status == 303
    cookie = response.cookies["ykd"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/d"
    assert int(cookie["max-age"]) == 10 * 3600


async def test_province_table_sorts_filters_and_searches_without_diacritics(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    _, text = await browser.get("/d/p/12")
    names = [n for _, n in ROW.findall(text)]
    assert names[0] == "Xã Tân Uyên" and len(names) == 38  # ranked first: the one with answers
    _, text = await browser.get("/d/p/12?q=tan+uyen")
    assert [n for _, n in ROW.findall(text)] == ["Xã Tân Uyên"]
    _, text = await browser.get("/d/p/12?status=none")
    assert "Xã Tân Uyên" not in text and len(ROW.findall(text)) == len(names) - 1
    _, text = await browser.get("/d/p/12?status=open&verdict=can_chu_y")
    assert [n for _, n in ROW.findall(text)] == ["Xã Tân Uyên"]
    _, text = await browser.get("/d/p/12?verdict=dat")
    assert ROW.findall(text) == []
    _, text = await browser.get("/d/p/12?sort=name")
    by_name = [n for _, n in ROW.findall(text)]
    assert by_name == sorted(by_name, key=fold)
    _, text = await browser.get("/d/p/12?sort=name&dir=desc")
    assert [n for _, n in ROW.findall(text)] == by_name[::-1]
    assert 'aria-sort="descending"' in text
    _, text = await browser.get("/d/p/12?sort=nonsense&status=bogus")
    assert [n for _, n in ROW.findall(text)] == names  # unknown choices: the plain table


async def test_province_row_has_the_round_status_unit_coverage_share_and_verdict(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    _, text = await browser.get("/d/p/12?q=tan+uyen")
    row = text[text.index("Xã Tân Uyên") : text.index("</tr>", text.index("Xã Tân Uyên"))]
    assert "Đợt 1 năm 2026" in row and "Đang mở" in row
    assert "7 người" in row and "85,7%" in row and "Cần chú ý" in row
    assert "100,0%" in row and "(7/7; cỡ mẫu cần 7)" in row and "48,7%–97,4%" in row


async def test_commune_page_shows_exactly_the_printable_reports_sections(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    status, page = await browser.get(f"/d/c/{COMMUNE}")
    assert status == 200
    services = dash.services
    report = await services.summaries.commune(COMMUNE)
    homes = await services.households.issued_by_village(COMMUNE)
    printed = commune_output(
        report, Format.HTML, tz=services.settings.timezone, now=dash.clock.now,
        village_households=homes,
    ).content.decode()  # fmt: skip
    sections = printed[
        printed.index("<h2>I. THÔNG TIN CHUNG") : printed.index('<table class="sign">')
    ]
    inline = re.compile(r'src="data:image/png;base64,[^"]+"')
    assert inline.sub('src="/d/c/3598/chart.svg"', sections).strip() in page
    for part in ("IV. KẾT QUẢ THEO TIÊU CHÍ", "51/2025", "318", "V. KẾT QUẢ THEO THÔN", "ẩn"):
        assert part in page
    for name in ("bao-cao.html", "bang-tinh.xlsx", "so-lieu.csv"):
        assert f'href="/d/c/{COMMUNE}/{name}"' in page


async def test_downloads_are_the_reports_files_and_audited_as_exports(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    response = await browser.response(f"/d/c/{COMMUNE}/bang-tinh.xlsx")
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(await response.read()))
    assert workbook.sheetnames
    response = await browser.response(f"/d/c/{COMMUNE}/so-lieu.csv")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert len(rows) > 2 and str(COMMUNE) in rows[1]
    response = await browser.response(f"/d/c/{COMMUNE}/bao-cao.html")
    assert "BÁO CÁO" in await response.text()
    response = await browser.response(f"/d/c/{COMMUNE}/chart.svg")
    svg = await response.read()
    assert response.content_type == "image/svg+xml" and b"<svg" in svg
    assert b"<path" in svg  # the glyphs are outlines: no font needed
    exports = [a for a in await _audit(dash) if a[1] == "summary.export"]
    assert exports == [("person:500", "summary.export", "ok")] * 3


async def test_staff_see_their_commune_and_its_progress(dash) -> None:
    browser = await dash.signed_in(STAFF_A)  # one commune: straight to it
    status, text = await browser.get("/d")
    assert status == 200 and "Xã Tân Uyên: Đợt 1 năm 2026" in text
    status, text = await browser.get(f"/d/c/{COMMUNE}/progress")
    assert status == 200 and "Tiến độ: Xã Tân Uyên" in text
    assert f'href="/d/c/{COMMUNE}/progress"' in text  # the refresh link, without JavaScript
    assert "Thôn Nà Pa" in text and "<script" not in text  # nothing is being sent
    assert ("person:600", "rounds.progress", "ok") in await _audit(dash)


async def test_progress_refreshes_itself_while_a_broadcast_sends(dash) -> None:
    services = dash.services
    await services.residents.join(await tg_person(services, RESIDENT + 40), "R41", dash.commune_b)
    await services.broadcasts.open_round(
        dash.commune_b, SURVEY, closes_at=dash.clock.now + timedelta(days=7)
    )
    browser = await dash.signed_in(STAFF_B)
    response = await browser.response(f"/d/c/{dash.commune_b}/progress")
    text = await response.text()
    assert response.status == 200 and '<script src="/static/dash_refresh.js"' in text
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Chờ gửi" in text and "Chưa có câu trả lời nào" in text
    script = await browser.response("/static/dash_refresh.js")
    assert script.status == 200 and "location.reload" in await script.text()


async def test_sign_out_ends_the_session_and_needs_the_csrf_token(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    good = browser.csrf
    browser.csrf = "0" * 64
    status, text = await browser.post("/d/out")
    assert status == 403 and "Trang đã cũ" in text
    assert (await browser.get("/d/p/12"))[0] == 200  # still signed in
    browser.csrf = good
    status, text = await browser.post("/d/out")
    assert status == 200 and "Đã đăng xuất" in text
    status, text = await browser.get("/d/p/12")
    assert status == 401 and "Gõ <b>/dashboard</b>" in text
    assert ("person:500", "dashboard.signout", "ok") in await _audit(dash)


async def test_the_session_lasts_a_working_day(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    dash.clock.advance(hours=9, minutes=59)
    assert (await browser.get("/d/p/12"))[0] == 200
    dash.clock.advance(minutes=2)
    status, text = await browser.get("/d/p/12")
    assert status == 401 and "phiên làm việc đã hết" in text
