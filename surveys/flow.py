"""Where a resident is in a survey, derived from stored answers alone (no conversation state)."""

from __future__ import annotations

from collections.abc import Mapping

from storage.records import Answer
from surveys import question_kinds
from surveys.model import COMMENT_MAX, Question, QuestionKind, Survey


def next_index(survey: Survey, answers: Mapping[str, Answer]) -> int | None:
    """The first question without a stored answer (or skip), or None when the survey is done."""
    for i, question in enumerate(survey.questions):
        if question.id not in answers:
            return i
    return None


def is_complete(survey: Survey, answers: Mapping[str, Answer]) -> bool:
    return next_index(survey, answers) is None


def parse_button_value(question: Question, raw: str) -> int | str | None:
    """The stored value a button code stands for, or None if the code is not one of its buttons."""
    if question.kind is QuestionKind.CHOICE:
        return raw if any(c.code == raw for c in question.choices) else None
    return question_kinds.of(question.kind).parse(raw)


def looks_like_answer(question: Question, text: str) -> bool:
    """Typed text that is meant as an answer to a button question ("4", "12"), not a question
    of its own: it gets the "use the buttons" hint instead of the FAQ."""
    raw = text.strip()
    return parse_button_value(question, raw) is not None or (raw.isdigit() and len(raw) <= 3)


def comment_ok(text: str) -> bool:
    return 0 < len(text.strip()) <= COMMENT_MAX


def same_value(answer: Answer, value: int | str) -> bool:
    if answer.skipped:
        return False
    return answer.value_int == value if isinstance(value, int) else answer.value_text == value
