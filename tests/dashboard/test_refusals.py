"""Everything outside a person's scope is the Vietnamese 403 page, for every page and every
download; bad links and URLs get their own page; none of them changes anything but the audit
log's record of the refusal."""

from __future__ import annotations

import pytest

from storage import dashboard as dashboard_db
from surveys.bearer import stored
from tests.conftest import COMMUNE, OTHER_COMMUNE, snapshot, table_counts, tg_person
from tests.dashboard.conftest import OFFICER, RESIDENT, STAFF_A

PAGES = ("", "/chart.svg", "/progress", "/bao-cao.html", "/bang-tinh.xlsx", "/so-lieu.csv")
FORBIDDEN = "Không có quyền xem trang này"


async def _unchanged_but_audit(dash, before: dict) -> None:
    after = await snapshot(dash.services.db)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }


async def test_staff_of_commune_a_cannot_open_commune_b_nor_the_province(dash) -> None:
    browser = await dash.signed_in(STAFF_A)
    for path in [f"/d/c/{dash.commune_b}{suffix}" for suffix in PAGES]:
        before = await snapshot(dash.services.db)
        status, text = await browser.get(path)
        assert status == 403 and FORBIDDEN in text, path
        assert "ngoài phạm vi vai trò" in text
        await _unchanged_but_audit(dash, before)
        last = (await dash.services.access.audit_log())[-1]
        assert (last.actor, last.outcome, last.commune_code) == (
            "person:600",
            "refused",
            dash.commune_b,
        )
    for path in ("/d/p/12", "/d/p/12/chart.svg"):
        before = await snapshot(dash.services.db)
        status, text = await browser.get(path)
        assert status == 403 and FORBIDDEN in text, path
        await _unchanged_but_audit(dash, before)


