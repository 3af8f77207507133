"""Figures against cases worked by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import pytest

from surveys import figures
from surveys.figures import CriteriaSet
from surveys.model import Question, QuestionKind, Survey

SURVEY = Survey(
    "t",
    "T",
    "",
    (
        Question("q1", QuestionKind.SCALE, "Đường", (2,), (4,)),
        Question("q2", QuestionKind.SCALE, "Điện", (2,), (5,)),
        Question("q3", QuestionKind.TEXT, "Góp ý"),
        Question("ov", QuestionKind.YESNO, "Hài lòng chung", overall=True),
    ),
)
# q1: satisfied 3+2 = 5 of valid 6 (4 "không biết" left out); q2: 4 of 6; 6 respondents.
COUNTS = {"q1": {5: 3, 4: 2, 2: 1, 0: 4}, "q2": {4: 4, 1: 2}, "ov": {1: 5, 0: 1}}


def test_criterion_pools_the_answers_of_its_questions() -> None:
    rows = figures.by_criterion(SURVEY, COUNTS, CriteriaSet.C2026, 5)
    assert [(r.criterion, r.questions) for r in rows] == [(2, ("q1", "q2"))]
    assert (rows[0].share.satisfied, rows[0].share.valid) == (9, 12)
    assert rows[0].share.share == 0.75
    assert rows[0].share.low == pytest.approx(0.46769, abs=1e-5)  # Wilson 9/12
    old = figures.by_criterion(SURVEY, COUNTS, CriteriaSet.C2021, 5)
    assert [(r.criterion, r.share.satisfied, r.share.valid) for r in old] == [
        (4, 5, 6),
        (5, 4, 6),
    ]


def test_criterion_is_hidden_when_the_group_is_under_k() -> None:
    small = {"q1": {5: 3}, "q2": {4: 3}, "ov": {1: 3}}  # 3 respondents, k = 5
    rows = figures.by_criterion(SURVEY, small, CriteriaSet.C2026, 5)
    assert rows[0].suppressed and rows[0].share.share is None and rows[0].share.satisfied == 0


def test_villages_under_k_show_nothing_not_even_their_size() -> None:
    villages = {
        1: COUNTS,
        2: {"q1": {5: 2}, "ov": {1: 2}},
        0: {"q1": {1: 5}, "ov": {0: 5}},
        3: {"q1": {1: 7}, "ov": {0: 7}},
    }
    names = {1: "Thôn Bản", 2: "Thôn An", 3: "Thôn Chè"}
    rows = figures.by_village(SURVEY, villages, names, 5)
    assert [r.name for r in rows] == ["Thôn An", "Thôn Bản", "Thôn Chè", ""]  # no village last
    an, ban, che, none = rows
    assert an.suppressed and an.respondents is None and an.overall.share is None
    assert all(s.share is None for s in an.questions.values())
    assert ban.respondents == 6 and ban.overall.share == 5 / 6
    assert ban.questions["q2"].share == 4 / 6
    assert che.overall.share == 0.0
    # Thôn An alone hidden would be the commune minus the rest: the smallest other goes too
    assert none.suppressed and none.respondents is None and none.overall.share is None
    assert not figures.every_village_hidden(rows)
    assert figures.every_village_hidden([an])


def test_ranking_shows_overlapping_intervals_as_a_tie() -> None:
    # Wilson: A 95/100 -> [0.888, 0.978]; B 90/100 -> [0.826, 0.945]; C 50/100 -> [0.404, 0.596].
    # A and B overlap (0.888 < 0.945): each may be 1st or 2nd. C is surely 3rd. D has 3 < k.
    rows = figures.rank(
        [(1, "C", 50, 100), (2, "A", 95, 100), (3, "B", 90, 100), (4, "D", 2, 3)], 5
    )
    assert [(r.name, r.best, r.worst) for r in rows] == [
        ("A", 1, 2),
        ("B", 1, 2),
        ("C", 3, 3),
        ("D", None, None),
    ]
    assert rows[0].tied and not rows[2].tied and rows[3].share.share is None


def test_trend_uses_the_two_proportion_test() -> None:
    # 50/100 -> 70/100: pooled p = 0.6, se = sqrt(0.6*0.4*(1/100+1/100)) = 0.069282,
    # z = 0.2 / 0.069282 = 2.8868, two-sided p = erfc(z / sqrt 2) = 0.00389.
    up = figures.trend(figures.share_of(50, 100, 5), figures.share_of(70, 100, 5))
    assert up.change == pytest.approx(0.2)
    assert up.p_value == pytest.approx(0.003892, abs=1e-6) and up.significant
    # 50 -> 55 of 100: z = 0.05 / 0.070622 = 0.708, p = 0.479: within chance.
    small = figures.trend(figures.share_of(50, 100, 5), figures.share_of(55, 100, 5))
    assert small.p_value == pytest.approx(0.47895, abs=1e-5) and not small.significant
    hidden = figures.trend(figures.share_of(2, 3, 5), figures.share_of(70, 100, 5))
    assert hidden.change is None and not hidden.significant
    assert figures.two_proportion_p(10, 10, 20, 20) == 1.0  # no variance: no evidence
    assert math.isclose(figures.two_proportion_p(5, 10, 5, 10), 1.0)


def test_comments_only_in_aggregate_and_only_above_k() -> None:
    assert figures.comments(["a"], group=4, k=5) == figures.Comments(None, ())
    assert figures.comments(["b", "a", "c"], group=10, k=5) == figures.Comments(3, ())
    five = ["e", "d", "c", "b", "a"]
    assert figures.comments(five, group=10, k=5) == figures.Comments(5, ("a", "b", "c", "d", "e"))


def test_respondents_and_dont_know() -> None:
    assert figures.respondents(SURVEY, COUNTS) == 6
    assert figures.dont_know(SURVEY, COUNTS) == 4
    assert figures.tally(QuestionKind.TEXT, {1: 3}) == (0, 0)
