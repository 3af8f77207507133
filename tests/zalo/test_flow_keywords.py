"""The keywords that stand for Telegram's commands on Zalo, with or without diacritics, and
unfollowing: the same content and the same effects as /mydata, /deletedata, /stop, /start."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from surveys.services import Services
from tests.conftest import FakeClock
from tests.zalo.flow_support import LAN, Flow, running_flow


@pytest.fixture
async def flow(services: Services, clock: FakeClock) -> AsyncIterator[Flow]:
    async with running_flow(services, clock) as running:
        yield running


async def _stopped(flow: Flow) -> list[bool]:
    rows = await flow.services.db.conn.execute_fetchall(
        "SELECT stopped_at IS NOT NULL FROM residents WHERE commune_code IS NOT NULL"
    )
    return [bool(r[0]) for r in rows]


@pytest.mark.parametrize("typed", ["dữ liệu của tôi", "DU LIEU CUA TOI", "  Dữ  liệu của tôi "])
async def test_my_data_shows_what_is_stored(flow: Flow, typed: str) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    await flow.press(LAN, "Bắt đầu khảo sát")
    await flow.send(LAN, "5")
    replies = await flow.send(LAN, typed)
    shown = "\n".join(replies)
    assert shown.startswith("Dữ liệu ykien lưu về bạn")
    assert f"Mã Zalo: {flow.zalo.oa_id}:{LAN}" in shown
    assert "Xã, phường: Xã Tân Uyên, Lai Châu" in shown
    assert "→ 5 · Rất hài lòng" in shown
    assert "Gõ «xóa dữ liệu»" in shown and "/deletedata" not in shown
    assert "đang chờ ykien xử lý" not in shown  # the request itself is no stored message
    assert "chỉ giữ loại tin và thời gian thêm 30 ngày" in shown  # what is kept of messages


async def test_my_data_of_a_follower_who_never_joined(flow: Flow) -> None:
    await flow.follow(LAN)
    replies = await flow.send(LAN, "du lieu cua toi")
    # the message being answered is not listed: its text goes once it is answered, and what is
    # kept of it (its kind and time) for a while is said
    assert replies == [
        f"ykien không lưu dữ liệu nào về bạn (mã Zalo {flow.zalo.oa_id}:{LAN}).\n"
        "Tin nhắn Zalo của bạn: sau khi xử lý, ykien xóa nội dung, chỉ giữ loại tin và thời gian "
        "thêm 30 ngày rồi xóa hẳn."
    ]


async def test_my_data_lists_the_messages_still_queued_after_the_request(flow: Flow) -> None:
    """Sent together, before the worker ran: the later message is stored (queued) when the
    request is answered, and is listed; the request itself is not."""
    await flow.follow(LAN)
    before = len(flow.zalo.texts_to(LAN))
    flow.zalo.write(LAN, "dữ liệu của tôi")
    flow.zalo.write(LAN, "Nhà tôi ở xóm Nà Ún")
    await flow.deliver()
    shown = flow.zalo.texts_to(LAN)[before]
    assert shown.startswith("Dữ liệu ykien lưu về bạn")
    assert "Tin nhắn Zalo của bạn đang chờ ykien xử lý" in shown
    assert "Nhà tôi ở xóm Nà Ún" in shown and "dữ liệu của tôi" not in shown
    assert "chỉ giữ loại tin và thời gian thêm 30 ngày" in shown


async def test_delete_data_asks_then_erases_the_zalo_address(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    await flow.press(LAN, "Bắt đầu khảo sát")
    await flow.send(LAN, "4")
    person = await flow.person(LAN)
    replies = await flow.send(LAN, "xoa du lieu")
    assert replies[0].startswith("Bạn muốn xóa danh tính của mình khỏi ykien?")
    assert "mã Zalo" in replies[0]
    assert flow.last(LAN).labels() == ["Xóa danh tính của tôi", "Không, giữ nguyên"]
    assert await flow.press(LAN, "Không, giữ nguyên") == ["Đã giữ nguyên, không xóa gì."]
    assert await flow.person(LAN) == person

    replies = await flow.press(LAN, "Xóa danh tính của tôi")
    assert replies[0].startswith("Đã xóa danh tính của bạn: ykien không còn lưu mã Zalo")
    assert await flow.person(LAN) is None  # the Zalo address is gone
    erased = await flow.services.db.conn.execute_fetchall(
        "SELECT erased_at IS NOT NULL FROM residents WHERE id = ?", (person,)
    )
    assert [r[0] for r in erased] == [1]
    # the counted answer stays; the next message is a new person, asked for a code
    counted = await flow.services.db.conn.execute_fetchall("SELECT count(*) FROM answers")
    assert [tuple(r) for r in counted] == [(1,)]
    replies = await flow.send(LAN, "xin chào")
    assert replies[0].startswith("Bạn chưa tham gia xã nào")


async def test_stop_then_resume_continues_the_survey(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    await flow.press(LAN, "Bắt đầu khảo sát")
    await flow.send(LAN, "3")
    replies = await flow.send(LAN, "Dừng")
    assert replies[0].startswith("Đã dừng: ykien sẽ không gửi thông báo khảo sát")
    assert await _stopped(flow) == [True]
    replies = await flow.send(LAN, "tiep tuc")
    assert replies[0].startswith("Đã bật lại")
    assert replies[-1].startswith("Câu 2/13")
    assert await _stopped(flow) == [False]
    replies = await flow.send(LAN, "BẮT ĐẦU")  # not stopped: only the survey again
    assert len(replies) == 1 and replies[0].startswith("Câu 2/13")


async def test_stop_before_joining(flow: Flow) -> None:
    await flow.follow(LAN)
    replies = await flow.send(LAN, "dung")
    assert replies[0].startswith("Bạn chưa tham gia xã nào nên ykien không gửi thông báo nào")


async def test_help_lists_the_keywords(flow: Flow) -> None:
    await flow.joined(LAN)
    (help_text,) = await flow.send(LAN, "trợ giúp")
    for keyword in ("bắt đầu", "tiếp tục", "sửa 3", "dừng", "dữ liệu của tôi", "xóa dữ liệu"):
        assert keyword in help_text
    assert "gõ 1-5, 0 nếu không biết" in help_text
    assert re.search(r"/[a-z]", help_text) is None  # no Telegram command
    assert await flow.send(LAN, "tro giup") == [help_text]


async def test_unfollow_stops_and_sends_nothing(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    before = len(flow.zalo.texts_to(LAN))
    flow.zalo.unfollow(LAN)
    assert await flow.deliver() == 1
    assert len(flow.zalo.texts_to(LAN)) == before
    assert await _stopped(flow) == [True]
    assert (await flow.inbox())[-1] == ("unfollow", "", None, True)


async def test_cancel_drops_a_change_in_progress(flow: Flow) -> None:
    await flow.open_round()
    await flow.joined(LAN)
    await flow.press(LAN, "Bắt đầu khảo sát")
    for _ in range(11):
        await flow.send(LAN, "4")
    await flow.press(LAN, "Có")
    await flow.press(LAN, "Bỏ qua")
    await flow.send(LAN, "sửa 2")
    replies = await flow.send(LAN, "Hủy")
    assert replies == [
        "Đã hủy thao tác đang làm. Các câu trả lời đã gửi vẫn được giữ nguyên; gõ «tiếp tục» "
        "để tiếp tục khảo sát."
    ]
    rows = await flow.services.db.conn.execute_fetchall("SELECT count(*) FROM chat_states")
    assert [tuple(r) for r in rows] == [(0,)]
    replies = await flow.send(LAN, "1")  # no change pending: the review again, nothing stored
    assert "Bạn đã trả lời đủ các câu" in replies[-1]
    assert (await flow.answers(LAN))["dien"] == (4, None, False)