async def test_an_officer_cannot_open_another_province(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    for path in [f"/d/c/{OTHER_COMMUNE}{s}" for s in PAGES] + ["/d/p/79", "/d/p/79/chart.svg"]:
        before = await snapshot(dash.services.db)
        status, text = await browser.get(path)
        assert status == 403 and FORBIDDEN in text, path
        await _unchanged_but_audit(dash, before)
        assert (await dash.services.access.audit_log())[-1].outcome == "refused"


async def test_an_administrator_sees_every_province(dash) -> None:
    from tests.dashboard.conftest import ADMIN

    browser = await dash.signed_in(ADMIN)  # configured, no stored grant
    status, text = await browser.get("/d")
    assert status == 200 and 'href="/d/p/12"' in text and 'href="/d/p/79"' in text
    last = (await dash.services.access.audit_log())[-1]
    admin = f"person:{await tg_person(dash.services, ADMIN)}"
    assert (last.actor, last.action, last.outcome) == (admin, "dashboard.home", "ok")
    assert (await browser.get(f"/d/c/{COMMUNE}/bang-tinh.xlsx"))[0] == 200
    for path in ("/d/c/999999", "/d/c/999999/progress", "/d/c/999999/so-lieu.csv", "/d/p/99"):
        status, text = await browser.get(path)  # codes that exist nowhere
        assert status == 404 and "Không hiển thị được: không có" in text, path


async def test_without_a_session_every_page_asks_to_sign_in(dash) -> None:
    browser = await dash.browser()
    before = await snapshot(dash.services.db)
    pages = [f"/d/c/{COMMUNE}{suffix}" for suffix in PAGES] + ["/d", "/d/p/12", "/d/p/12/chart.svg"]
    for path in pages:
        status, text = await browser.get(path)
        assert status == 401 and "Chưa đăng nhập" in text and "/dashboard" in text, path
    browser.csrf = "0" * 64
    status, text = await browser.post("/d/out")  # no form of ours: refused before anything
    assert status == 403
    assert await snapshot(dash.services.db) == before


async def test_a_tampered_commune_code_is_a_not_found_page(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    before = await snapshot(dash.services.db)
    for code in ("35x8", "3598%20", "1234567", "-3598", "٣٥٩٨"):
        for suffix in ("", "/bang-tinh.xlsx", "/progress"):
            status, text = await browser.get(f"/d/c/{code}{suffix}")
            assert status == 404 and "Không tìm thấy trang" in text, (code, suffix)
            assert "Traceback" not in text
    for path in ("/d/x", "/d/c", "/d/p/12/x/y", "/d/c/3598/progress/more"):
        status, text = await browser.get(path)
        assert status == 404 and "Về trang của anh/chị" in text, path
    assert await snapshot(dash.services.db) == before


async def test_an_unknown_file_name_is_a_not_found_page(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    status, text = await browser.get(f"/d/c/{COMMUNE}/answers.sqlite")
    assert status == 404 and "Không tìm thấy trang" in text


async def test_a_commune_code_that_exists_nowhere_is_refused(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    status, text = await browser.get("/d/c/999999")
    assert status == 403 and FORBIDDEN in text


async def test_an_unknown_link_signs_nobody_in(dash) -> None:
    browser = await dash.browser()
    await dash.link(OFFICER)  # a real one exists, but not this
    before = await snapshot(dash.services.db)
    status, text = await browser.get("/d/in/" + "A" * 43)
    assert status == 400 and "Đường link không đúng" in text
    browser.csrf = browser.csrf or "0" * 64
    status, text = await browser.post("/d/in/" + "A" * 43)
    assert status in (400, 403) and "Không có gì" in text
    assert await snapshot(dash.services.db) == before


async def test_a_used_link_signs_nobody_in_again(dash) -> None:
    path = await dash.link(OFFICER)
    first, second = await dash.browser(), await dash.browser()
    await first.get(path)
    await second.get(path)  # the link forwarded: both opened its page
    await first.post(path)
    status, text = await (await dash.browser()).get(path)
    assert status == 400 and "đã được dùng" in text
    before = await table_counts(dash.services.db)
    status, text = await second.post(path)
    assert status == 400 and "đã được dùng" in text
    assert await table_counts(dash.services.db) == before
    assert (await second.get("/d/p/12"))[0] == 401


async def test_an_expired_link_signs_nobody_in(dash) -> None:
    path = await dash.link(OFFICER)
    browser = await dash.browser()
    status, _ = await browser.get(path)
    assert status == 200
    dash.clock.advance(minutes=10, seconds=1)
    before = await snapshot(dash.services.db)
    status, text = await browser.post(path)
    assert status == 400 and "đã hết hạn" in text
    assert await snapshot(dash.services.db) == before
    link = await dashboard_db.get_link(dash.services.db.conn, stored(path.rsplit("/", 1)[1]))
    assert link is not None and link.used_at is None


async def test_a_role_revoked_mid_session_ends_it(dash) -> None:
    browser = await dash.signed_in(OFFICER)
    assert (await browser.get("/d/p/12"))[0] == 200
    [grant] = [g for g in await dash.services.access.all_grants() if g.resident_id == OFFICER]
    await dash.services.access.revoke(grant.id)
    views = len(await dash.services.access.audit_log())
    before = await snapshot(dash.services.db)
    status, text = await browser.get(f"/d/c/{COMMUNE}/bang-tinh.xlsx")
    assert status == 401 and "Vai trò của anh/chị đã bị thu hồi" in text
    for path in ("/d/p/12", f"/d/c/{COMMUNE}"):  # the cookie is gone too
        status, text = await browser.get(path)
        assert status == 401 and "Chưa đăng nhập" in text, path
    assert await snapshot(dash.services.db) == before
    assert len(await dash.services.access.audit_log()) == views  # nothing was seen


async def test_a_link_made_before_the_role_was_revoked_is_refused(dash) -> None:
    path = await dash.link(STAFF_A)
    [grant] = [g for g in await dash.services.access.all_grants() if g.resident_id == STAFF_A]
    await dash.services.access.revoke(grant.id)
    browser = await dash.browser()
    status, text = await browser.get(path)
    assert status == 400 and "đã bị thu hồi" in text


async def test_a_resident_gets_no_link(dash) -> None:
    from surveys.access import Actor
    from surveys.signin import SignInError, SignInRefused

    before = await table_counts(dash.services.db)
    with pytest.raises(SignInRefused) as refused:
        await dash.services.signin.chat_link(Actor(await tg_person(dash.services, RESIDENT)))
    assert refused.value.error is SignInError.NO_ROLE
    after = await table_counts(dash.services.db)
    assert after["dashboard_links"] == before["dashboard_links"] == 0


async def test_a_commune_without_answers_says_so_and_links_its_progress(dash) -> None:
    from tests.dashboard.conftest import STAFF_B
    from tests.summary_support import open_round

    await open_round(dash.services, dash.clock, dash.commune_b)
    browser = await dash.signed_in(STAFF_B)
    for suffix in ("", "/bang-tinh.xlsx", "/chart.svg"):
        status, text = await browser.get(f"/d/c/{dash.commune_b}{suffix}")
        assert status == 404 and "chưa có câu trả lời nào" in text, suffix
        assert f'href="/d/c/{dash.commune_b}/progress"' in text
    browser = await dash.signed_in(STAFF_A)
    status, text = await browser.get(f"/d/c/{dash.commune_b}")
    assert status == 403  # the scope is checked before the figures are looked at
