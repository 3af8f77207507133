"""The survey vocabulary: what a survey is made of, independent of storage and Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class QuestionKind(StrEnum):
    """How a question is answered; stored in survey definitions."""

    SCALE = "scale"  # 1-5 plus 0 "không biết / không sử dụng"; 4-5 satisfied
    YESNO = "yesno"  # Có (1) / Không (0); yes is satisfied
    CHOICE = "choice"  # one of a list of coded choices; not scored
    TEXT = "text"  # free-text comment, optional, at most COMMENT_MAX characters; not scored


SCALE_VALUES: tuple[int, ...] = (1, 2, 3, 4, 5, 0)
YESNO_VALUES: tuple[int, ...] = (1, 0)
SATISFIED_SCALE: frozenset[int] = frozenset({4, 5})
DONT_KNOW = 0
COMMENT_MAX = 1000


@dataclass(frozen=True)
class Choice:
    code: str  # short ASCII code, travels in callback data
    label: str


@dataclass(frozen=True)
class Question:
    id: str  # [a-z0-9_]{1,16}, unique within the survey
    kind: QuestionKind
    text: str
    criteria_2026: tuple[int, ...] = ()  # criterion numbers in Decision 51/2025/QĐ-TTg
    criteria_2021: tuple[int, ...] = ()  # criterion numbers in Decision 318/QĐ-TTg
    overall: bool = False  # the closing overall-satisfaction question (the headline)
    choices: tuple[Choice, ...] = ()

    @property
    def scored(self) -> bool:
        return self.kind in (QuestionKind.SCALE, QuestionKind.YESNO)

    @property
    def optional(self) -> bool:
        return self.kind is QuestionKind.TEXT


@dataclass(frozen=True)
class Survey:
    id: str  # [a-z0-9-]{1,40}
    title: str
    description: str
    questions: tuple[Question, ...]

    def index_of(self, question_id: str) -> int:
        for i, q in enumerate(self.questions):
            if q.id == question_id:
                return i
        raise KeyError(question_id)

    @property
    def overall(self) -> Question | None:
        return next((q for q in self.questions if q.overall), None)
