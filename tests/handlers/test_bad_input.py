"""Bad input through the real Application: a clear Vietnamese reply, and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import COMMUNE, SURVEY, snapshot, table_counts, tg_person
from tests.handlers.test_survey import SCALE_4, answer_all, joined


async def unchanged_after(harness, action) -> list[str]:
    before = await snapshot(harness.services.db)
    replies = await action()
    assert await snapshot(harness.services.db) == before
    return replies


@pytest.mark.parametrize(
    "payload",
    ["garbage", "jnosuchtoken123", "j" + "a" * 60, "j😀😀😀😀", "j123' OR 1=1", "i12345678"],
)
async def test_bad_start_payload(harness, payload) -> None:
    lan = harness.user(1)
    replies = await unchanged_after(harness, lambda: harness.send(lan, f"/start {payload}"))
    assert replies == [
        "Đường link tham gia này không đúng hoặc đã cũ. Hãy quét lại mã QR ở trụ sở xã, hoặc gõ "
        "/start để tự tìm xã của bạn."
    ]


async def test_press_on_closed_round(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    question = lan.last
    rounds = await harness.services.rounds.list_for_commune(COMMUNE)
    await harness.services.rounds.close(rounds[0].round.id)
    await unchanged_after(harness, lambda: harness.press(lan, SCALE_4, question))
    assert "đã kết thúc" in lan.callback_answers[-1]


async def test_press_after_close_time_passed(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    clock.advance(days=8)
    await unchanged_after(harness, lambda: harness.press(lan, SCALE_4))
    assert "đã kết thúc" in lan.callback_answers[-1]


async def test_press_on_another_residents_question(harness, clock) -> None:
    lan = await joined(harness, clock, 1)
    binh = await joined_again(harness, 2)
    await harness.send(lan, "/survey")
    lan_data = lan.last.buttons[3][0][1]  # "a:<lan's response>:0:4"
    await harness.send(binh, "/survey")
    text = await unchanged_after(harness, lambda: harness.press_raw(binh, lan_data))
    assert "không thuộc lượt trả lời của bạn" in text


async def joined_again(harness, user_id: int):
    await harness.services.residents.join(
        await tg_person(harness.services, user_id), "Bình", COMMUNE
    )
    return harness.user(user_id, "Bình")


async def test_press_on_another_rounds_question(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    old = lan.last
    rounds = await harness.services.rounds.list_for_commune(COMMUNE)
    await harness.services.rounds.close(rounds[0].round.id)
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=3))
    await unchanged_after(harness, lambda: harness.press(lan, SCALE_4, old))
    assert "đã kết thúc" in lan.callback_answers[-1]


@pytest.mark.parametrize(
    "data",
    [
        "a:1:0:9",  # value out of range
        "a:1:99:4",  # question out of range
        "a:999999:0:4",  # no such response
        "a:1:0:",  # truncated
        "a:1:0:4:extra",  # extra field
        "zz:1",  # unknown kind
        "a:-1:0:4",
        "a:1:0:4" + " " * 60,  # over 64 bytes
        "p:99999",  # no such province
        "c:99999999",  # no such commune
        "v:424242",  # no such village
        "a:1:5:4",  # a question not reached yet
    ],
)
async def test_tampered_button_data(harness, clock, data) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    text = await unchanged_after(harness, lambda: harness.press_raw(lan, data))
    assert text.startswith(("Nút bấm này không hợp lệ", "Chưa đến câu này"))


async def test_replayed_press_changes_nothing(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    first = lan.last
    data = first.buttons[3][0][1]
    await harness.press(lan, SCALE_4)
    sent = len(lan.messages)
    text = await unchanged_after(harness, lambda: harness.press_raw(lan, data, first.message_id))
    assert text.startswith("Câu này đã được ghi nhận")
    assert len(lan.messages) == sent  # no second copy of question 2
    assert lan.messages[-1].text.startswith("Câu 2/13")


async def test_text_where_a_button_is_expected(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    replies = await unchanged_after(harness, lambda: harness.send(lan, "4"))
    assert replies == [
        "Câu 1 cần trả lời bằng nút bấm. Hãy bấm một nút ngay dưới câu hỏi "
        "(hoặc gõ /survey để hiện lại câu hỏi)."
    ]


async def test_comment_over_the_limit(harness, clock) -> None:
    lan = await joined(harness, clock)
    await harness.send(lan, "/survey")
    for _ in range(11):
        await harness.press(lan, SCALE_4)
    await harness.press(lan, "Có")
    replies = await unchanged_after(harness, lambda: harness.send(lan, "ý" * 1001))
    assert "1.001 ký tự" in replies[0] and "chưa được lưu" in replies[0]


@pytest.mark.parametrize("kind", ["send_sticker", "send_photo", "send_voice"])
async def test_media_is_refused(harness, clock, kind) -> None:
    lan = await joined(harness, clock)

    async def act() -> list[str]:
        before = len(lan.messages)
        getattr(lan, kind)()
        await harness.pump()
        return [m.text for m in lan.messages[before:]]

    replies = await unchanged_after(harness, act)
    assert "chỉ đọc được tin nhắn chữ" in replies[0]


async def test_edited_message_is_not_reread(harness, clock) -> None:
    lan = await joined(harness, clock)
    sent = lan.send("tan uyen")
    await harness.pump()

    async def act() -> list[str]:
        before = len(lan.messages)
        lan.edit(sent, "/survey")
        await harness.pump()
        return [m.text for m in lan.messages[before:]]

    replies = await unchanged_after(harness, act)
    assert replies == [
        "Bot không đọc lại tin nhắn đã sửa, nên không có gì thay đổi. Nếu cần, "
        "hãy gửi một tin nhắn mới."
    ]


@pytest.mark.parametrize("command", ["/survey now please", "/cancel everything"])
async def test_command_with_garbage_arguments(harness, clock, command) -> None:
    lan = await joined(harness, clock)
    replies = await unchanged_after(harness, lambda: harness.send(lan, command))
    assert "không cần thêm chữ phía sau" in replies[0]


async def test_unknown_command(harness, clock) -> None:
    lan = await joined(harness, clock)
    replies = await unchanged_after(harness, lambda: harness.send(lan, "/xoa_het"))
    assert replies == ["Không có lệnh /xoa_het. Gõ /help để xem các lệnh dùng được."]


async def test_group_chat_is_told_once(harness) -> None:
    lan = harness.user(1)
    group = harness.sandbox.group(-100, "Thôn Nà Ban")
    group.send(lan, "/start")
    group.send(lan, "/survey")
    group.send(lan, "xin chào")
    await harness.pump()
    assert [m.text for m in group.messages] == [
        "ykien chỉ làm việc trong trò chuyện riêng. Hãy nhắn riêng cho bot để tham gia khảo sát; "
        "trong nhóm này bot sẽ không trả lời nữa."
    ]
    assert await harness.services.residents.membership(1) is None


async def test_survey_before_joining(harness) -> None:
    lan = harness.user(9)
    replies = await unchanged_after(harness, lambda: harness.send(lan, "/survey"))
    assert "chưa tham gia xã nào" in replies[0]


async def test_completed_survey_then_stranger_press(harness, clock) -> None:
    lan = await joined(harness, clock)
    await answer_all(harness, lan)
    data = lan.last.buttons[0][0][1]  # "e:<response>:0"
    stranger = harness.user(77, "Lạ")
    text = await unchanged_after(harness, lambda: harness.press_raw(stranger, data, 1))
    assert "không thuộc lượt" in text or "chưa tham gia" in text


@pytest.mark.parametrize("command", ["/progress", "/remind", "/villages", "/summary"])
async def test_superscript_digits_are_not_a_number(harness, command) -> None:
    """'²'.isdigit() is True but int('²') fails: arguments are read with isdecimal()."""
    from surveys.access import Role

    await harness.services.access.grant(
        await tg_person(harness.services, 901), Role.STAFF, commune=COMMUNE
    )
    staff = harness.user(901, "Cán bộ")
    before = await table_counts(harness.services.db)
    replies = await harness.send(staff, f"{command} ²")
    assert replies and replies[0]  # a clear message; the harness fails on any handler error
    after = await table_counts(harness.services.db)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
