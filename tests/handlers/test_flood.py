"""The per-person flood limit: one polite warning, then silence for a while; others unaffected."""

from __future__ import annotations

import dataclasses

import pytest

from surveys.flood import FloodAction, FloodLimit
from tests.conftest import COMMUNE, snapshot, tg_person

WARNING = (
    "Bạn gửi nhanh quá, ykien xin tạm nghỉ với bạn khoảng 60 giây rồi sẽ trả lời tiếp. "
    "Các câu trả lời đã lưu vẫn còn nguyên."
)


@pytest.fixture
def limited(harness):
    env = harness.services.env
    env.settings = dataclasses.replace(env.settings, flood_count=5, flood_window=10, flood_pause=60)
    return harness


async def test_flooder_is_warned_once_then_ignored(limited, clock) -> None:
    harness = limited
    lan, binh = harness.user(1), harness.user(2)
    for _ in range(5):
        assert len(await harness.send(lan, "/help")) == 1
    assert await harness.send(lan, "/help") == [WARNING]
    token = await harness.services.residents.join_token(COMMUNE)
    before = await snapshot(harness.services.db)
    for text in ("/help", f"/start j{token}", "xin chào"):
        assert await harness.send(lan, text) == []
    assert await snapshot(harness.services.db) == before  # the join was not even read
    assert len(await harness.send(binh, "/help")) == 1  # someone else is served as usual
    clock.advance(seconds=61)
    (welcome, *_) = await harness.send(lan, f"/start j{token}")
    assert "Xã Tân Uyên" in welcome


async def test_slow_sender_is_never_limited(limited, clock) -> None:
    harness = limited
    lan = harness.user(1)
    for _ in range(30):
        assert len(await harness.send(lan, "/help")) == 1
        clock.advance(seconds=2.5)


async def test_staff_entering_sheets_fast_are_not_limited(limited) -> None:
    from surveys.access import Role

    harness = limited
    await harness.services.access.grant(
        await tg_person(harness.services, 7), Role.STAFF, commune=COMMUNE
    )
    staff, lan = harness.user(7, "Cán bộ"), harness.user(1)
    for _ in range(12):  # more than twice the limit of 5 in the same instant
        assert len(await harness.send(staff, "/help")) == 1
    for _ in range(5):
        await harness.send(lan, "/help")
    assert await harness.send(lan, "/help") == [WARNING]  # residents still are


async def test_button_flood_gets_a_popup(limited) -> None:
    harness = limited
    lan = harness.user(1)
    await harness.send(lan, "/start")
    message = lan.last
    for _ in range(4):
        await harness.press_raw(lan, "zz", message.message_id)
    popup = await harness.press_raw(lan, "zz", message.message_id)
    assert popup.startswith("Bạn bấm nhanh quá.")


def test_a_forgiven_sender_counts_afresh() -> None:
    limit = FloodLimit(2, 10, 60)
    assert [limit.check(1, 0.0) for _ in range(3)][-1] is FloodAction.WARN
    assert limit.check(1, 0.1) is FloodAction.DROP
    assert [limit.check(1, 0.2) for _ in range(3)][-1] is FloodAction.DROP
    limit.forgive(1)
    assert [limit.check(1, 0.3) for _ in range(2)] == [FloodAction.PASS, FloodAction.PASS]
    assert limit.check(1, 0.4) is FloodAction.WARN


def test_memory_follows_active_senders() -> None:
    limit = FloodLimit(count=3, window=10, pause=60)
    for user in range(1000):
        assert limit.check(user, 0.0) is FloodAction.PASS
    assert len(limit) == 1000
    assert limit.check(5, 100.0) is FloodAction.PASS  # a sweep after window + pause
    assert len(limit) == 1
    verdicts = [limit.check(7, 200.0) for _ in range(6)]
    assert verdicts == (
        [FloodAction.PASS] * 3 + [FloodAction.WARN, FloodAction.DROP, FloodAction.DROP]
    )
    assert limit.check(7, 261.0) is FloodAction.PASS
