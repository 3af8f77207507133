"""/rounds: list and launch through buttons; each refusal checked in the reply and the database."""

from __future__ import annotations

from surveys.access import Role
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY, table_counts, tg_person
from tests.handlers.test_broadcast import join

STAFF = 800


async def staff_member(harness, uid: int = STAFF, commune: int = COMMUNE):
    await harness.services.access.grant(
        await tg_person(harness.services, uid), Role.STAFF, commune=commune
    )
    return harness.user(uid, "Cán bộ")


async def to_when_step(harness, staff) -> None:
    await harness.send(staff, "/rounds")
    await harness.press(staff, "r:new")
    await harness.press(staff, f"r:s:{SURVEY}")
    await harness.press(staff, "r:a:all")


async def test_launch_this_evening_with_preview_test_copy_and_double_confirm(harness) -> None:
    await join(harness, 3)
    staff = await staff_member(harness)
    listing = await harness.send(staff, "/rounds")
    assert "Chưa có đợt nào" in listing[0]
    await to_when_step(harness, staff)
    await harness.press(staff, "r:w:eve")
    preview = await harness.press(staff, "r:c:14")
    assert "Sẽ gửi tới 3 người, bắt đầu 19:00 hôm nay, đóng 07/12" in preview[0]

    before = await table_counts(harness.services.db)
    copy = await harness.press(staff, "r:t")
    assert copy[0].startswith("Xã đang lấy ý kiến")  # a test copy stores nothing
    assert await table_counts(harness.services.db) == before
    assert before["broadcasts"] == 0

    preview_message = next(m for m in reversed(staff.messages) if "Sẽ gửi tới" in m.text)
    shown = await harness.press(staff, "r:ok", preview_message)
    assert "chờ gửi" in shown[0] and "0/3" in shown[0]
    after = await table_counts(harness.services.db)
    assert (after["broadcasts"], after["deliveries"], after["rounds"]) == (1, 3, 1)

    popup = await harness.press_raw(staff, "r:ok", preview_message.message_id)
    assert popup.startswith("Nút này không còn dùng được")
    assert await table_counts(harness.services.db) == after

    listing = await harness.send(staff, "/rounds")
    assert "đã hẹn giờ" in listing[0]
    cancelled = await harness.press(staff, "r:k:1")
    assert "Đã hủy lượt gửi 1" in cancelled[0]
    broadcast = await harness.services.broadcasts.get(1)
    assert broadcast.status == "cancelled"


async def test_typed_times_past_unreadable_and_close_before_start(harness, clock) -> None:
    await join(harness, 1)
    staff = await staff_member(harness)
    await to_when_step(harness, staff)
    await harness.press(staff, "r:w:type")
    before = await table_counts(harness.services.db)
    bad = await harness.send(staff, "hôm qua")
    assert bad[0].startswith("Không hiểu")
    past = await harness.send(staff, "08:00 23/11/2026")  # it is 10:00 on 23/11
    assert past == ["Thời điểm đó đã qua; chọn hoặc nhập một thời điểm sau bây giờ."]
    assert await table_counts(harness.services.db) == before
    closes = await harness.send(staff, "20:00 25/11/2026")
    assert closes[0].startswith("Bước 4/5")
    await harness.press(staff, "r:c:type")
    refused = await harness.send(staff, "19:00 24/11/2026")
    assert refused[0] == "Giờ đóng phải sau giờ bắt đầu; chọn lại."
    assert refused[1].startswith("Bước 3/5")
    counts = await table_counts(harness.services.db)
    assert counts["rounds"] == 0 and counts["broadcasts"] == 0


async def test_audience_of_zero_is_refused_at_confirm(harness) -> None:
    staff = await staff_member(harness, commune=OTHER_COMMUNE)  # nobody joined there
    await to_when_step(harness, staff)
    await harness.press(staff, "r:w:now")
    preview = await harness.press(staff, "r:c:7")
    assert "Sẽ gửi tới 0 người" in preview[0]
    before = await table_counts(harness.services.db)
    refused = await harness.press(staff, "r:ok")
    assert refused == [
        "Không có ai để gửi: chưa có người dân nào (đang nhận tin) trong nhóm này. "
        "Chưa tạo đợt nào."
    ]
    assert await table_counts(harness.services.db) == before


async def test_second_staff_launching_the_same_survey_is_refused(harness) -> None:
    await join(harness, 2)
    first = await staff_member(harness)
    second = await staff_member(harness, STAFF + 1)
    for staff in (first, second):
        await to_when_step(harness, staff)
        await harness.press(staff, "r:w:now")
        await harness.press(staff, "r:c:7")
    await harness.press(first, "r:ok")
    before = await table_counts(harness.services.db)
    refused = await harness.press(second, "r:ok")
    assert "cán bộ khác vừa tạo" in refused[0]
    assert await table_counts(harness.services.db) == before


async def test_not_staff_and_forged_buttons(harness) -> None:
    await join(harness, 1)
    resident = harness.sandbox.user(1001)
    before = await table_counts(harness.services.db)
    assert await harness.send(resident, "/rounds") == [
        "Lệnh này chỉ dành cho cán bộ xã được cấp quyền."
    ]
    assert (await harness.press_raw(resident, "r:s:../etc")).startswith("Nút bấm này không hợp lệ")
    assert (await harness.press_raw(resident, "r:ok")).startswith("Nút này không còn")
    after = await table_counts(harness.services.db)
    assert after == {**before, "resident_actions": before["resident_actions"] + 1}  # counted


