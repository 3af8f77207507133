"""Commune staff answering residents' questions, through the real Application and sandbox."""

from __future__ import annotations

import pytest

from surveys.access import Role
from tests.conftest import COMMUNE, OTHER_COMMUNE, table_counts, tg_person
from tests.handlers.test_faq import button_labels, member, rows

STAFF = 50
QUESTION = "xin giấy phép xây chuồng bò ở đâu"


@pytest.fixture(autouse=True)
async def faq_content(services) -> None:
    from tests.handlers.test_faq import FAQ_FIXTURES

    services.faq.root = FAQ_FIXTURES
    await services.faq.sync_package()


async def asked(harness, user_id: int = 987654, text: str = QUESTION):
    """A resident (of a village) whose question the FAQ could not answer, sent to the commune."""
    await harness.services.residents.add_villages(COMMUNE, ["Thôn Nà Ngò"])
    resident = await member(harness, user_id)
    village = (await harness.services.residents.villages(COMMUNE))[0]
    await harness.services.residents.choose_village(user_id, village.id)
    await harness.send(resident, text)
    await harness.press(resident, "Gửi câu hỏi cho xã")
    return resident


async def staff(harness, user_id: int = STAFF, commune: int = COMMUNE):
    await harness.services.access.grant(
        await tg_person(harness.services, user_id), Role.STAFF, commune=commune
    )
    return harness.user(user_id, "Cán bộ")


async def test_staff_answer_reaches_resident_and_becomes_an_faq_entry(harness, clock) -> None:
    lan = await asked(harness)
    officer = await staff(harness)
    replies = await harness.send(officer, "/questions")
    assert replies[0].startswith("Câu hỏi đang chờ trả lời (1, cũ nhất trước)")
    assert "Thôn Nà Ngò" in replies[1] and QUESTION in replies[1]
    assert str(lan.id) not in replies[1] and "⚠️" not in replies[1]
    replies = await harness.press(officer, "Trả lời")
    assert replies[0].startswith("Gõ câu trả lời cho câu hỏi")
    answer = "Bạn nộp hồ sơ xin phép xây dựng tại bộ phận một cửa của xã."
    seen_by_lan = len(lan.messages)
    replies = await harness.send(officer, answer)
    assert replies[0].startswith("Đã gửi câu trả lời cho người hỏi.")
    assert lan.messages[seen_by_lan].text.startswith("Cán bộ xã đã trả lời câu hỏi của bạn")
    assert answer in lan.messages[seen_by_lan].text
    assert await rows(harness, "SELECT answer, answered_by FROM faq_questions") == [(answer, STAFF)]
    assert button_labels(officer.last) == ["Thêm vào câu hỏi thường gặp"]
    replies = await harness.press(officer, "Thêm vào câu hỏi thường gặp")
    assert replies[0].startswith("Bản nháp câu hỏi thường gặp (chưa đăng)")
    assert await rows(harness, "SELECT 1 FROM faq_entries WHERE origin = 'staff'") == []
    replies = await harness.send(officer, "Xin giấy phép xây chuồng bò ở đâu?")
    assert replies[0].startswith("Đã thêm vào câu hỏi thường gặp")
    entry = await rows(harness, "SELECT origin, answer FROM faq_entries WHERE origin = 'staff'")
    assert entry == [("staff", answer)]
    # The matcher uses it at once, for the next resident who asks the same in other words.
    binh = await member(harness, 2, "Bình")
    replies = await harness.send(binh, "xin giay phep xay chuong bo")
    assert answer in replies[0]
    assert button_labels(binh.last) == ["👍 Hữu ích", "👎 Chưa đúng ý"]
    before = await table_counts(harness.services.db)
    await harness.press(officer, "Thêm vào câu hỏi thường gặp")
    assert "đã được làm rồi" in officer.callback_answers[-1]
    assert await table_counts(harness.services.db) == before
    await harness.send(officer, "/questions")
    assert officer.last.text == "Không có câu hỏi nào đang chờ trả lời."


