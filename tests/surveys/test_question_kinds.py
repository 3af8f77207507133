"""Question kinds: each description is consistent, and what reads it (scoring, parsing, the
aggregates' columns, the button labels) agrees with it."""

from __future__ import annotations

import pytest

from handlers.views import labels
from storage import scores as scores_db
from storage.db import Database
from surveys import figures, question_kinds
from surveys.flow import parse_button_value
from surveys.model import Question, Survey
from surveys.question_kinds import KINDS, QuestionKind
from surveys.scoring import Thresholds, score_round

CODED = [spec for spec in KINDS.values() if spec.values]


def test_every_kind_is_described() -> None:
    assert set(KINDS) == set(QuestionKind)
    assert all(spec.kind is kind for kind, spec in KINDS.items())


@pytest.mark.parametrize("spec", CODED, ids=lambda s: s.kind.value)
def test_a_coded_kind_is_consistent(spec: question_kinds.KindSpec) -> None:
    assert len(set(spec.values)) == len(spec.values)
    assert spec.satisfied <= spec.valid
    assert spec.no_opinion <= set(spec.values)
    assert set(spec.values) <= set(question_kinds.STORED_VALUES)
    for value in spec.values:
        assert spec.parse(spec.typed(value)) == value


@pytest.mark.parametrize("raw", ["", " 4", "4 ", "٤", "04", "6", "-1", "1.0", "x"])
def test_anything_else_typed_is_no_value(raw: str) -> None:
    question = Question("q", QuestionKind.SCALE, "Q?")
    assert parse_button_value(question, raw) is None


def test_the_official_measure() -> None:
    """Scale 4-5 satisfied, 0 answered but not judged; yes/no: "Có" satisfied."""
    scale, yesno = KINDS[QuestionKind.SCALE], KINDS[QuestionKind.YESNO]
    assert (scale.satisfied, scale.valid, scale.no_opinion) == ({4, 5}, {1, 2, 3, 4, 5}, {0})
    assert (yesno.satisfied, yesno.valid, yesno.no_opinion) == ({1}, {0, 1}, frozenset())
    assert figures.tally(QuestionKind.SCALE, {0: 3, 3: 1, 4: 2, 5: 1}) == (3, 4)
    survey = Survey(
        "s",
        "S",
        "",
        (
            Question("q", QuestionKind.SCALE, "Q?", (1,)),
            Question("o", QuestionKind.YESNO, "O?", overall=True),
        ),
    )
    counts = {"q": {0: 2, 2: 1, 4: 3, 5: 2}, "o": {1: 6, 0: 2}}
    score = score_round(survey, counts, respondents=8, registered=8, thresholds=Thresholds())
    q = score.questions[0]
    assert (q.answered, q.valid, q.satisfied, q.dont_know) == (8, 6, 5, 2)
    assert q.mean == pytest.approx((2 + 4 * 3 + 5 * 2) / 6)
    assert score.overall is not None and (score.overall.satisfied, score.overall.valid) == (6, 8)


@pytest.mark.parametrize("spec", CODED, ids=lambda s: s.kind.value)
def test_every_stored_value_has_a_button_label(spec: question_kinds.KindSpec) -> None:
    assert set(labels.VALUES[spec.labels]) == set(spec.values)


async def test_the_aggregates_keep_a_column_per_stored_value() -> None:
    """A kind storing a value question_values has no column for needs a migration widening it."""
    db = await Database.open(":memory:")
    try:
        assert set(question_kinds.STORED_VALUES) <= set(await scores_db.value_columns(db.conn))
    finally:
        await db.close()
