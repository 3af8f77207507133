"""A view per medium: Telegram HTML as the templates write it, plain text of at most 2,000
characters per message for Zalo and the web, rendered from the real templates."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from handlers.views.labels import answer_label
from handlers.views.media import PLAIN_LIMIT, Medium, plain_text, render_for, split
from handlers.views.texts import render
from storage.privacy import StoredAsk
from storage.records import Commune
from surveys.definitions import catalog
from surveys.privacy import MyData

PLAIN = [Medium.ZALO, Medium.WEB]
MARKUP = re.compile(r"</?[a-z]+[ >]|&[a-z#0-9]+;")
TAN_UYEN = Commune(12345, "Xã Tân Uyên", "xa", 12, "Lai Châu")


def test_telegram_gets_the_template_as_it_renders() -> None:
    membership = SimpleNamespace(commune=TAN_UYEN)
    html = render("resident_welcome.html", membership=membership)
    assert render_for(Medium.TELEGRAM, "resident_welcome.html", membership=membership) == [html]
    assert "<b>Xã Tân Uyên</b>" in html


@pytest.mark.parametrize("medium", PLAIN)
def test_welcome_as_plain_text(medium: Medium) -> None:
    (text,) = render_for(
        medium, "resident_welcome.html", membership=SimpleNamespace(commune=TAN_UYEN)
    )
    assert text.startswith("Chào mừng bạn đến với ykien của Xã Tân Uyên, Lai Châu!\n\n")
    assert "Gõ /mydata để xem mọi thứ được lưu về bạn" in text
    assert not MARKUP.search(text)


@pytest.mark.parametrize("medium", PLAIN)
def test_every_question_of_the_catalog_as_plain_text(medium: Medium) -> None:
    (survey,) = catalog()
    step = SimpleNamespace(survey=survey)
    for number, question in enumerate(survey.questions, 1):
        html = render("resident_question.html", step=step, number=number)
        (text,) = render_for(medium, "resident_question.html", step=step, number=number)
        assert text.split("\n")[:2] == [f"Câu {number}/{len(survey.questions)}", question.text]
        assert not MARKUP.search(text), html


def test_code_links_and_entities_become_plain() -> None:
    (text,) = render_for(Medium.ZALO, "officer_summary_usage.html")
    assert text.endswith("Ví dụ: /summary xa tan uyen")
    html = (
        'Mở <a href="https://t.me/ykien_bot?start=j1">đường link</a> hoặc '
        '<a href="https://ykien.vn">https://ykien.vn</a><br>&lt;b&gt; &amp; &#34;'
    )
    assert plain_text(html) == (
        'Mở đường link (https://t.me/ykien_bot?start=j1) hoặc https://ykien.vn\n<b> & "'
    )


def _mydata(asks: int) -> dict[str, object]:
    """What /mydata renders for a person who typed `asks` long questions to the FAQ."""
    typed = "Thủ tục <đăng ký> tạm trú & giấy phép xây chuồng bò làm ở đâu, mất bao lâu? "
    stored = [
        StoredAsk(datetime(2026, 11, 1, 2, i, tzinfo=UTC), f"{i}. {typed * 3}", "none")
        for i in range(asks)
    ]
    data = MyData(7, None, None, None, asks=stored)
    return {"data": data, "label": answer_label, "tz": ZoneInfo("Asia/Ho_Chi_Minh")}


@pytest.mark.parametrize("medium", PLAIN)
def test_a_long_mydata_is_split_at_line_ends(medium: Medium) -> None:
    context = _mydata(asks=30)
    whole = plain_text(render("priv_mydata.html", **context))
    assert len(whole) > 3 * PLAIN_LIMIT
    parts = render_for(medium, "priv_mydata.html", **context)
    assert len(parts) > 3 and all(len(p) <= PLAIN_LIMIT for p in parts)
    for part, after in itertools.pairwise(parts):  # each as full as whole lines allow
        assert len(part) + 1 + len(after.split("\n")[0]) > PLAIN_LIMIT
    lines = [line for line in whole.split("\n") if line]
    assert [line for p in parts for line in p.split("\n") if line] == lines  # whole lines
    assert parts[0].startswith("Dữ liệu ykien lưu về bạn\n\nCâu bạn đã hỏi phần câu hỏi")
    assert "\n• 09:00 01/11/2026: 0. Thủ tục <đăng ký> tạm trú & giấy phép" in parts[0]
    assert all("Thủ tục <đăng ký> tạm trú & giấy phép" in p for p in parts)
    assert parts[-1].endswith("dưới dạng số đếm ẩn danh).")
    assert not any(MARKUP.search(p) for p in parts)


def test_a_short_mydata_is_one_message() -> None:
    assert len(render_for(Medium.ZALO, "priv_mydata.html", **_mydata(asks=2))) == 1


def test_a_line_longer_than_a_message_is_cut_between_words() -> None:
    words = [f"từ{i}" for i in range(1500)]
    parts = split("Đầu\n" + " ".join(words), 2000)
    assert all(len(p) <= 2000 for p in parts) and len(parts) == 5
    assert " ".join(parts).split() == ["Đầu", *words]


def test_only_a_word_longer_than_a_message_is_cut_inside() -> None:
    assert split("a" * 4500 + " b", 2000) == ["a" * 2000, "a" * 2000, "a" * 500 + " b"]
    assert split("\n\n", 2000) == []
