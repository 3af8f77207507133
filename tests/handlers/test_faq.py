"""Residents asking in their own words, through the real Application against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import COMMUNE, table_counts, tg_person

FAQ_FIXTURES = Path(__file__).resolve().parents[1] / "data" / "faq"


@pytest.fixture(autouse=True)
async def faq_content(services) -> None:
    services.faq.root = FAQ_FIXTURES
    await services.faq.sync_package()


async def rows(harness, sql: str) -> list[tuple]:
    return [tuple(r) for r in await harness.services.db.conn.execute_fetchall(sql)]


async def member(harness, user_id: int = 1, name: str = "Lan"):
    await harness.services.residents.join(await tg_person(harness.services, user_id), name, COMMUNE)
    return harness.user(user_id, name)


def button_labels(message) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def test_confident_answer_with_feedback_stored(harness) -> None:
    lan = await member(harness)
    replies = await harness.send(lan, "quen pass vneid")
    assert replies[0].startswith("Quên mật khẩu VNeID thì làm sao?")
    assert "Quên mật khẩu" in replies[0] and "OTP" in replies[0]
    assert button_labels(lan.last) == ["👍 Hữu ích", "👎 Chưa đúng ý"]
    await harness.press(lan, "👍 Hữu ích")
    assert "hữu ích" in lan.callback_answers[-1]
    assert await rows(harness, "SELECT entry_id, helpful FROM faq_feedback") == [
        ("vneid-quen-mat-khau", 1)
    ]
    await harness.press(lan, "👎 Chưa đúng ý")  # changing one's mind replaces the verdict
    assert await rows(harness, "SELECT entry_id, helpful FROM faq_feedback") == [
        ("vneid-quen-mat-khau", 0)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "QUÊN MẬT KHẨU VNEID",  # case and diacritics
        "vneid quen mat khau",  # any word order
        "quen mat khua vnied",  # a typo in two words
        "ko nho pass vneid",  # slang
        "VNeID пароль 密码 quên mật khẩu",  # mixed scripts
    ],
)
async def test_how_residents_type_still_matches(harness, text) -> None:
    lan = await member(harness)
    replies = await harness.send(lan, text)
    assert replies[0].startswith("Quên mật khẩu VNeID"), replies


async def test_abbreviations_for_birth_and_household_registration(harness) -> None:
    lan = await member(harness)
    assert (await harness.send(lan, "làm giấy khai sinh"))[0].startswith("Đăng ký khai sinh")
    assert (await harness.send(lan, "dang ki ho khau"))[0].startswith("Đăng ký thường trú")
    assert (await harness.send(lan, "Đăng ký hộ khẩu online"))[0].startswith("Đăng ký thường trú")


async def test_unsure_offers_candidates_and_a_pick_answers(harness) -> None:
    lan = await member(harness)
    replies = await harness.send(lan, "dang ky vneid")
    assert replies[0].startswith("Có phải bạn muốn hỏi")
    *labels, last = button_labels(lan.last)
    assert 2 <= len(labels) <= 3
    assert last == "Gửi câu hỏi cho xã"
    await harness.press(lan, labels[0])
    assert lan.last.text.startswith(labels[0].rstrip("…"))
    await harness.press(lan, "👍 Hữu ích")
    assert await rows(harness, "SELECT count(*) FROM faq_feedback WHERE helpful = 1") == [(1,)]


async def test_unsure_lets_a_member_send_the_question_to_the_commune(harness) -> None:
    lan = await member(harness)
    replies = await harness.send(lan, "dang ky vneid")
    assert "Không câu nào đúng?" in replies[0]
    await harness.press(lan, "Gửi câu hỏi cho xã")
    queued = await rows(harness, "SELECT commune_code, text FROM faq_questions")
    assert queued == [(COMMUNE, "dang ky vneid")]


async def test_unsure_for_a_stranger_has_no_hand_off(harness) -> None:
    stranger = harness.user(9, "Khách")
    replies = await harness.send(stranger, "dang ky vneid")
    assert replies[0].startswith("Có phải bạn muốn hỏi")
    assert "Không câu nào đúng?" not in replies[0]
    assert "Gửi câu hỏi cho xã" not in button_labels(stranger.last)


async def test_no_match_offers_the_commune_and_queues_once(harness) -> None:
    lan = await member(harness)
    replies = await harness.send(lan, "giá lúa hôm nay bao nhiêu")
    assert replies[0].startswith("Xin lỗi, mình chưa có câu trả lời")
    assert "/faq" in replies[0]
    assert button_labels(lan.last) == ["Gửi câu hỏi cho xã"]
    replies = await harness.press(lan, "Gửi câu hỏi cho xã")
    assert replies == [
        "Đã gửi câu hỏi của bạn cho cán bộ xã. Khi cán bộ trả lời, mình sẽ nhắn lại cho bạn ở đây."
    ]
    queued = await rows(harness, "SELECT commune_code, text, answer FROM faq_questions")
    assert queued == [(COMMUNE, "giá lúa hôm nay bao nhiêu", None)]
    before = await table_counts(harness.services.db)
    await harness.press(lan, "Gửi câu hỏi cho xã")
    assert "đã được gửi" in lan.callback_answers[-1]
    assert await table_counts(harness.services.db) == before


async def test_not_joined_is_told_to_join_first(harness) -> None:
    stranger = harness.user(9, "Khách")
    replies = await harness.send(stranger, "giá lúa hôm nay bao nhiêu")
    assert "tham gia xã của mình trước: gõ /start" in replies[0]
    assert stranger.last.buttons == []
    ask_id = (await rows(harness, "SELECT max(id) FROM faq_asks"))[0][0]
    before = await table_counts(harness.services.db)
    text = await harness.press_raw(stranger, f"f:h:{ask_id}")
    assert "tham gia xã của mình trước" in text
    assert await table_counts(harness.services.db) == before


async def test_faq_browses_categories_entries_and_answers(harness) -> None:
    lan = await member(harness)
    await harness.send(lan, "/faq")
    assert lan.last.text.startswith("Câu hỏi thường gặp")
    assert "Tài khoản định danh VNeID" in button_labels(lan.last)
    assert len(button_labels(lan.last)) == 11
    await harness.press(lan, "Tài khoản định danh VNeID")
    assert lan.last.text.startswith("Tài khoản định danh VNeID")
    assert "Quên mật khẩu VNeID thì làm sao?" in button_labels(lan.last)
    await harness.press(lan, "Quên mật khẩu VNeID thì làm sao?")
    assert "OTP" in lan.last.text
    await harness.press(lan, "Sổ sức khỏe điện tử", lan.messages[-3])
    assert lan.last.text == (
        "Sổ sức khỏe điện tử\nChủ đề này chưa có câu hỏi nào. Bạn cứ gõ câu hỏi của mình, "
        "hoặc chọn chủ đề khác."
    )
    await harness.press(lan, "« Các chủ đề")
    assert lan.last.text.startswith("Câu hỏi thường gặp")


async def test_faq_with_words_is_a_question(harness) -> None:
    lan = await member(harness)
    assert (await harness.send(lan, "/faq ocop"))[0].startswith("OCOP là gì?")


@pytest.mark.parametrize("text", ["😀😀😀", "?!?!...", "   .  ", "   ", "ạ ạ ạ"])
async def test_nothing_to_read_gets_a_hint_and_stores_nothing(harness, text) -> None:
    lan = await member(harness)
    before = await table_counts(harness.services.db)
    replies = await harness.send(lan, text)
    assert replies == [
        'Mình chưa đọc được câu hỏi của bạn. Bạn hãy gõ câu hỏi bằng chữ, ví dụ: "quên mật '
        'khẩu VNeID", hoặc gõ /faq để xem các câu hỏi thường gặp.'
    ]
    assert await table_counts(harness.services.db) == before


@pytest.mark.parametrize(
    "text",
    ["vneid OR 1=1", '"vneid', "vneid*", "NEAR(vneid mat)", "'; DROP TABLE faq_entries; --"],
)
async def test_query_syntax_is_just_text(harness, text) -> None:
    lan = await member(harness)
    before = await table_counts(harness.services.db)
    replies = await harness.send(lan, text)
    assert len(replies) == 1 and replies[0]
    after = await table_counts(harness.services.db)
    assert after == {**before, "faq_asks": before["faq_asks"] + 1}
    assert await rows(harness, "SELECT text FROM faq_asks") == [(text,)]


async def test_a_4000_character_message(harness) -> None:
    lan = await member(harness)
    text = "quên mật khẩu vneid " + "và còn nhiều chuyện khác nữa " * 140
    replies = await harness.send(lan, text[:4000])
    assert len(replies) == 1
    stored = await rows(harness, "SELECT length(text) FROM faq_asks")
    assert stored == [(1000,)]


@pytest.mark.parametrize(
    "data",
    [
        "f:y:999999",
        "f:n:0",
        "f:h:424242",
        "f:e:khong-co",
        "f:c:nope",
        "f:p:1:khong-co",
        "f:zz",
        "f:y:abc",
        "f:e:" + "a" * 60,
        "q:a:x",
        "f:y:1:2",
    ],
)
async def test_forged_buttons_change_nothing(harness, data) -> None:
    lan = await member(harness)
    await harness.send(lan, "dang ky vneid")
    before = await table_counts(harness.services.db)
    text = await harness.press_raw(lan, data)
    assert text.startswith("Nút bấm này không hợp lệ") or "không có quyền" in text
    assert await table_counts(harness.services.db) == before


async def test_feedback_on_someone_elses_answer_is_refused(harness) -> None:
    lan = await member(harness)
    binh = await member(harness, 2, "Bình")
    await harness.send(lan, "quen pass vneid")
    lan_button = lan.last.buttons[0][0][1]
    await harness.send(binh, "ocop")
    before = await table_counts(harness.services.db)
    text = await harness.press_raw(binh, lan_button)
    assert "câu hỏi của người khác" in text
    assert await table_counts(harness.services.db) == before


OUT_OF_SCOPE = [
    "xổ số miền bắc hôm nay về con gì",  # the lottery
    "tối nay việt nam đá bóng mấy giờ",  # football
    "muốn vay ngân hàng 30 triệu nuôi bò",  # a loan
    "đau bụng quá uống thuốc gì",  # a stomach ache
]


@pytest.mark.parametrize("shipped", [False, True])
async def test_out_of_scope_gets_the_plain_answer_and_no_suggestion(harness, shipped) -> None:
    """No "Có phải bạn muốn hỏi…" with unrelated questions: what ykien covers, and the commune."""
    if shipped:
        from surveys.faq_content import package_dir

        harness.services.faq.root = package_dir()
        await harness.services.faq.sync_package()
    lan = await member(harness)
    for text in OUT_OF_SCOPE:
        before = await table_counts(harness.services.db)
        replies = await harness.send(lan, text)
        assert len(replies) == 1, (text, replies)
        assert replies[0].startswith("Xin lỗi, mình chưa có câu trả lời"), (text, replies)
        assert "dịch vụ công trực tuyến" in replies[0] and "VNeID" in replies[0]
        assert "Có phải bạn muốn hỏi" not in replies[0]
        assert button_labels(lan.last) == ["Gửi câu hỏi cho xã"], text
        after = await table_counts(harness.services.db)
        # Only the question itself is recorded (for the hand-off and `faq review`).
        assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {"faq_asks": 1}
    asks = await rows(harness, "SELECT text, verdict, entry_id FROM faq_asks ORDER BY id")
    assert asks == [(text, "none", None) for text in OUT_OF_SCOPE]
    await harness.press(lan, "Gửi câu hỏi cho xã")
    queued = await rows(harness, "SELECT commune_code, text FROM faq_questions")
    assert queued == [(COMMUNE, OUT_OF_SCOPE[-1])]