async def test_other_communes_staff_cannot_cancel(harness) -> None:
    await join(harness, 1)
    staff = await staff_member(harness)
    await to_when_step(harness, staff)
    await harness.press(staff, "r:w:type")
    await harness.send(staff, "19:00 30/11/2026")
    await harness.press(staff, "r:c:7")
    await harness.press(staff, "r:ok")
    other = await staff_member(harness, STAFF + 5, commune=OTHER_COMMUNE)
    await harness.send(other, "/rounds")
    popup = await harness.press_raw(other, "r:k:1")
    assert popup.startswith("Nút này không còn")
    assert (await harness.services.broadcasts.get(1)).status == "scheduled"


async def test_new_round_button_from_someone_without_the_role(harness) -> None:
    await join(harness, 1)
    resident = harness.sandbox.user(1001)
    before = await table_counts(harness.services.db)
    answers = len(resident.callback_answers)
    resident.press_raw(resident.last.message_id, "r:new")
    await harness.pump()
    assert len(resident.callback_answers) == answers + 1
    assert resident.messages[-1].text == "Lệnh này chỉ dành cho cán bộ xã được cấp quyền."
    after = await table_counts(harness.services.db)
    assert after == {**before, "resident_actions": before["resident_actions"] + 1}  # counted
    assert after["chat_states"] == before["chat_states"]


async def test_an_administrator_without_a_commune_is_told_what_to_do(harness) -> None:
    from surveys.access import Role
    from tests.conftest import snapshot

    await harness.services.access.grant(await tg_person(harness.services, 26), Role.ADMIN)
    admin = harness.user(26, "Quản trị")
    before = await snapshot(harness.services.db)
    (answer,) = await harness.send(admin, "/rounds")
    assert answer.startswith("Bạn là quản trị viên, không gắn với một xã nào")
    assert "ykien round open --commune" in answer
    assert await snapshot(harness.services.db) == before


async def test_send_now_launches_although_the_clock_moved_between_presses(harness, clock) -> None:
    await join(harness, 2)
    staff = await staff_member(harness)
    await to_when_step(harness, staff)
    clock.advance(seconds=20)
    await harness.press(staff, "r:w:now")
    clock.advance(seconds=40)
    preview = await harness.press(staff, "r:c:7")
    assert "Sẽ gửi tới 2 người, bắt đầu ngay, đóng 30/11" in preview[0]
    clock.advance(minutes=3)  # the staff member reads the preview before confirming
    shown = await harness.press(staff, "r:ok")
    assert "Thời điểm đó đã qua" not in shown[0]
    assert "chờ gửi" in shown[0] and "0/2" in shown[0]
    broadcast = await harness.services.broadcasts.get(1)
    assert broadcast is not None and broadcast.starts_at == clock.now
    round_ = await harness.services.rounds.get(broadcast.round_id)
    assert round_ is not None and round_.opens_at == clock.now and round_.is_open(clock.now)
    assert (await table_counts(harness.services.db))["deliveries"] == 2


async def test_send_now_in_quiet_hours_previews_the_real_first_send(harness, clock) -> None:
    await join(harness, 1)
    staff = await staff_member(harness)
    clock.advance(hours=12)  # 22:00 in Hà Nội: quiet hours until 07:00
    await to_when_step(harness, staff)
    await harness.press(staff, "r:w:now")
    preview = await harness.press(staff, "r:c:7")
    assert "bắt đầu 07:00 24/11 (sau giờ yên tĩnh và ngày không gửi tin)" in preview[0]
    clock.advance(minutes=1)
    await harness.press(staff, "r:ok")
    broadcast = await harness.services.broadcasts.get(1)
    assert broadcast is not None and broadcast.starts_at == clock.now  # the sender waits


async def test_cancelling_the_invitation_keeps_a_round_with_answers_open(harness, clock) -> None:
    (lan,) = await join(harness, 1)
    staff = await staff_member(harness)
    await to_when_step(harness, staff)
    await harness.press(staff, "r:w:now")
    await harness.press(staff, "r:c:7")
    await harness.press(staff, "r:ok")  # the bot's sender has not sent it yet
    await harness.send(lan, "/survey")
    await harness.press(lan, "4 · Hài lòng")
    await harness.send(staff, "/broadcast")
    cancelled = await harness.press(staff, "r:k:1")
    assert "Đã hủy lượt gửi 1" in cancelled[0]
    assert "Đợt 1 năm 2026 (mã đợt 1) vẫn mở: đã có 1 người trả lời" in cancelled[0]
    assert "ykien round close 1" in cancelled[0]
    broadcast = await harness.services.broadcasts.get(1)
    assert broadcast is not None and broadcast.status == "cancelled"
    round_ = await harness.services.rounds.get(1)
    assert round_ is not None and round_.closed_at is None and round_.is_open(clock.now)
    assert (await table_counts(harness.services.db))["answers"] == 1
