"""One description per question kind: what it stores, what counts, how it is typed and labelled.

Definitions validation, answering, paper sheets, scoring, the summaries' aggregates, the
keyboards and the labels all read a kind's :class:`KindSpec` instead of spelling its values out,
so a new kind (a 0-10 scale, say) is one entry in :data:`KINDS` plus its button labels in
``handlers/views/labels.py`` (and, for values above 5, a migration widening question_values).

The satisfied sets follow the official measure (shared/domain.md, surveys/scoring.py): each
criterion is hài lòng / không hài lòng; on the 1-5 scale 4-5 are satisfied, 1-3 are not, and 0
"không biết / không sử dụng" is answered but left out of the denominator.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


class QuestionKind(StrEnum):
    """How a question is answered; stored in survey definitions."""

    SCALE = "scale"  # 1-5 plus 0 "không biết / không sử dụng"; 4-5 satisfied
    YESNO = "yesno"  # Có (1) / Không (0); yes is satisfied
    CHOICE = "choice"  # one of a list of coded choices; not scored
    TEXT = "text"  # free-text comment, optional, at most COMMENT_MAX characters; not scored


@dataclass(frozen=True)
class KindSpec:
    """What one kind of question stores and how each stored value is read.

    values: the integers stored in answers.value_int, in the order the buttons show them
    (empty: the answer is a choice code or typed text, stored in answers.value_text).
    """

    kind: QuestionKind
    values: tuple[int, ...] = ()
    satisfied: frozenset[int] = frozenset()  # "hài lòng" in the official measure
    no_opinion: frozenset[int] = frozenset()  # answered, but not a judgement: not valid
    mean: bool = False  # an average of the valid values means something (a scale)
    one_row: bool = False  # the buttons are short enough to sit side by side
    overall: bool = False  # may be the closing overall question (the headline share)
    optional: bool = False  # may be left blank on paper or skipped in the chat

    @property
    def scored(self) -> bool:
        """Whether answers of this kind enter the scores (and so need criteria)."""
        return bool(self.satisfied)

    @cached_property
    def valid(self) -> frozenset[int]:
        """The values that judge the service: the denominator of a share."""
        return frozenset(self.values) - self.no_opinion

    @property
    def labels(self) -> str:
        """The key of this kind's button labels in handlers/views/labels.VALUES."""
        return self.kind.value

    def typed(self, value: int) -> str:
        """How a value is written on a paper sheet, in a spreadsheet cell and in button data."""
        return str(value)

    def parse(self, raw: str) -> int | None:
        """The stored value a typed cell or button code stands for, None if it is none of them."""
        return next((v for v in self.values if self.typed(v) == raw), None)


DONT_KNOW = 0
COMMENT_MAX = 1000

KINDS: dict[QuestionKind, KindSpec] = {
    QuestionKind.SCALE: KindSpec(
        QuestionKind.SCALE,
        values=(1, 2, 3, 4, 5, DONT_KNOW),
        satisfied=frozenset({4, 5}),
        no_opinion=frozenset({DONT_KNOW}),
        mean=True,
    ),
    QuestionKind.YESNO: KindSpec(
        QuestionKind.YESNO, values=(1, 0), satisfied=frozenset({1}), one_row=True, overall=True
    ),
    QuestionKind.CHOICE: KindSpec(QuestionKind.CHOICE),
    QuestionKind.TEXT: KindSpec(QuestionKind.TEXT, optional=True),
}

# Every value some kind stores, in order: the per-value columns the aggregates keep.
STORED_VALUES: tuple[int, ...] = tuple(sorted({v for k in KINDS.values() for v in k.values}))


def of(kind: QuestionKind) -> KindSpec:
    """The description of a kind."""
    return KINDS[kind]
