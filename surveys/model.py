"""The survey vocabulary: what a survey is made of, independent of storage and Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from surveys.question_kinds import COMMENT_MAX as COMMENT_MAX
from surveys.question_kinds import KINDS
from surveys.question_kinds import QuestionKind as QuestionKind


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
        return KINDS[self.kind].scored

    @property
    def optional(self) -> bool:
        return KINDS[self.kind].optional


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
