"""A resident joins: by the commune's link, or by province and a typed commune name."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import COMMUNE, SURVEY, resident_of, snapshot, tg_person

LAI_CHAU = 12


async def test_join_by_link_greets_names_commune_and_consent(harness) -> None:
    token = await harness.services.residents.join_token(COMMUNE)
    lan = harness.user(1, "Lan")
    replies = await harness.send(lan, f"/start j{token}")
    assert "Xã Tân Uyên" in replies[0] and "Lai Châu" in replies[0]
    assert "câu trả lời khảo sát" in replies[0]  # what is collected
    assert "/help" in replies[0]  # how to see or delete it
    assert "chưa có đợt lấy ý kiến" in replies[-1]  # no round open yet
    resident = await resident_of(harness.services, 1)
    assert resident.commune_code == COMMUNE


async def test_join_with_villages_then_round_offer(harness, clock) -> None:
    await harness.services.residents.add_villages(COMMUNE, ["Bản Nà Ban", "Bản Hô Be"])
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    token = await harness.services.residents.join_token(COMMUNE)
    lan = harness.user(1)
    replies = await harness.send(lan, f"/start j{token}")
    assert "thôn" in replies[-1]
    assert lan.last.labels() == ["Bản Hô Be", "Bản Nà Ban"]
    replies = await harness.press(lan, "Bản Nà Ban")
    assert "Bản Nà Ban" in replies[0]
    assert "Gồm 13 câu" in replies[-1]
    assert lan.last.labels() == ["Bắt đầu khảo sát"]
    replies = await harness.press(lan, "Bắt đầu khảo sát")
    assert replies[-1].startswith("Câu 1/13")
    membership = await harness.services.residents.membership(1)
    assert membership.village.name == "Bản Nà Ban"


async def test_find_commune_by_province_and_name_without_diacritics(harness) -> None:
    binh = harness.user(2, "Bình")
    replies = await harness.send(binh, "/start")
    assert "tỉnh/thành phố" in replies[0]
    assert len([label for row in binh.last.buttons for label, _ in row]) == 34
    replies = await harness.press(binh, f"p:{LAI_CHAU}")
    assert "Lai Châu" in replies[0]
    replies = await harness.send(binh, "tan uyen")
    assert binh.last.labels() == ["Xã Tân Uyên"]
    replies = await harness.press(binh, "Xã Tân Uyên")
    assert "Chào mừng" in replies[0] and "Xã Tân Uyên" in replies[0]


async def test_search_with_diacritics_and_no_match(harness) -> None:
    binh = harness.user(2)
    await harness.send(binh, "/start")
    await harness.press(binh, "p:79")
    await harness.send(binh, "Tân Uyên")
    assert set(binh.last.labels()) == {"Phường Tân Uyên", "Xã Bắc Tân Uyên"}
    before = await snapshot(harness.services.db)
    replies = await harness.send(binh, "khong co xa nao ten nay")
    assert "Không tìm thấy" in replies[0]
    replies = await harness.send(binh, "phuong")
    assert "quá nhiều" in replies[0]
    assert await snapshot(harness.services.db) == before


async def test_cancel_drops_the_search(harness) -> None:
    binh = harness.user(2)
    await harness.send(binh, "/start")
    await harness.press(binh, f"p:{LAI_CHAU}")
    replies = await harness.send(binh, "/cancel")
    assert "Đã hủy" in replies[0]
    replies = await harness.send(binh, "tan uyen")
    assert "/start" in replies[0]  # plain text again, not a search
    assert await harness.services.residents.membership(2) is None


async def test_returning_member_start_and_help(harness) -> None:
    await harness.services.residents.join(await tg_person(harness.services, 3), "Cúc", COMMUNE)
    cuc = harness.user(3, "Cúc")
    replies = await harness.send(cuc, "/start")
    assert "Bạn đang tham gia" in replies[0]
    replies = await harness.send(cuc, "/help")
    assert "/survey" in replies[0] and "Xã Tân Uyên" in replies[0]


async def test_menu_is_set_in_vietnamese(harness) -> None:
    commands = harness.sandbox.calls_to("setMyCommands")
    assert commands, "post_init sets the resident menu"
    names = {c["command"] for c in commands[-1]["commands"]}
    assert {"survey", "help", "cancel", "start"} <= names
