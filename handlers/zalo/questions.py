"""A survey question as Zalo carries it: its options in the text, buttons where they fit,
and what a typed reply stands for.

A Zalo message holds at most five buttons. A kind with more values than that (the 1-5 scale
with 0 "không biết") is answered by typing its digit, as on the paper sheet; Có/Không and lists
of up to five choices get buttons too. A typed number on a choice question is its place in the
list. Typed text equal to an option's label (without diacritics or case) answers as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.views import labels
from handlers.zalo import payloads
from handlers.zalo.buttons import MAX_BUTTONS, Button
from surveys import question_kinds
from surveys.answering import Step
from surveys.model import Question, QuestionKind
from surveys.text import fold

MAX_TYPED = 3  # digits: a longer number is no option, it is not read as an attempt either


@dataclass(frozen=True)
class Option:
    typed: str  # what the resident types for it
    label: str  # as the buttons and the review show it
    code: str  # the button value answering.answer takes


def options(question: Question) -> list[Option]:
    """The answers of a coded question in their order; [] for a comment."""
    kind = question_kinds.of(question.kind)
    if kind.values:
        names = labels.VALUES[kind.labels]
        return [Option(kind.typed(v), names[v], kind.typed(v)) for v in kind.values]
    if question.kind is QuestionKind.CHOICE:
        return [Option(str(i), c.label, c.code) for i, c in enumerate(question.choices, start=1)]
    return []


def buttons(step: Step, index: int) -> list[Button]:
    """One button per answer when they all fit; a comment has only "Bỏ qua"."""
    question = step.survey.questions[index]
    rid = step.response.id
    if question.kind is QuestionKind.TEXT:
        return [Button(labels.SKIP, payloads.skip(rid, index))]
    found = options(question)
    if len(found) > MAX_BUTTONS:
        return []
    return [Button(o.label[:100], payloads.answer(rid, index, o.code)) for o in found]


def is_number(text: str) -> bool:
    raw = text.strip()
    return raw.isdecimal() and len(raw) <= MAX_TYPED


def code_of(question: Question, text: str) -> str | None:
    """The button value a typed reply stands for; None when it is none of the options."""
    raw = text.strip()
    folded = fold(raw)
    for option in options(question):
        if raw == option.typed or folded == fold(option.label):
            return option.code
    return None
