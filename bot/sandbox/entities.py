"""Telegram text + entities back to HTML for a browser, built from escaped text only.

The trainer page never echoes the HTML the bot sent: the sandbox has already parsed it
into plain text and entities (as Telegram does), and this module rebuilds the markup from
those, so whatever the text holds reaches the page escaped and links keep to web schemes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

TAGS: dict[str, tuple[str, str]] = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
}
SAFE_SCHEMES = {"http", "https", "tg", "mailto"}


def _link(url: str) -> tuple[str, str]:
    if urlsplit(url).scheme.lower() not in SAFE_SCHEMES:
        return "", ""  # a javascript: or data: link shows as its text, not as a link
    return f'<a href="{escape(url)}" rel="noopener noreferrer">', "</a>"


def _tags(entity: Mapping[str, Any]) -> tuple[str, str]:
    kind = str(entity.get("type"))
    if kind == "text_link":
        return _link(str(entity.get("url", "")))
    return TAGS.get(kind, ("", ""))


def _units(text: str) -> list[str]:
    """The text split at UTF-16 code units: an astral character takes two slots (one empty)."""
    out: list[str] = []
    for char in text:
        out.append(char)
        if ord(char) > 0xFFFF:
            out.append("")
    return out


def to_html(text: str, entities: Iterable[Mapping[str, Any]]) -> Markup:
    """Escaped ``text`` with the entities' tags; newlines are kept (the page pre-wraps)."""
    units = _units(text)
    opens: dict[int, list[tuple[int, int, str]]] = {}
    closes: dict[int, list[tuple[int, int, str]]] = {}
    for number, entity in enumerate(entities):
        start = max(0, int(entity.get("offset", 0)))
        end = min(len(units), start + int(entity.get("length", 0)))
        open_tag, close_tag = _tags(entity)
        if end <= start or not open_tag:
            continue
        opens.setdefault(start, []).append((-end, number, open_tag))
        closes.setdefault(end, []).append((-start, -number, close_tag))
    out: list[str] = []
    for index in range(len(units) + 1):
        # Inner first on close (the later start), outer first on open (the longer span);
        # equal spans close in the reverse order they opened.
        out.extend(tag for *_, tag in sorted(closes.get(index, [])))
        out.extend(tag for *_, tag in sorted(opens.get(index, [])))
        if index < len(units):
            out.append(escape(units[index], quote=False))
    return Markup("".join(out))
