"""The page rebuilds the bot's formatting from text + entities, escaping everything else."""

from __future__ import annotations

from bot.sandbox.entities import to_html
from bot.sandbox.html import parse_html


def page_html(telegram_html: str) -> str:
    """What the page shows for a message the bot sent with parse_mode=HTML."""
    return str(to_html(*parse_html(telegram_html)))


def test_formatting_survives_and_nests() -> None:
    assert page_html("<b>Đợt 1</b> · <i>đang <u>mở</u></i>") == (
        "<b>Đợt 1</b> · <i>đang <u>mở</u></i>"
    )
    assert page_html("<b><i>cả hai</i></b>") in ("<b><i>cả hai</i></b>", "<i><b>cả hai</b></i>")
    assert page_html("<pre>a\nb</pre>") == "<pre>a\nb</pre>"


def test_text_is_escaped_even_when_it_looks_like_html() -> None:
    assert page_html("&lt;script&gt;alert(1)&lt;/script&gt; &amp; <b>x</b>") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <b>x</b>"
    )
    assert to_html('<img src=x onerror="alert(1)">', []) == ('&lt;img src=x onerror="alert(1)"&gt;')


def test_links_keep_to_web_schemes_and_escape_their_address() -> None:
    assert page_html('<a href="https://t.me/ykien_bot?start=j1&amp;x=&quot;">mở</a>') == (
        '<a href="https://t.me/ykien_bot?start=j1&amp;x=&quot;" rel="noopener noreferrer">mở</a>'
    )
    assert page_html('<a href="javascript:alert(1)">bấm</a>') == "bấm"
    assert page_html('<a href="data:text/html,x">bấm</a>') == "bấm"


def test_offsets_count_utf16_units_past_emoji() -> None:
    assert page_html("🔔 <b>Nhắc</b> 👍 <i>xong</i>") == "🔔 <b>Nhắc</b> 👍 <i>xong</i>"


def test_entities_past_the_end_are_clipped_and_unknown_types_ignored() -> None:
    entities = [
        {"type": "bold", "offset": 2, "length": 99},
        {"type": "mention", "offset": 0, "length": 2},
        {"type": "italic", "offset": 1, "length": 0},
    ]
    assert to_html("ab<c", entities) == "ab<b>&lt;c</b>"
