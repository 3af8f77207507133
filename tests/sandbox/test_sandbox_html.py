"""The HTML parse mode: entities like Telegram computes them, errors where Telegram fails."""

from __future__ import annotations

import pytest

from bot.sandbox.html import HtmlParseError, parse_html


def test_plain_text_and_entities_use_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>Xã <i>Tân</i></b> &lt;ok&gt; &amp; &quot;q&quot;")
    assert text == '😀 Xã Tân <ok> & "q"'
    # the emoji is two UTF-16 units, so bold starts at 3
    assert entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "italic", "offset": 6, "length": 3},
    ]


def test_all_supported_tags() -> None:
    source = (
        "<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>"
        '<span class="tg-spoiler">h</span><tg-spoiler>i</tg-spoiler>'
        '<a href="https://example.org/?a=1&amp;b=2">j</a><code>k</code>'
        '<pre><code class="language-python">l</code></pre><blockquote>m</blockquote>'
        "<blockquote expandable>n</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    text, entities = parse_html(source)
    assert text == "abcdefghijklmn👍"
    kinds = [(e["type"], e["offset"]) for e in entities]
    assert kinds == [
        ("bold", 0), ("italic", 1), ("underline", 2), ("underline", 3), ("strikethrough", 4),
        ("strikethrough", 5), ("strikethrough", 6), ("spoiler", 7), ("spoiler", 8),
        ("text_link", 9), ("code", 10), ("pre", 11), ("blockquote", 12),
        ("expandable_blockquote", 13), ("custom_emoji", 14),
    ]  # fmt: skip
    assert entities[9]["url"] == "https://example.org/?a=1&b=2"
    assert entities[11]["language"] == "python"
    assert entities[14]["custom_emoji_id"] == "5368324170671202286"


def test_character_references() -> None:
    assert parse_html("&#65;&#x1F600;&nbsp;&bogus")[0] == "A😀&nbsp;&bogus"
    assert parse_html("a > b")[0] == "a > b"


def test_tags_are_case_insensitive_and_empty_entities_dropped() -> None:
    assert parse_html("<B>x</B><i></i>") == ("x", [{"type": "bold", "offset": 0, "length": 1}])


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("Tân <b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y', "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have attribute "emoji-id"'),
    ],
)
def test_parse_errors_match_telegram(source: str, message: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(source)
    assert str(info.value).startswith(message)


def test_byte_offsets_count_utf8_bytes() -> None:
    with pytest.raises(HtmlParseError, match="byte offset 4"):
        parse_html("Xã <p>")  # "ã" is two bytes
