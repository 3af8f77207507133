"""Telegram's HTML parse mode, strict enough to fail where Telegram fails.

A bot that sends ``<br>`` or forgets a ``</b>`` works in a lenient fake and breaks in
production, so this parser answers with Telegram's own error wording and computes
the entities (UTF-16 offsets) that Telegram would attach to the plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ENTITY_TYPES: dict[str, str] = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code", "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}  # fmt: skip
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]+")
_CHAR_REF = re.compile(r"&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,10}|[A-Za-z]{1,10});")


class HtmlParseError(ValueError):
    """Raised with the text Telegram puts after ``can't parse entities: ``."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    start: int
    attrs: dict[str, str]
    byte_offset: int
    extra: dict[str, Any] = field(default_factory=dict)


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.units = 0  # UTF-16 length of ``out`` so far
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.units += utf16_len(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "<":
                if src.startswith("</", self.pos):
                    self.end_tag()
                else:
                    self.start_tag()
            elif ch == "&":
                self.char_ref()
            else:
                nxt = min(
                    (i for i in (src.find("<", self.pos), src.find("&", self.pos)) if i != -1),
                    default=len(src),
                )
                self.emit(src[self.pos : nxt])
                self.pos = nxt
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def char_ref(self) -> None:
        match = _CHAR_REF.match(self.src, self.pos)
        if match:
            self.emit(_unescape(match.group(0)))
            self.pos = match.end()
        else:
            self.emit("&")
            self.pos += 1

    def start_tag(self) -> None:
        begin = self.pos
        offset = self.byte_offset(begin)
        name_match = _TAG_NAME.match(self.src, begin + 1)
        assert name_match is not None  # the pattern accepts the empty string
        name = name_match.group(0).lower()
        if name not in ENTITY_TYPES:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        self.pos = name_match.end()
        attrs = self.attributes(offset)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
            )
        self.stack.append(_Open(name, self.units, attrs, offset))

    def attributes(self, tag_offset: int) -> dict[str, str]:
        src = self.src
        attrs: dict[str, str] = {}
        while True:
            while self.pos < len(src) and src[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(src):
                raise HtmlParseError(f"Unclosed start tag at byte offset {tag_offset}")
            if src[self.pos] == ">":
                self.pos += 1
                return attrs
            match = _ATTR_NAME.match(src, self.pos)
            if not match:
                raise HtmlParseError(
                    f"Expected equal sign in declaration of an attribute of a start tag at "
                    f"byte offset {self.byte_offset(self.pos)}"
                )
            key = match.group(0).lower()
            self.pos = match.end()
            if self.pos < len(src) and src[self.pos] == "=":
                self.pos += 1
                attrs[key] = self.attribute_value(tag_offset)
            else:
                attrs[key] = ""

    def attribute_value(self, tag_offset: int) -> str:
        src = self.src
        if self.pos < len(src) and src[self.pos] in "\"'":
            quote = src[self.pos]
            end = src.find(quote, self.pos + 1)
            if end == -1:
                raise HtmlParseError(f"Unclosed start tag at byte offset {tag_offset}")
            raw = src[self.pos + 1 : end]
            self.pos = end + 1
        else:
            end = self.pos
            while end < len(src) and not src[end].isspace() and src[end] != ">":
                end += 1
            raw = src[self.pos : end]
            self.pos = end
        return _unescape(raw)

    def end_tag(self) -> None:
        begin = self.pos
        end = self.src.find(">", begin)
        if end == -1:
            raise HtmlParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        name = self.src[begin + 2 : end].strip().lower()
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack.pop()
        if name != top.tag:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, expected "
                f'"</{top.tag}>", found "</{name}>"'
            )
        self.pos = end + 1
        self.close(top)

    def close(self, top: _Open) -> None:
        parent = self.stack[-1] if self.stack else None
        language = top.attrs.get("class", "")
        if (
            top.tag == "code"
            and parent is not None
            and parent.tag == "pre"
            and language.startswith("language-")
        ):
            parent.extra["language"] = language.removeprefix("language-")
            return  # Telegram folds <pre><code class="language-x"> into one pre entity
        length = self.units - top.start
        if length <= 0:
            return
        entity: dict[str, Any] = {"type": ENTITY_TYPES[top.tag], "offset": top.start}
        entity["length"] = length
        if top.tag == "a":
            if not top.attrs.get("href"):
                return
            entity["url"] = top.attrs["href"]
        elif top.tag == "tg-emoji":
            entity["custom_emoji_id"] = top.attrs["emoji-id"]
        elif top.tag == "blockquote" and "expandable" in top.attrs:
            entity["type"] = "expandable_blockquote"
        elif top.tag == "pre" and "language" in top.extra:
            entity["language"] = top.extra["language"]
        self.entities.append(entity)


def _unescape(raw: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith(("#x", "#X")):
            return _codepoint(int(name[2:], 16)) or match.group(0)
        if name.startswith("#"):
            return _codepoint(int(name[1:])) or match.group(0)
        return NAMED_ENTITIES.get(name, match.group(0))

    return _CHAR_REF.sub(replace, raw)


def _codepoint(value: int) -> str | None:
    if 0 < value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF:
        return chr(value)
    return None


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` or raise :class:`HtmlParseError`."""
    return _Parser(source).run()
