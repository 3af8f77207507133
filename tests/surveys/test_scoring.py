"""Scoring: Wilson intervals, the sampling rule, verdict boundaries, suppression, totality."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.definitions import catalog
from surveys.model import Question, QuestionKind, Survey
from surveys.scoring import (
    PRESET_90,
    PRESET_95,
    ReasonCode,
    RoundScore,
    ScoreVerdict,
    Thresholds,
    required_sample,
    score_round,
    wilson,
)

Z = 1.959963984540054


def reference_wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson's closed form as Newcombe (1998) writes it, independent of the code's algebra:

    (2x + z² ∓ z·sqrt(z² + 4x(n − x)/n)) / (2(n + z²)).
    """
    root = Z * math.sqrt(Z * Z + 4 * x * (n - x) / n)
    return (2 * x + Z * Z - root) / (2 * (n + Z * Z)), (2 * x + Z * Z + root) / (2 * (n + Z * Z))


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        # Newcombe 1998, Stat Med 17:857, table II, method 3 (score, no continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # by hand: x = 0 gives high = z²/(n + z²) = 3.8415/13.8415; x = n mirrors it
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        # by hand with the reference form: p = .9, z² = 3.8415, root = z·sqrt(3.8415 + 18)
        (45, 50, 0.7864, 0.9565),
        (9, 10, 0.5958, 0.9821),
    ],
)
def test_wilson_published_values(x: int, n: int, low: float, high: float) -> None:
    got = wilson(x, n)
    assert got == pytest.approx((low, high), abs=5e-5)
    assert got == pytest.approx(reference_wilson(x, n), abs=1e-12)


def test_wilson_edges() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(0, 5)[0] == 0.0
    assert wilson(5, 5)[1] == 1.0
    with pytest.raises(ValueError):
        wilson(6, 5)
    with pytest.raises(ValueError):
        wilson(-1, 5)