async def test_oldest_first_and_flagged_after_48_hours(harness, clock) -> None:
    await asked(harness, 1, "câu hỏi thứ nhất về chuồng bò")
    clock.advance(hours=47)
    await asked(harness, 2, "câu hỏi thứ hai về giấy phép xây chuồng trâu")
    clock.advance(hours=2)
    officer = await staff(harness)
    replies = await harness.send(officer, "/questions")
    assert "thứ nhất" in replies[1] and replies[1].startswith("⚠️ Quá 48 giờ chưa trả lời")
    assert "thứ hai" in replies[2] and "⚠️" not in replies[2]


async def test_questions_refused_to_non_staff(harness) -> None:
    await asked(harness)
    nobody = harness.user(77, "Khách")
    before = await table_counts(harness.services.db)
    replies = await harness.send(nobody, "/questions")
    assert replies == [
        "Lệnh /questions dành cho cán bộ xã. Bạn chưa được giao trả lời câu hỏi của xã nào."
    ]
    assert await table_counts(harness.services.db) == before


async def test_staff_of_another_commune_cannot_answer(harness) -> None:
    await asked(harness)
    other = await staff(harness, 60, OTHER_COMMUNE)
    assert (await harness.send(other, "/questions"))[0] == (
        "Không có câu hỏi nào đang chờ trả lời."
    )
    qid = (await rows(harness, "SELECT id FROM faq_questions"))[0][0]
    for data in (f"q:a:{qid}", f"q:f:{qid}"):
        before = await table_counts(harness.services.db)
        text = await harness.press_raw(other, data)
        assert text == "Bạn không có quyền trả lời câu hỏi của xã này."
        after = await table_counts(harness.services.db)
        assert after == {**before, "audit_log": before["audit_log"] + 1}  # the refusal
    assert (
        await rows(
            harness,
            "SELECT state FROM chat_states WHERE resident_id = "
            "(SELECT resident_id FROM addresses WHERE channel = 'telegram' AND address = '60')",
        )
        == []
    )


async def test_reply_to_an_already_answered_question(harness) -> None:
    await asked(harness)
    first, second = await staff(harness), await staff(harness, 51)
    await harness.send(first, "/questions")
    await harness.send(second, "/questions")
    await harness.press(first, "Trả lời")
    await harness.press(second, "Trả lời")
    await harness.send(first, "Câu trả lời của người thứ nhất.")
    before = await rows(harness, "SELECT * FROM faq_questions")
    replies = await harness.send(second, "Câu trả lời của người thứ hai.")
    assert replies[0].startswith("Câu hỏi này đã được trả lời trước đó")
    assert await rows(harness, "SELECT * FROM faq_questions") == before
    assert await rows(
        harness,
        "SELECT count(*) FROM chat_states WHERE resident_id = "
        "(SELECT resident_id FROM addresses WHERE channel = 'telegram' AND address = '51')",
    ) == [(0,)]
    text = await harness.press_raw(second, second.messages[-3].buttons[0][0][1])
    assert "đã được làm rồi" in text


async def test_empty_and_too_long_replies_keep_waiting(harness) -> None:
    lan = await asked(harness)
    officer = await staff(harness)
    await harness.send(officer, "/questions")
    await harness.press(officer, "Trả lời")
    before = await table_counts(harness.services.db)
    seen_by_lan = len(lan.messages)
    assert (await harness.send(officer, "   "))[0].startswith("Câu trả lời đang trống")
    replies = await harness.send(officer, "x" * 1200)
    assert replies[0].startswith("Câu trả lời dài 1200 ký tự, quá giới hạn 900 ký tự")
    assert await table_counts(harness.services.db) == before
    assert len(lan.messages) == seen_by_lan
    await harness.send(officer, "Được rồi, câu trả lời ngắn.")
    assert lan.last.text.endswith("Được rồi, câu trả lời ngắn.")


