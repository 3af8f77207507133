"""The FAQ's callback-data codec (f: for residents, q: for staff) and its inline keyboards.

  f:c:<category>        browse a category          f:e:<entry>          read an entry
  f:p:<ask>:<entry>     pick an offered candidate  f:y:<ask> / f:n:<ask> 👍 / 👎 on an answer
  f:h:<ask>             send the question to the commune
  f:b                   back to the categories
  q:a:<question>        answer a queued question   q:f:<question>       make it an FAQ entry
  q:s:<question>        mark the question's sender as spam
Anything else is refused; the ids are then checked against the database and the presser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.views import labels

_ID = r"(\d{1,15})"
_ENTRY = r"([a-z0-9-]{3,40})"
_PATTERNS = {
    "c": re.compile(r"^f:c:([a-z0-9-]{1,20})$"),
    "e": re.compile(rf"^f:e:{_ENTRY}$"),
    "p": re.compile(rf"^f:p:{_ID}:{_ENTRY}$"),
    "y": re.compile(rf"^f:y:{_ID}$"),
    "n": re.compile(rf"^f:n:{_ID}$"),
    "h": re.compile(rf"^f:h:{_ID}$"),
    "b": re.compile(r"^f:b$"),
    "qa": re.compile(rf"^q:a:{_ID}$"),
    "qf": re.compile(rf"^q:f:{_ID}$"),
    "qs": re.compile(rf"^q:s:{_ID}$"),
}


@dataclass(frozen=True)
class Press:
    kind: str  # a key of _PATTERNS
    number: int = 0  # ask or question id
    key: str = ""  # category or entry id


def parse(data: str | None) -> Press | None:
    """The press a payload encodes, or None for anything malformed (forged, too long)."""
    if not data or len(data.encode()) > 64:
        return None
    for kind, pattern in _PATTERNS.items():
        match = pattern.fullmatch(data)
        if match is None:
            continue
        groups = match.groups()
        number = next((int(g) for g in groups if g.isdecimal()), 0)
        key = next((g for g in groups if not g.isdecimal()), "")
        if kind == "p":
            number, key = int(groups[0]), groups[1]
        return Press(kind, number, key)
    return None


def categories(items: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(title, callback_data=f"f:c:{cid}")] for cid, title in items]
    )


def entries(items: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(q, callback_data=f"f:e:{eid}")] for eid, q in items]
    rows.append([InlineKeyboardButton(labels.FAQ_BACK, callback_data="f:b")])
    return InlineKeyboardMarkup(rows)


def feedback(ask_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(labels.FAQ_HELPFUL, callback_data=f"f:y:{ask_id}"),
                InlineKeyboardButton(labels.FAQ_UNHELPFUL, callback_data=f"f:n:{ask_id}"),
            ]
        ]
    )


def candidates(
    ask_id: int, items: Sequence[tuple[str, str]], *, hand_off: bool
) -> InlineKeyboardMarkup:
    """The candidate questions, then (for members) "none of these: send it to the commune"."""
    rows = [[InlineKeyboardButton(q, callback_data=f"f:p:{ask_id}:{eid}")] for eid, q in items]
    if hand_off:
        rows.append(
            [InlineKeyboardButton(labels.FAQ_SEND_TO_COMMUNE, callback_data=f"f:h:{ask_id}")]
        )
    return InlineKeyboardMarkup(rows)


def hand_off(ask_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(labels.FAQ_SEND_TO_COMMUNE, callback_data=f"f:h:{ask_id}")]]
    )


def answer_question(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(labels.QUESTION_ANSWER, callback_data=f"q:a:{question_id}"),
                InlineKeyboardButton(labels.QUESTION_SPAM, callback_data=f"q:s:{question_id}"),
            ]
        ]
    )


def make_entry(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(labels.QUESTION_TO_FAQ, callback_data=f"q:f:{question_id}")]]
    )