@given(st.integers(0, 10**6).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_share(xn: tuple[int, int]) -> None:
    x, n = xn
    low, high = wilson(x, n)
    p = x / n if n else 0.5
    assert 0.0 <= low <= p <= high <= 1.0


@pytest.mark.parametrize(
    ("population", "n"),
    [(1000, 286), (2000, 334), (5000, 371), (400, 200), (100, 80), (10, 10), (1, 1), (0, 0)],
)
def test_required_sample_known_values(population: int, n: int) -> None:
    """N / (1 + N/400): 1000/3.5 = 285.7, 2000/6 = 333.3, 5000/13.5 = 370.4, 400/2 = 200 exactly."""
    assert required_sample(population) == n


def test_required_sample_other_margins() -> None:
    assert required_sample(1000, 0.1) == 91  # 1000 / 11 = 90.9
    assert required_sample(1000, 0.0) == 1000
    assert required_sample(-5) == 0
    with pytest.raises(ValueError):
        required_sample(100, float("nan"))


@given(st.integers(1, 10**7))
def test_required_sample_is_slovin(population: int) -> None:
    n = required_sample(population)
    exact = population / (1 + population / 400)
    assert n <= population
    assert exact - 1e-6 <= n < exact + 1


# --- a small survey to score ---------------------------------------------------------------


def small_survey() -> Survey:
    return Survey(
        "thu",
        "Thử",
        "Mô tả.",
        (
            Question("a", QuestionKind.SCALE, "A?", (2,), (2,)),
            Question("b", QuestionKind.SCALE, "B?", (5,), (15,)),
            Question("c", QuestionKind.YESNO, "C?", (8,), (17,)),
            Question("chung", QuestionKind.YESNO, "Chung?", overall=True),
            Question("y", QuestionKind.TEXT, "Ý kiến?"),
        ),
    )


def simple(yes: int, n: int, a_yes: int = 100, *, a_n: int = 100, **kw: object) -> RoundScore:
    """n respondents, `yes` of them satisfied overall; question a has a_yes of a_n satisfied."""
    counts = {"chung": {1: yes, 0: n - yes}, "a": {4: a_yes, 2: a_n - a_yes}}
    kw.setdefault("registered", n)
    return score_round(small_survey(), counts, respondents=n, **kw)  # type: ignore[arg-type]


def test_hand_computed_commune() -> None:
    """Ten households, all registered, all answered (a census: required_sample(10) = 10).

    a: 5,5,5,4,4,4,4,3,2,0 -> answered 10, don't know 1, valid 9, satisfied 7, share 7/9,
       mean (15 + 16 + 3 + 2) / 9 = 4.0
    b: 4 x6, 1 x4 -> valid 10, satisfied 6, share 0.6 < 0.7 floor, mean 28/10 = 2.8
    c: 3 yes, 1 no -> valid 4 < k = 5: suppressed
    overall: 9 yes, 1 no -> 0.9, Wilson (0.5958, 0.9821)
    Verdict: overall reaches 90 % but b is under the floor -> Cần chú ý.
    """
    counts = {
        "a": {5: 3, 4: 4, 3: 1, 2: 1, 0: 1},
        "b": {4: 6, 1: 4},
        "c": {1: 3, 0: 1},
        "chung": {1: 9, 0: 1},
        "y": {1: 99},  # a text question: ignored
        "gone": {1: 5},  # unknown id: ignored
    }
    score = score_round(small_survey(), counts, respondents=10, registered=10)
    assert (score.respondents, score.registered, score.coverage, score.required) == (10, 10, 1, 10)
    assert not score.suppressed
    assert score.verdict is ScoreVerdict.WATCH
    assert [q.question_id for q in score.questions] == ["a", "b", "c"]
    a, b, c = score.questions
    assert (a.answered, a.valid, a.satisfied, a.dont_know) == (10, 9, 7, 1)
    assert a.share == pytest.approx(7 / 9) and a.mean == pytest.approx(4.0)
    assert a.distribution == {1: 0, 2: 1, 3: 1, 4: 4, 5: 3, 0: 1}
    assert list(a.distribution) == [1, 2, 3, 4, 5, 0]
    assert (a.low, a.high) == wilson(7, 9)
    assert (b.valid, b.satisfied, b.share, b.mean) == (10, 6, 0.6, pytest.approx(2.8))
    assert c.suppressed and c.share is None and c.satisfied == 0 and c.distribution == {}
    assert (c.answered, c.valid) == (4, 4)
    overall = score.overall
    assert overall is not None and overall.overall and overall.kind is QuestionKind.YESNO
    assert overall.share == 0.9 and overall.mean is None
    assert (overall.low, overall.high) == pytest.approx((0.5958, 0.9821), abs=5e-5)
    assert overall.distribution == {1: 9, 0: 1}
    assert score.weakest == ("b", "a")
    assert score.mean_share == pytest.approx((7 / 9 + 0.6) / 2)


@pytest.mark.parametrize(
    ("yes", "verdict"),
    [(100, ScoreVerdict.PASS), (90, ScoreVerdict.PASS), (89, ScoreVerdict.WATCH),
     (80, ScoreVerdict.WATCH),
     (79, ScoreVerdict.FAIL), (0, ScoreVerdict.FAIL)],
)  # fmt: skip
def test_overall_boundaries(yes: int, verdict: ScoreVerdict) -> None:
    assert simple(yes, 100).verdict is verdict


@pytest.mark.parametrize(("a_yes", "verdict"), [(70, ScoreVerdict.PASS), (69, ScoreVerdict.WATCH)])
def test_question_floor(a_yes: int, verdict: ScoreVerdict) -> None:
    assert simple(95, 100, a_yes).verdict is verdict


def test_floor_does_not_rescue_a_failing_overall() -> None:
    assert simple(70, 100, 100).verdict is ScoreVerdict.FAIL


@pytest.mark.parametrize(
    ("yes", "a_yes", "verdict"),
    [(95, 85, ScoreVerdict.PASS), (94, 100, ScoreVerdict.WATCH), (95, 84, ScoreVerdict.WATCH),
     (90, 100, ScoreVerdict.WATCH), (89, 100, ScoreVerdict.FAIL)],
)  # fmt: skip
def test_preset_95(yes: int, a_yes: int, verdict: ScoreVerdict) -> None:
    assert simple(yes, 100, a_yes, thresholds=PRESET_95).verdict is verdict


def test_insufficient_sample() -> None:
    """1000 registered need 286 respondents; at 285 the score is shown but not judged."""
    below = simple(285, 285, registered=1000)
    assert below.required == 286 and below.verdict is ScoreVerdict.INSUFFICIENT
    assert below.overall is not None and below.overall.share == 1.0  # still shown
    assert below.coverage == pytest.approx(0.285)
    assert below.decision.reason is ReasonCode.COVERAGE  # 28.5 % surveyed, 70 % required
    no_coverage_rule = Thresholds(coverage=0.0)
    assert simple(285, 285, registered=1000, thresholds=no_coverage_rule).decision.reason is (
        ReasonCode.SAMPLE
    )
    assert (
        simple(286, 286, registered=1000, thresholds=no_coverage_rule).verdict is ScoreVerdict.PASS
    )


def test_coverage_rule() -> None:
    """MTTQ's rule: 70 % of the units by default; 699 of 1000 is not enough, 700 is."""
    under = simple(699, 699, registered=1000)
    assert (
        under.verdict is ScoreVerdict.INSUFFICIENT and under.decision.reason is ReasonCode.COVERAGE
    )
    assert under.decision.params == {"coverage": 0.699, "required": 0.7}
    assert simple(700, 700, registered=1000).verdict is ScoreVerdict.PASS
    assert (
        simple(849, 849, registered=1000, thresholds=PRESET_95).verdict is ScoreVerdict.INSUFFICIENT
    )
    assert simple(850, 850, registered=1000, thresholds=PRESET_95).verdict is ScoreVerdict.PASS


def test_floor_rule_can_make_it_chua_dat() -> None:
    """A question under the floor: Cần chú ý by default, Chưa đạt where the province says so."""
    watch = simple(95, 100, 60)
    assert watch.verdict is ScoreVerdict.WATCH and watch.decision.reason is ReasonCode.FLOOR_WATCH
    assert watch.decision.params == {"questions": ("a",), "floor": 0.7}
    fail = simple(95, 100, 60, thresholds=Thresholds(floor_fails=True))
    assert fail.verdict is ScoreVerdict.FAIL and fail.decision.reason is ReasonCode.FLOOR_FAIL
    passed = simple(95, 100, 70, thresholds=Thresholds(floor_fails=True))
    assert passed.verdict is ScoreVerdict.PASS and passed.decision.reason is ReasonCode.PASSED
    assert simple(85, 100, 100).decision.reason is ReasonCode.BELOW_PASS
    assert simple(70, 100, 100).decision.reason is ReasonCode.BELOW_FAIL


def test_suppression_at_k_minus_one_and_k() -> None:
    """k = 5: four respondents hide everything; five (all of five registered) are judged."""
    hidden = simple(4, 4, 4, a_n=4)
    assert hidden.suppressed and hidden.verdict is ScoreVerdict.INSUFFICIENT
    assert hidden.weakest == () and hidden.mean_share is None
    for q in (hidden.overall, *hidden.questions):
        assert q is not None and q.suppressed
        assert (q.answered, q.valid, q.satisfied, q.dont_know) == (0, 0, 0, 0)
        assert (q.share, q.low, q.high, q.mean, q.distribution) == (None, None, None, None, {})
    shown = simple(5, 5, 5, a_n=5)
    assert not shown.suppressed and shown.verdict is ScoreVerdict.PASS
    assert shown.overall is not None and shown.overall.share == 1.0
    assert shown.questions[0].share == 1.0


def test_min_group_is_configurable_but_never_below_three() -> None:
    three = Thresholds(min_group=3)
    assert not simple(3, 3, 3, a_n=3, thresholds=three).suppressed
    assert simple(2, 2, 2, a_n=2, thresholds=three).suppressed
    with pytest.raises(ValueError, match="min_group"):
        Thresholds(min_group=2)
    with pytest.raises(ValueError, match="min_group"):
        dataclasses.replace(PRESET_90, min_group=True)  # type: ignore[arg-type]


def test_small_question_neither_passes_nor_fails_the_floor() -> None:
    """Question a judged by four people only (the rest: "không biết") is suppressed and skipped."""
    counts = {"chung": {1: 100}, "a": {1: 4, 0: 96}}
    score = score_round(small_survey(), counts, respondents=100, registered=100)
    a = score.questions[0]
    assert a.suppressed and a.share is None and (a.answered, a.valid, a.dont_know) == (100, 4, 96)
    assert score.verdict is ScoreVerdict.PASS and "a" not in score.weakest


def test_everyone_dont_know() -> None:
    counts = {"chung": {1: 10}, "a": {0: 10}}
    a = score_round(small_survey(), counts, respondents=10, registered=10).questions[0]
    assert (a.valid, a.share, a.mean, a.suppressed) == (0, None, None, True)


def test_missing_overall_answers_give_no_verdict() -> None:
    score = score_round(small_survey(), {"a": {5: 50}}, respondents=50, registered=50)
    assert score.overall is not None and score.overall.share is None
    assert score.verdict is ScoreVerdict.INSUFFICIENT


def test_survey_without_overall_question() -> None:
    survey = dataclasses.replace(small_survey(), questions=small_survey().questions[:3])
    score = score_round(survey, {"a": {5: 50}}, respondents=50, registered=50)
    assert score.overall is None and score.verdict is ScoreVerdict.INSUFFICIENT


def test_total_on_empty_and_odd_input() -> None:
    empty = score_round(small_survey(), {}, respondents=0, registered=0)
    assert (
        empty.coverage is None
        and empty.required == 0
        and empty.verdict is ScoreVerdict.INSUFFICIENT
    )
    odd = score_round(
        small_survey(),
        {"chung": {1: 20, 7: 5, 0: -3}, "a": {9: 4, 4: 0}},
        respondents=-1,
        registered=-10,
    )
    assert odd.respondents is None and odd.registered == 0 and odd.suppressed
    unregistered = score_round(small_survey(), {"chung": {1: 20}}, respondents=20, registered=0)
    assert unregistered.coverage is None and unregistered.verdict is ScoreVerdict.PASS
    assert unregistered.overall is not None and unregistered.overall.distribution == {1: 20, 0: 0}


def test_weakest_keeps_survey_order_on_ties() -> None:
    counts = {"chung": {1: 10}, "a": {4: 8, 1: 2}, "b": {4: 8, 1: 2}, "c": {1: 9, 0: 1}}
    score = score_round(small_survey(), counts, respondents=10, registered=10)
    assert score.weakest == ("a", "b", "c")


@pytest.mark.parametrize(
    "kwargs",
    [{"overall": 1.1}, {"question_floor": -0.1}, {"fail_below": 0.95}, {"margin": 0},
     {"margin": 1}, {"overall": True}, {"coverage": 1.5}, {"coverage": -0.1},
     {"floor_fails": "yes"}],
)  # fmt: skip
def test_thresholds_reject_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="Thresholds"):
        Thresholds(**kwargs)  # type: ignore[arg-type]


