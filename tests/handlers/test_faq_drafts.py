"""FAQ entries made from a resident's question (issue 17): a draft staff rewrite before it is
published, ID and phone numbers flagged, and nothing of the resident left after /deletedata."""

from __future__ import annotations

from surveys.personal_data import flags
from tests.conftest import table_counts
from tests.handlers.test_faq import member, rows
from tests.handlers.test_questions import asked, faq_content, staff  # noqa: F401

UID = 987_654
ASKED = "Tôi là Zelda Nguyễn, CCCD 001099012345, xin giấy phép xây chuồng bò ở đâu"
ANSWER = "Bạn nộp hồ sơ xin phép xây dựng tại bộ phận một cửa của xã."


async def answered(harness, text: str = ASKED):
    lan = await asked(harness, UID, text)
    officer = await staff(harness)
    await harness.send(officer, "/questions")
    await harness.press(officer, "Trả lời")
    await harness.send(officer, ANSWER)
    return lan, officer


def test_id_and_phone_numbers_are_flagged() -> None:
    assert flags(ASKED) == ["001099012345"]
    assert flags("CMND 123456789, gọi 0912 345 678 hoặc +84912345678") == [
        "123456789",
        "0912 345 678",
        "+84912345678",
    ]
    assert flags("năm 2026 có 12 hộ, lệ phí 1.000.000 đồng, ngày 01-12-2026") == []


async def test_the_entry_is_a_draft_until_staff_write_it_without_numbers(harness) -> None:
    _, officer = await answered(harness)
    (draft,) = await harness.press(officer, "Thêm vào câu hỏi thường gặp")
    assert "Bản nháp câu hỏi thường gặp (chưa đăng)" in draft
    assert "⚠️ Câu hỏi có số giống số CCCD/CMND hoặc số điện thoại: 001099012345" in draft
    assert await rows(harness, "SELECT 1 FROM faq_entries WHERE origin = 'staff'") == []
    before = await table_counts(harness.services.db)
    (flagged,) = await harness.send(officer, "Tôi là Zelda, 0912345678, xin phép xây ở đâu?")
    assert flagged.startswith("Chưa đăng: câu hỏi có số giống số CCCD/CMND hoặc số điện thoại")
    assert "0912345678" in flagged
    assert await table_counts(harness.services.db) == before
    (added,) = await harness.send(officer, "Xin giấy phép xây chuồng bò ở đâu?")
    assert added.startswith("Đã thêm vào câu hỏi thường gặp")
    (questions,) = (
        await rows(harness, "SELECT questions FROM faq_entries WHERE origin = 'staff'")
    )[0]
    assert "Zelda" not in questions and "001099012345" not in questions
    binh = await member(harness, 2, "Bình")
    assert ANSWER in (await harness.send(binh, "xin giay phep xay chuong bo"))[0]


async def test_deletedata_removes_an_entry_that_kept_her_words(harness) -> None:
    words = "Tôi là Zelda Nguyễn, xin giấy phép xây chuồng bò ở đâu"
    lan, officer = await answered(harness, words)
    await harness.press(officer, "Thêm vào câu hỏi thường gặp")
    # Staff published her words as they were (no number to flag, and a name cannot be told).
    assert (await harness.send(officer, words))[0].startswith("Đã thêm vào câu hỏi thường gặp")
    binh = await member(harness, 2, "Bình")
    assert ANSWER in (await harness.send(binh, "Zelda Nguyễn xin giấy phép xây chuồng bò"))[0]
    await harness.send(lan, "/deletedata")
    await harness.press(lan, "Xóa danh tính của tôi")
    assert await rows(harness, "SELECT 1 FROM faq_entries WHERE origin = 'staff'") == []
    everything = await rows(harness, "SELECT questions, answer FROM faq_entries")
    assert not any("Zelda" in str(r) for r in everything)
    # The matcher forgot it at once (not only after a restart).
    replies = await harness.send(binh, "Zelda Nguyễn xin giấy phép xây chuồng bò")
    assert "Zelda" not in "\n".join(replies) and ANSWER not in "\n".join(replies)
