"""The inbox worker: one user's events in order, users side by side; stopped mid-drain, a new
worker finishes with nothing lost and nothing answered twice; woken by the webhook; a failing
event is marked with its reason and the resident told, with no text in the log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from handlers.zalo.events import TextMessage
from handlers.zalo.inbox import queue_into
from handlers.zalo.worker import ZaloWorker
from surveys.services import Services
from surveys.zalo_inbox import InboxEvent, InboxKind, queue_event
from tests.conftest import FakeClock
from tests.zalo.flow_support import BINH, LAN, Flow, running_flow

AN = "8805555555555555555"
ORDER = ("duong", "dien", "thuy_loi", "truong_hoc", "y_te", "van_hoa")  # the survey's first six


@pytest.fixture
async def flow(services: Services, clock: FakeClock) -> AsyncIterator[Flow]:
    async with running_flow(services, clock) as running:
        yield running


async def _at_question_one(flow: Flow, *users: str) -> None:
    await flow.open_round()
    for user in users:
        await flow.joined(user)
        await flow.press(user, "Bắt đầu khảo sát")


async def test_each_users_events_in_order_users_side_by_side(flow: Flow) -> None:
    users = (LAN, BINH, AN)
    await _at_question_one(flow, *users)
    before = {u: len(flow.zalo.texts_to(u)) for u in users}
    typed = {LAN: ["1", "2", "3", "4"], BINH: ["5", "4", "3", "2"], AN: ["0", "1", "0", "1"]}
    for i in range(4):  # interleaved as they arrive
        for user in users:
            flow.zalo.write(user, typed[user][i])
    await flow.zalo.webhook.flush()
    assert await flow.worker.drain() == 12
    for user in users:
        stored = await flow.answers(user)
        assert [stored[q][0] for q in ORDER[:4]] == [int(t) for t in typed[user]]
        replies = flow.zalo.texts_to(user)[before[user] :]
        assert [r.split("\n")[2] for r in replies] == [f"Câu {n}/13" for n in (2, 3, 4, 5)]


async def test_stopped_mid_drain_a_new_worker_finishes_without_loss_or_double(
    flow: Flow,
) -> None:
    await _at_question_one(flow, LAN, BINH)
    for digit in "123451":
        flow.zalo.write(LAN, digit)
    for digit in "543":
        flow.zalo.write(BINH, digit)
    await flow.zalo.webhook.flush()
    handled: list[InboxEvent] = []
    two = asyncio.Event()

    def count(event: InboxEvent) -> None:
        handled.append(event)
        if len(handled) == 2:
            two.set()

    first = flow.new_worker(on_handled=count, poll_interval=600.0)
    await first.start()
    await asyncio.wait_for(two.wait(), 10)
    await first.stop()  # in-flight events finish; the rest stay queued
    left = [row for row in await flow.inbox() if not row[3]]
    assert left and len(handled) + len(left) == 9

    second = flow.new_worker()
    assert await second.drain() == len(left)
    lan, binh = await flow.answers(LAN), await flow.answers(BINH)
    assert [lan[q][0] for q in ORDER] == [1, 2, 3, 4, 5, 1] and len(lan) == 6
    assert [binh[q][0] for q in ORDER[:3]] == [5, 4, 3] and len(binh) == 3
    assert all(row[3] and row[1] == "" for row in await flow.inbox())
    saved = [t for t in flow.zalo.texts_to(LAN) if t.startswith(("Đã lưu", "Câu này đã"))]
    assert len(saved) == 6 and not any(t.startswith("Câu này đã") for t in saved)


async def test_the_webhook_wakes_a_running_worker(flow: Flow) -> None:
    await _at_question_one(flow, LAN)
    done = asyncio.Event()
    flow.worker.poll_interval = 600.0  # only the webhook's wake can start it in time
    flow.worker.on_handled = lambda _event: done.set()
    await flow.worker.start()
    flow.zalo.write(LAN, "5")
    await flow.zalo.webhook.flush()
    await asyncio.wait_for(done.wait(), 10)
    await flow.worker.stop()
    assert await flow.answers(LAN) == {"duong": (5, None, False)}


async def test_a_running_worker_handles_what_arrives_while_a_user_is_mid_event(
    flow: Flow,
) -> None:
    """Woken only by the webhook (no poll in time), the running worker reads each new event
    once: those of a user whose lane is busy join that lane, in order."""
    users = (LAN, BINH)
    await _at_question_one(flow, *users)
    handled: list[int] = []
    all_done = asyncio.Event()

    def count(event: InboxEvent) -> None:
        handled.append(event.id)
        if len(handled) == 8:
            all_done.set()

    worker = flow.worker  # the one the webhook wakes
    worker.poll_interval, worker.on_handled = 600.0, count
    await worker.start()
    for digit in "1234":
        for user in users:
            flow.zalo.write(user, digit)
        await flow.zalo.webhook.flush()
    await asyncio.wait_for(all_done.wait(), 10)
    await worker.stop()
    assert len(set(handled)) == 8
    for user in users:
        stored = await flow.answers(user)
        assert [stored[q][0] for q in ORDER[:4]] == [1, 2, 3, 4]


async def test_events_left_by_a_previous_process_are_handled_at_start(flow: Flow) -> None:
    await _at_question_one(flow, LAN)
    flow.zalo.write(LAN, "2")
    await flow.zalo.webhook.flush()  # queued; no worker ran
    assert [r[3] for r in await flow.inbox()][-1] is False
    done = asyncio.Event()
    worker = flow.new_worker(on_handled=lambda _event: done.set(), poll_interval=600.0)
    await worker.start()
    await asyncio.wait_for(done.wait(), 10)
    await worker.stop()
    assert await flow.answers(LAN) == {"duong": (2, None, False)}


async def test_a_failing_event_is_marked_with_its_reason_and_the_resident_told(
    flow: Flow, caplog: pytest.LogCaptureFixture
) -> None:
    await flow.open_round()
    await flow.follow(LAN)
    token = await flow.join_token()
    # a broken survey definition in the database: offering the round raises
    async with flow.services.db.transaction() as conn:
        await conn.execute("UPDATE surveys SET definition = '{not json'")
    with caplog.at_level(logging.INFO):
        replies = await flow.send(LAN, token)
    assert replies[-1] == (
        "Xin lỗi, đã có lỗi khi xử lý tin nhắn. Các câu trả lời đã lưu vẫn an toàn; bạn hãy "
        "thử lại sau ít phút."
    )
    assert not any("Traceback" in r or "Error" in r for r in replies)
    assert (await flow.inbox())[-1] == ("text", "", "JSONDecodeError", True)
    assert "JSONDecodeError" in caplog.text and token not in caplog.text
    assert flow.worker.failed == 1
    assert await flow.worker.drain() == 0  # not retried


async def test_an_event_for_an_oa_not_connected_is_marked_and_sends_nothing(flow: Flow) -> None:
    env = flow.services.env
    await queue_event(
        env, key="m-1", oa_id="111111111111111111", kind=InboxKind.TEXT, user_id=LAN,
        body="xin chào", sent_at=env.now(),
    )  # fmt: skip
    assert await flow.worker.drain() == 1
    assert await flow.inbox() == [("text", "", "oa_not_connected", True)]
    assert flow.zalo.sent == []


async def test_a_reply_zalo_refuses_leaves_the_answer_and_the_event_done(flow: Flow) -> None:
    await _at_question_one(flow, LAN)
    flow.zalo.fail_next_send(-230)
    flow.zalo.write(LAN, "4")
    await flow.deliver()
    assert await flow.answers(LAN) == {"duong": (4, None, False)}
    assert (await flow.inbox())[-1] == ("text", "", None, True)
    replies = await flow.send(LAN, "tiếp tục")  # the next message shows where they are
    assert replies[-1].startswith("Câu 2/13")


def test_concurrency_is_at_least_one(services: Services) -> None:
    with pytest.raises(ValueError):
        ZaloWorker(services, object(), concurrency=0)  # type: ignore[arg-type]


async def test_the_webhook_wakes_the_worker_once_per_new_event(flow: Flow) -> None:
    wakes: list[int] = []
    accept = queue_into(flow.services.env, wake=lambda: wakes.append(1))
    event = TextMessage("m-9", flow.zalo.oa_id, LAN, flow.services.env.now(), "xin chào")
    await accept(event)
    await accept(event)  # Zalo's redelivery: queued once, no second wake
    assert wakes == [1]
