"""Staff manage villages in chat; residents then pick from them."""

from __future__ import annotations

import pytest

from surveys.access import Role
from tests.conftest import COMMUNE, OTHER_COMMUNE, snapshot, tg_person


@pytest.fixture
async def staff(harness):
    await harness.services.access.grant(
        await tg_person(harness.services, 30), Role.STAFF, commune=COMMUNE
    )
    return harness.user(30, "Hoa")


async def test_add_a_village(harness, staff) -> None:
    (listing,) = await harness.send(staff, "/villages")
    assert listing.startswith("Thôn, tổ dân phố của Xã Tân Uyên (3598)\nChưa có thôn nào.")
    (ask,) = await harness.press(staff, "Thêm thôn")
    assert ask.startswith("Gõ tên thôn, tổ dân phố mới của Xã Tân Uyên")
    assert await harness.send(staff, "  Bản   Nà Ún ") == [
        "Đã thêm thôn «Bản Nà Ún». Gõ /villages để xem danh sách."
    ]
    assert [v.name for v in await harness.services.residents.villages(COMMUNE)] == ["Bản Nà Ún"]
    entry = (await harness.services.access.audit_log())[-1]
    assert (entry.actor, entry.action, entry.commune_code, entry.outcome) == (
        f"person:{await tg_person(harness.services, 30)}",
        "villages.manage",
        COMMUNE,
        "ok",
    )
    await harness.press(staff, "Thêm thôn")
    assert await harness.send(staff, "Bản Nà Ún") == [
        "Thôn «Bản Nà Ún» đã có sẵn, không thêm lần nữa. Gõ /villages để xem danh sách."
    ]


@pytest.mark.parametrize("name", ["x" * 61, "   ", "Bản\nHai"])
async def test_bad_village_name_changes_nothing(harness, staff, name) -> None:
    await harness.send(staff, "/villages")
    await harness.press(staff, "Thêm thôn")
    before = await snapshot(harness.services.db)
    assert await harness.send(staff, name) == [
        "Tên thôn phải có từ 1 đến 60 ký tự, trên một dòng. Gõ lại tên, hoặc /cancel để thôi."
    ]
    assert await snapshot(harness.services.db) == before


@pytest.mark.parametrize("arg", ["abc", "12345678", "1"])
async def test_bad_commune_code(harness, arg) -> None:
    await harness.services.access.grant(await tg_person(harness.services, 31), Role.ADMIN)
    before = await snapshot(harness.services.db)
    (reply,) = await harness.send(harness.user(31), f"/villages {arg}")
    assert reply.startswith(f"Không có xã, phường mã «{arg}».")
    assert await snapshot(harness.services.db) == before


async def test_staff_of_several_communes_names_one(harness, staff) -> None:
    await harness.services.access.grant(
        await tg_person(harness.services, 30), Role.STAFF, commune=OTHER_COMMUNE
    )
    (reply,) = await harness.send(staff, "/villages")
    assert reply == "Bạn quản lý thôn của nhiều xã, phường. Gõ /villages kèm mã xã: 3598, 25747."
    (listing,) = await harness.send(staff, f"/villages {OTHER_COMMUNE}")
    assert "Phường Thủ Dầu Một" in listing


async def test_same_village_in_another_unicode_form_or_case_is_not_added(harness, staff) -> None:
    """Typed on a phone that sends decomposed (NFD) letters, or in capitals: one village."""
    import unicodedata

    await harness.services.residents.add_villages(COMMUNE, ["Bản Nậm Xe"])
    await harness.send(staff, "/villages")
    await harness.press(staff, "Thêm thôn")
    before = await snapshot(harness.services.db)
    typed = unicodedata.normalize("NFD", "BẢN  NẬM XE")
    assert typed != "BẢN  NẬM XE"
    assert await harness.send(staff, typed) == [
        "Thôn «Bản Nậm Xe» đã có sẵn, không thêm lần nữa. Gõ /villages để xem danh sách."
    ]
    after = await snapshot(harness.services.db)
    assert after["villages"] == before["villages"]