async def test_resident_who_blocked_the_bot_still_gets_the_answer_stored(harness) -> None:
    lan = await asked(harness)
    officer = await staff(harness)
    await harness.send(officer, "/questions")
    await harness.press(officer, "Trả lời")
    harness.sandbox.block(lan.id)
    replies = await harness.send(officer, "Câu trả lời.")
    assert replies[0].startswith("Đã lưu câu trả lời, nhưng người hỏi đã chặn bot")
    assert await rows(harness, "SELECT answer FROM faq_questions") == [("Câu trả lời.",)]


async def test_add_to_faq_before_answering_is_refused(harness) -> None:
    await asked(harness)
    officer = await staff(harness)
    qid = (await rows(harness, "SELECT id FROM faq_questions"))[0][0]
    await harness.send(officer, "/questions")
    before = await table_counts(harness.services.db)
    text = await harness.press_raw(officer, f"q:f:{qid}")
    assert text.startswith("Câu hỏi chưa được trả lời")
    assert await table_counts(harness.services.db) == before


async def test_a_question_too_long_for_the_faq_is_refused_as_entry(harness) -> None:
    long_question = "chuyện nhà tôi " * 30 + "giấy phép xây chuồng bò"
    lan = await asked(harness, text=long_question)
    officer = await staff(harness)
    await harness.send(officer, "/questions")
    await harness.press(officer, "Trả lời")
    await harness.send(officer, "Bạn hỏi bộ phận một cửa.")
    assert lan.last.text.endswith("Bạn hỏi bộ phận một cửa.")
    await harness.press(officer, "Thêm vào câu hỏi thường gặp")
    before = await table_counts(harness.services.db)
    (refused,) = await harness.send(officer, long_question)
    assert refused.startswith("Không đăng được: câu hỏi dài quá 300 ký tự")
    assert await table_counts(harness.services.db) == before


async def test_cancel_drops_the_reply_and_the_text_is_a_question_again(harness) -> None:
    lan = await asked(harness)
    officer = await staff(harness)
    await harness.send(officer, "/questions")
    await harness.press(officer, "Trả lời")
    await harness.send(officer, "/cancel")
    seen_by_lan = len(lan.messages)
    replies = await harness.send(officer, "quen pass vneid")
    assert replies[0].startswith("Quên mật khẩu VNeID")
    assert len(lan.messages) == seen_by_lan
    assert await rows(harness, "SELECT answer FROM faq_questions") == [(None,)]


@pytest.mark.parametrize("data", ["q:a:999999", "q:f:999999", "q:a:0", "q:x:1", "q:a:-1"])
async def test_forged_staff_buttons_change_nothing(harness, data) -> None:
    await asked(harness)
    officer = await staff(harness)
    await harness.send(officer, "/questions")
    before = await table_counts(harness.services.db)
    text = await harness.press_raw(officer, data)
    assert text.startswith("Nút bấm này không hợp lệ")
    assert await table_counts(harness.services.db) == before


async def test_reply_after_the_role_was_revoked_is_refused(harness) -> None:
    lan = await asked(harness)
    officer = await staff(harness)
    grant = (await harness.services.access.grants(STAFF))[0]
    await harness.send(officer, "/questions")
    await harness.press(officer, "Trả lời")
    await harness.services.access.revoke(grant.id)
    seen_by_lan = len(lan.messages)
    replies = await harness.send(officer, "Câu trả lời muộn.")
    assert replies[0].startswith("Không gửi được câu trả lời")
    assert len(lan.messages) == seen_by_lan
    assert await rows(harness, "SELECT answer FROM faq_questions") == [(None,)]
    assert (
        await rows(
            harness,
            "SELECT * FROM chat_states WHERE resident_id = (SELECT resident_id FROM addresses "
            f"WHERE channel = 'telegram' AND address = '{STAFF}')",
        )
        == []
    )
    refused = await rows(harness, "SELECT action FROM audit_log WHERE outcome = 'refused'")
    assert refused == [("questions.answer",)]
