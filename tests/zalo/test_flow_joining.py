"""Joining on Zalo: a follow greets in the OA's commune; a join code or a household code
joins; the village by button (five or fewer) or by typed number; a follower who never sends a
code is asked again and nothing else is stored for them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from surveys.access import Actor
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock
from tests.zalo.flow_support import BINH, LAN, Flow, running_flow

ASK_CODE = "Bạn chưa tham gia xã nào. Hãy gửi mã xã hoặc mã hộ gia đình"
SEVEN = ["Bản Một", "Bản Hai", "Bản Ba", "Bản Bốn", "Bản Năm", "Bản Sáu", "Bản Bảy"]


@pytest.fixture
async def flow(services: Services, clock: FakeClock) -> AsyncIterator[Flow]:
    async with running_flow(services, clock) as running:
        yield running


async def _stored_for(flow: Flow, user: str) -> dict[str, object]:
    conn = flow.services.db.conn
    person = await flow.person(user)
    resident = await conn.execute_fetchall(
        "SELECT commune_code, village_id, household_id FROM residents WHERE id = ?", (person,)
    )
    counts = {}
    for table in ("chat_states", "faq_asks", "responses", "faq_questions"):
        rows = await conn.execute_fetchall(f"SELECT count(*) FROM {table}")
        counts[table] = rows[0][0]
    return {"resident": [tuple(r) for r in resident], **counts}


async def test_a_follower_who_never_sends_a_code_is_asked_again(flow: Flow) -> None:
    await flow.open_round()
    greeting = await flow.follow(LAN)
    assert "Xã Tân Uyên" in greeting[0] and "mã xã" in greeting[0]
    for text in ("xin chào", "quen mat khau vneid", "4", "sửa 3", "ABCDEFGHJK", "jnotatoken1"):
        replies = await flow.send(LAN, text)
        assert len(replies) == 1 and replies[0].startswith(ASK_CODE), text
    assert await _stored_for(flow, LAN) == {
        "resident": [(None, None, None)],  # the person of the address, with no commune
        "chat_states": 0,
        "faq_asks": 0,
        "responses": 0,
        "faq_questions": 0,
    }
    assert [kind for kind, *_ in await flow.inbox()] == ["follow"] + ["text"] * 6


async def test_join_link_payload_or_bare_token_join_the_commune(flow: Flow) -> None:
    token = await flow.join_token()
    await flow.follow(LAN)
    await flow.follow(BINH)
    replies = await flow.send(LAN, f"j{token}")
    assert "ykien của Xã Tân Uyên" in replies[0] and "chưa có đợt lấy ý kiến" in replies[-1]
    replies = await flow.send(BINH, f"  {token} ")
    assert "ykien của Xã Tân Uyên" in replies[0]
    for user in (LAN, BINH):
        assert (await _stored_for(flow, user))["resident"] == [(COMMUNE, None, None)]


async def test_a_household_code_joins_the_household(flow: Flow) -> None:
    await flow.services.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    issued = await flow.services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 2)
    household = issued.households[0][0]
    await flow.open_round()
    await flow.follow(LAN)
    typed = household.code.lower()[:5] + " " + household.code.lower()[5:]  # as read off a card
    replies = await flow.send(LAN, typed)
    assert "ykien của Xã Tân Uyên" in replies[0]
    assert replies[1].startswith(f"Bạn đã vào hộ gia đình mã {household.code}, Bản Nà Ún.")
    assert "Xã đang lấy ý kiến" in replies[2]
    assert (await _stored_for(flow, LAN))["resident"] == [
        (COMMUNE, issued.village.id, household.id)
    ]
    await flow.follow(BINH)
    replies = await flow.send(BINH, f"h{household.code}")  # the link's payload typed
    assert "Hộ có 2 thành viên" in replies[1]


async def test_villages_by_button_when_they_fit(flow: Flow) -> None:
    await flow.services.residents.add_villages(COMMUNE, ["Bản Nà Ban", "Bản Hô Be"])
    await flow.open_round()
    replies = await flow.joined(LAN)
    assert "Bạn ở thôn/tổ dân phố nào của Xã Tân Uyên?" in replies[-1]
    assert sorted(flow.last(LAN).labels()) == ["Bản Hô Be", "Bản Nà Ban"]
    replies = await flow.press(LAN, "Bản Hô Be")
    assert replies[0] == "Đã ghi nhận: bạn ở Bản Hô Be."
    assert "Xã đang lấy ý kiến" in replies[1]
    village = await flow.services.db.conn.execute_fetchall(
        "SELECT v.name FROM residents r JOIN villages v ON v.id = r.village_id"
    )
    assert [r[0] for r in village] == ["Bản Hô Be"]


async def test_more_villages_than_buttons_are_numbered_and_typed(flow: Flow) -> None:
    await flow.services.residents.add_villages(COMMUNE, SEVEN)
    await flow.open_round()
    replies = await flow.joined(LAN)
    listing = replies[-1]
    assert flow.last(LAN).buttons == []
    membership = await flow.services.residents.membership(await flow.person(LAN) or 0)
    assert membership is not None
    names = [v.name for v in membership.villages]
    for number, name in enumerate(names, start=1):
        assert f"{number}. {name}" in listing
    assert "Gõ số thứ tự thôn" in listing

    replies = await flow.send(LAN, "9")
    assert replies[0].startswith("Không có thôn số 9: Xã Tân Uyên có 7 thôn/tổ dân phố.")
    assert (await _stored_for(flow, LAN))["resident"] == [(COMMUNE, None, None)]
    # before a village, the survey asks for it
    replies = await flow.send(LAN, "bắt đầu")
    assert "Bạn ở thôn/tổ dân phố nào" in replies[-1]

    replies = await flow.send(LAN, "3")
    assert replies[0] == f"Đã ghi nhận: bạn ở {names[2]}."
    assert (await _stored_for(flow, LAN))["resident"][0][1] == membership.villages[2].id


async def test_a_village_of_another_commune_is_refused(flow: Flow) -> None:
    await flow.services.residents.add_villages(COMMUNE, ["Bản Nà Ban"])
    await flow.services.residents.add_villages(25747, ["Khu phố 1"])
    other = await flow.services.residents.villages(25747)
    await flow.joined(LAN)
    replies = await flow.send(LAN, f"yk:v:{other[0].id}")
    assert replies == ["Nút bấm này không hợp lệ hoặc đã cũ. Gõ «tiếp tục» để tiếp tục."]
    assert (await _stored_for(flow, LAN))["resident"] == [(COMMUNE, None, None)]


async def test_an_oa_with_no_commune_greets_without_one(
    services: Services, clock: FakeClock
) -> None:
    async with running_flow(services, clock, commune=None) as flow:
        greeting = await flow.follow(LAN)
        assert greeting[0].startswith("Chào mừng bạn đến với trang Zalo lấy ý kiến người dân!")
        replies = await flow.send(LAN, await flow.join_token())
        assert "ykien của Xã Tân Uyên" in replies[0]


async def test_following_again_welcomes_back_and_subscribes(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    flow.zalo.unfollow(LAN)
    before = len(flow.zalo.texts_to(LAN))
    await flow.deliver()
    assert len(flow.zalo.texts_to(LAN)) == before  # nothing is sent on unfollow
    stopped = await flow.services.db.conn.execute_fetchall(
        "SELECT stopped_at IS NOT NULL FROM residents WHERE commune_code IS NOT NULL"
    )
    assert [r[0] for r in stopped] == [1]
    flow.clock.advance(hours=1)  # a follow is keyed by its time: a later one is a new event
    replies = await flow.follow(LAN)
    assert replies[0].startswith("Bạn đang tham gia Xã Tân Uyên")
    assert "Xã đang lấy ý kiến" in replies[-1]
    stopped = await flow.services.db.conn.execute_fetchall(
        "SELECT stopped_at IS NOT NULL FROM residents WHERE commune_code IS NOT NULL"
    )
    assert [r[0] for r in stopped] == [0]


async def test_a_bare_token_that_begins_with_j_still_joins(flow: Flow) -> None:
    """Join tokens are random: one may begin with j, the join link's prefix."""
    from storage import communes as communes_db

    async with flow.services.db.transaction() as conn:
        await communes_db.insert_join_token(conn, COMMUNE, "jKq3_x-9Zt2W", flow.clock.now)
    assert await flow.join_token() == "jKq3_x-9Zt2W"
    await flow.follow(LAN)
    replies = await flow.send(LAN, "jKq3_x-9Zt2W")
    assert "ykien của Xã Tân Uyên" in replies[0]
    await flow.follow(BINH)
    replies = await flow.send(BINH, "jjKq3_x-9Zt2W")  # the link's payload
    assert "ykien của Xã Tân Uyên" in replies[0]
