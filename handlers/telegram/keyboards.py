"""The callback-data codec (at most 64 bytes) and the inline keyboards built on it.

Callback data is untrusted: `parse` accepts only these shapes, with numbers in range, and the
domain then checks every press against the stored state and the presser's identity.
  p:<province>            pick a province to search in
  c:<commune>             join a commune from the search results
  v:<village>             pick a village
  go                      start the open round
  a:<response>:<q>:<val>  answer question index q with a button value
  s:<response>:<q>        skip an optional question
  e:<response>:<q>        re-ask an answered question to change it
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.views import labels
from surveys import question_kinds
from surveys.answering import Step
from surveys.model import QuestionKind
from surveys.question_kinds import KindSpec

_MAX_ID = 2**53
_PATTERNS = {
    "p": re.compile(r"^p:(\d{1,6})$"),
    "c": re.compile(r"^c:(\d{1,7})$"),
    "v": re.compile(r"^v:(\d{1,12})$"),
    "go": re.compile(r"^go$"),
    "a": re.compile(r"^a:(\d{1,15}):(\d{1,2}):([a-z0-9]{1,8})$"),
    "s": re.compile(r"^s:(\d{1,15}):(\d{1,2})$"),
    "e": re.compile(r"^e:(\d{1,15}):(\d{1,2})$"),
}


@dataclass(frozen=True)
class Press:
    kind: str  # one of the keys of _PATTERNS
    ids: tuple[int, ...] = ()
    value: str = ""


def parse(data: str | None) -> Press | None:
    """The press a callback payload encodes, or None for anything malformed."""
    if not data or len(data.encode()) > 64:
        return None
    kind = data.split(":", 1)[0]
    pattern = _PATTERNS.get(kind)
    match = pattern.fullmatch(data) if pattern else None
    if match is None:
        return None
    groups = match.groups()
    if kind == "a":
        ids: tuple[int, ...] = (int(groups[0]), int(groups[1]))
        return Press(kind, ids, groups[2]) if ids[0] < _MAX_ID else None
    ids = tuple(int(g) for g in groups)
    return Press(kind, ids) if all(i < _MAX_ID for i in ids) else None


B = TypeVar("B")  # a PTB button or a Keyboard's plain one


def _rows(buttons: Sequence[B], width: int) -> list[list[B]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def button(text: str, data: str) -> InlineKeyboardButton:
    """One button sending `data` (a shape `parse`, or the owning step's pattern, accepts)."""
    return InlineKeyboardButton(text, callback_data=data)


def provinces(items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(name, callback_data=f"p:{code}") for code, name in items]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def communes(items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(name, callback_data=f"c:{code}")] for code, name in items]
    )


def villages(items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(name, callback_data=f"v:{vid}") for vid, name in items]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def start_survey() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(labels.START_SURVEY, callback_data="go")]])


def continue_survey() -> InlineKeyboardMarkup:
    """The way back after a question asked mid-survey: re-shows the question it stopped at."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(labels.CONTINUE_SURVEY, callback_data="go")]]
    )


def labels_of(markup: InlineKeyboardMarkup | Keyboard | None) -> list[str]:
    if isinstance(markup, Keyboard):
        return markup.labels()
    return [b.text for row in markup.inline_keyboard for b in row] if markup else []


class Keyboard:
    """Buttons that only send callback data, kept as the plain JSON Telegram reads: a
    resident's question and review are sent with one `json.dumps`, without building PTB's
    InlineKeyboardButton objects and serialising them back with to_dict (about 75 µs less
    for a question's six buttons, on every answer)."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[list[dict[str, str]]]) -> None:
        self.rows = rows

    def labels(self) -> list[str]:
        return [b["text"] for row in self.rows for b in row]

    def json(self) -> str:
        """The reply_markup parameter, as Telegram takes it: a JSON-serialised object."""
        return json.dumps({"inline_keyboard": self.rows})


def data_button(text: str, *, callback_data: str) -> dict[str, str]:
    """One button of a `Keyboard`: what InlineKeyboardButton(text, callback_data=...) sends."""
    return {"text": text, "callback_data": callback_data}


def value_rows(kind: KindSpec, prefix: str) -> list[list[dict[str, str]]]:
    """A coded kind's buttons in its order, data `prefix` + the value as typed on paper: side by
    side when the kind says they fit, else one per row."""
    buttons = [
        data_button(labels.VALUES[kind.labels][v], callback_data=prefix + kind.typed(v))
        for v in kind.values
    ]
    return [buttons] if kind.one_row else [[b] for b in buttons]


def question(step: Step, index: int) -> Keyboard:
    """One button per answer; a comment question only has 'skip' (the answer is typed)."""
    q = step.survey.questions[index]
    rid = step.response.id
    kind = question_kinds.of(q.kind)
    if kind.values:
        rows = value_rows(kind, f"a:{rid}:{index}:")
    elif q.kind is QuestionKind.CHOICE:
        rows = [
            [data_button(c.label, callback_data=f"a:{rid}:{index}:{c.code}")] for c in q.choices
        ]
    else:
        rows = [[data_button(labels.SKIP, callback_data=f"s:{rid}:{index}")]]
    return Keyboard(rows)


def review(step: Step) -> Keyboard:
    rid = step.response.id
    buttons = [
        data_button(labels.EDIT.format(number=i + 1), callback_data=f"e:{rid}:{i}")
        for i in range(len(step.survey.questions))
    ]
    return Keyboard(_rows(buttons, 3))