def test_presets() -> None:
    assert Thresholds() == PRESET_90
    assert (PRESET_95.overall, PRESET_95.question_floor, PRESET_95.fail_below) == (0.95, 0.85, 0.9)
    assert ScoreVerdict.PASS.value == "dat" and ScoreVerdict.INSUFFICIENT.value == "chua_du_mau"


# --- property: any input gives sane figures ------------------------------------------------

NTM = catalog()[0]
VALUES = st.integers(-2, 7)
COUNTS = st.dictionaries(
    st.sampled_from([q.id for q in NTM.questions] + ["unknown"]),
    st.dictionaries(VALUES, st.integers(-5, 400), max_size=8),
)


@settings(max_examples=300)
@given(
    counts=COUNTS,
    respondents=st.integers(-5, 3000),
    registered=st.integers(-5, 10**6),
    min_group=st.integers(3, 12),
)
def test_any_counts_give_sane_scores(
    counts: dict[str, dict[int, int]], respondents: int, registered: int, min_group: int
) -> None:
    t = Thresholds(min_group=min_group)
    score = score_round(NTM, counts, respondents=respondents, registered=registered, thresholds=t)
    assert score.overall is not None
    assert len(score.questions) == 11
    assert len(score.weakest) <= 3
    if score.suppressed:
        assert score.verdict is ScoreVerdict.INSUFFICIENT
    for q in (score.overall, *score.questions):
        assert 0 <= q.satisfied <= q.valid <= q.answered and q.dont_know <= q.answered
        if q.share is None:
            assert q.low is None and q.high is None and q.mean is None
            continue
        assert not q.suppressed and q.valid >= min_group
        assert q.low is not None and q.high is not None
        assert 0.0 <= q.low <= q.share <= q.high <= 1.0
        if q.mean is not None:
            assert 1.0 <= q.mean <= 5.0
    if score.verdict is ScoreVerdict.PASS:
        assert score.overall.share is not None and score.overall.share >= t.overall
