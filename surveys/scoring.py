"""Scores of a survey round: pure arithmetic over answer counts, so they can always be rebuilt.

The rule mirrors the Fatherland Front's official survey (see shared/domain.md): each criterion is
hài lòng / không hài lòng, the headline is the share of "Có" to the closing overall question,
and a commune passes when that share reaches a threshold while no criterion falls below a floor.

- Scale answers 4-5 are satisfied, 1-3 are not (neutral is not satisfied, as on the binary
  paper form), 0 "không biết / không sử dụng" is left out of the denominator. Yes/no: yes is
  satisfied.
- Every share carries a Wilson 95 % interval, and the round carries coverage and the Slovin
  sample size n = N / (1 + N e^2) below which the verdict is "chưa đủ mẫu".
- Privacy: a figure resting on fewer than ``min_group`` respondents is suppressed here, in the
  domain, so that no renderer can leak it by accident.
- A question nobody could judge (valid == 0, e.g. everyone answered "không biết") is
  suppressed like any small group: it neither passes nor fails the floor, because a service
  nobody uses says nothing about satisfaction with it. Suppressed questions are excluded from
  the floor check for the same reason: their share rests on too few people to decide anything.
- :func:`score_round` is total: any integers give a result, never an exception. Counts that are
  not positive, values a question cannot take and unknown question ids are ignored, negative
  respondents or registered are read as 0; a damaged row must not crash a report.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from surveys.model import Question, QuestionKind, Survey
from surveys.question_kinds import KINDS

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile
MIN_GROUP_FLOOR = 3  # below this no group is ever shown, whatever the configuration says


@dataclass(frozen=True)
class Thresholds:
    """Verdict thresholds; provinces differ, so they are configuration, not constants."""

    overall: float = 0.90  # Đạt needs overall share >= this
    question_floor: float = 0.70  # ...and every scored non-overall question share >= this
    fail_below: float = 0.80  # Chưa đạt when overall share < this
    margin: float = 0.05  # sampling rule n >= N / (1 + N * margin**2)
    min_group: int = 5  # k: any figure resting on fewer respondents is suppressed
    coverage: float = 0.70  # MTTQ's rule: at least this share of the units surveyed
    floor_fails: bool = False  # a question under the floor makes it Chưa đạt (else Cần chú ý)

    def __post_init__(self) -> None:
        for name in ("overall", "question_floor", "fail_below", "coverage"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"Thresholds.{name}: phải là số từ 0 đến 1 (nhận được {value!r})")
            if not 0 <= value <= 1:
                raise ValueError(f"Thresholds.{name}: phải từ 0 đến 1 (nhận được {value!r})")
        if self.fail_below > self.overall:
            raise ValueError(
                f"Thresholds.fail_below: không được lớn hơn overall "
                f"({self.fail_below!r} > {self.overall!r})"
            )
        if not isinstance(self.floor_fails, bool):
            raise ValueError(f"Thresholds.floor_fails: phải là True/False ({self.floor_fails!r})")
        m = self.margin
        if isinstance(m, bool) or not isinstance(m, int | float) or not 0 < m < 1:
            raise ValueError(f"Thresholds.margin: phải lớn hơn 0 và nhỏ hơn 1 (nhận được {m!r})")
        k = self.min_group
        if isinstance(k, bool) or not isinstance(k, int) or k < MIN_GROUP_FLOOR:
            raise ValueError(
                f"Thresholds.min_group: phải là số nguyên từ {MIN_GROUP_FLOOR} trở lên "
                f"(nhận được {k!r})"
            )


# Default: 90 % is the district criterion (320/QĐ-TTg) and the xã nâng cao overall rule seen in
# Chợ Gạo; the 70 % floor is Chợ Gạo's "no question below 70 %"; 70 % of households surveyed is
# the lowest coverage MTTQ's guidance 90/HD-MTTW-BTT asks for (huyện NTM).
PRESET_90 = Thresholds()
# Stricter local rules: 95 % overall is the rule often quoted for nâng cao / kiểu mẫu (and
# Thanh Hóa 2024 asked an average of 95 % on its questions); the 85 % floor is Chợ Gạo's target
# for each question; below 90 % the commune misses even the ordinary rule, hence Chưa đạt;
# 85 % of households surveyed is Hà Nội's rule for xã nâng cao.
PRESET_95 = Thresholds(overall=0.95, question_floor=0.85, fail_below=0.90, coverage=0.85)


class ScoreVerdict(StrEnum):
    """The status shown to officers; values are stable codes for storage and templates."""

    PASS = "dat"  # Đạt
    WATCH = "can_chu_y"  # Cần chú ý
    FAIL = "chua_dat"  # Chưa đạt
    INSUFFICIENT = "chua_du_mau"  # Chưa đủ mẫu


class ReasonCode(StrEnum):
    """Why a verdict is what it is; the words are in the templates (_verdict.txt)."""

    TOO_FEW = "too_few"  # fewer than k respondents: params k
    COVERAGE = "coverage"  # under the coverage rule: params coverage, required
    SAMPLE = "sample"  # under the sampling rule: params respondents, required
    NO_OVERALL = "no_overall"  # no overall share to judge
    BELOW_FAIL = "below_fail"  # overall share under fail_below: params share, threshold
    FLOOR_FAIL = "floor_fail"  # question(s) under the floor, the rule says Chưa đạt
    FLOOR_WATCH = "floor_watch"  # question(s) under the floor: params questions, floor
    BELOW_PASS = "below_pass"  # overall share under the pass threshold: params share, threshold
    PASSED = "passed"  # params share, threshold, floor


@dataclass(frozen=True)
class Decision:
    """A verdict with its reason: a code and the figures the reason quotes."""

    verdict: ScoreVerdict
    reason: ReasonCode
    params: Mapping[str, object] = field(default_factory=dict)


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval: honest near 0 % and 100 %, where the normal interval collapses.

    n == 0 gives (0.0, 1.0): with no answers every share is possible. The bounds always contain
    successes / n, even after floating-point rounding.
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"wilson: cần 0 <= successes <= n (nhận được {successes}/{n})")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if successes == n else max(p, min(1.0, centre + half))
    return low, high


@functools.lru_cache(maxsize=4096)
def required_sample(population: int, margin: float = 0.05) -> int:
    """Slovin's n = ceil(N / (1 + N e^2)), the rule SIPAS uses; exact, so 400 gives 200, not 201.

    The margin is read as the decimal it was written as (0.05 is 1/20), avoiding float drift.
    """
    if population <= 0:
        return 0
    if not math.isfinite(margin) or margin < 0:
        raise ValueError(f"required_sample: margin phải là số không âm (nhận được {margin!r})")
    e2 = _squared(float(margin))
    return math.ceil(Fraction(population) / (1 + population * e2))


@functools.lru_cache(maxsize=16)
def _squared(margin: float) -> Fraction:
    """margin² as an exact fraction, once per margin (a province table asks hundreds of times)."""
    e = Fraction(repr(margin))
    return e * e


@dataclass(frozen=True)
class QuestionScore:
    """One question's figures in one round.

    When ``suppressed`` (valid < min_group, or the whole round is suppressed) share, low, high
    and mean are None, satisfied is 0 and distribution is empty; answered, valid and dont_know
    stay so that a report can say why (they are 0 too when the whole round is suppressed).
    """

    question_id: str
    kind: QuestionKind
    overall: bool
    answered: int  # answers with a value (incl. "không biết")
    valid: int  # denominator: answered minus dont_know for scale; answered for yesno
    satisfied: int
    dont_know: int
    share: float | None  # None when valid == 0 or suppressed
    low: float | None
    high: float | None
    mean: float | None  # scale only, over 1..5
    distribution: dict[int, int]  # value -> count, every value of the kind, in display order
    suppressed: bool  # valid < min_group


@dataclass(frozen=True)
class RoundScore:
    """A round's verdict and figures, as officers see them."""

    respondents: int | None  # counted (complete) responses; None when under k (suppressed)
    registered: int  # residents or issued household codes: N of the sampling rule
    coverage: float | None  # respondents / registered; None when registered == 0 or suppressed
    required: int  # required_sample(registered, margin)
    overall: QuestionScore | None  # None only if the survey has no overall question
    questions: tuple[QuestionScore, ...]  # scored questions in survey order, overall excluded
    decision: Decision
    weakest: tuple[str, ...]  # ids of up to 3 lowest-share non-suppressed questions
    suppressed: bool  # respondents < min_group: every figure hidden

    @property
    def verdict(self) -> ScoreVerdict:
        return self.decision.verdict

    @property
    def mean_share(self) -> float | None:
        """Mean of the question shares: a diagnostic some provinces also set a target for."""
        shares = [q.share for q in self.questions if q.share is not None]
        return sum(shares) / len(shares) if shares else None


def score_round(
    survey: Survey,
    counts: Mapping[str, Mapping[int, int]],
    *,
    respondents: int,
    registered: int,
    thresholds: Thresholds = PRESET_90,
) -> RoundScore:
    """Score one round from answer counts per question id and stored value.

    The verdict follows :func:`decide`.
    """
    respondents = max(0, respondents)
    registered = max(0, registered)
    k = thresholds.min_group
    hidden = respondents < k
    overall: QuestionScore | None = None
    scored: list[QuestionScore] = []
    for q in survey.questions:
        if not q.scored:
            continue
        score = _score_question(q, counts.get(q.id, {}), k, hidden)
        if q.overall:
            overall = score
        else:
            scored.append(score)
    required = required_sample(registered, thresholds.margin)
    shown = [q for q in scored if q.share is not None]
    ranked = sorted(shown, key=lambda q: q.share or 0.0)  # stable: ties keep survey order
    weakest = tuple(q.question_id for q in ranked[:3])
    decision = decide(
        overall.share if overall is not None else None,
        {q.question_id: q.share for q in scored},
        respondents,
        registered,
        thresholds,
    )
    return RoundScore(
        respondents=None if hidden else respondents,
        registered=registered,
        coverage=respondents / registered if registered and not hidden else None,
        required=required,
        overall=overall,
        questions=tuple(scored),
        decision=decision,
        weakest=weakest,
        suppressed=hidden,
    )


def decide(
    overall_share: float | None,
    question_shares: Mapping[str, float | None],
    respondents: int,
    registered: int,
    t: Thresholds,
) -> Decision:
    """The verdict rule on shares alone (None: suppressed), shared by every table that rates.

    In order: Chưa đủ mẫu under k respondents, under the coverage rule (respondents / registered
    >= t.coverage), under the sampling rule (Slovin) or without an overall share; Chưa đạt when
    the overall share is under fail_below, or a shown question is under the floor and the
    province's rule (floor_fails) says so; Đạt when the overall share reaches the threshold and
    no shown question is under the floor; else Cần chú ý.
    """
    required = required_sample(registered, t.margin)
    if respondents < t.min_group:
        return Decision(ScoreVerdict.INSUFFICIENT, ReasonCode.TOO_FEW, {"k": t.min_group})
    if registered > 0 and respondents / registered < t.coverage:
        params = {"coverage": respondents / registered, "required": t.coverage}
        return Decision(ScoreVerdict.INSUFFICIENT, ReasonCode.COVERAGE, params)
    if respondents < required:
        params = {"respondents": respondents, "required": required}
        return Decision(ScoreVerdict.INSUFFICIENT, ReasonCode.SAMPLE, params)
    if overall_share is None:
        return Decision(ScoreVerdict.INSUFFICIENT, ReasonCode.NO_OVERALL)
    if overall_share < t.fail_below:
        params = {"share": overall_share, "threshold": t.fail_below}
        return Decision(ScoreVerdict.FAIL, ReasonCode.BELOW_FAIL, params)
    low = [qid for qid, s in question_shares.items() if s is not None and s < t.question_floor]
    if low:
        code = ReasonCode.FLOOR_FAIL if t.floor_fails else ReasonCode.FLOOR_WATCH
        verdict = ScoreVerdict.FAIL if t.floor_fails else ScoreVerdict.WATCH
        return Decision(verdict, code, {"questions": tuple(low), "floor": t.question_floor})
    if overall_share < t.overall:
        params = {"share": overall_share, "threshold": t.overall}
        return Decision(ScoreVerdict.WATCH, ReasonCode.BELOW_PASS, params)
    params = {"share": overall_share, "threshold": t.overall, "floor": t.question_floor}
    return Decision(ScoreVerdict.PASS, ReasonCode.PASSED, params)


def verdict_from_tallies(
    survey: Survey,
    tallies: Mapping[str, tuple[int, int, int]],
    *,
    registered: int,
    thresholds: Thresholds = PRESET_90,
) -> tuple[Decision, int, int, int]:
    """The decision of score_round from (satisfied, valid, answered) per question id.

    For tables of many communes: no distributions, means or intervals are needed there.
    Returns (decision, respondents, overall satisfied, overall valid), suppressed the way
    QuestionScore is (respondents stays the raw count: the table hides it below k).
    """
    k = thresholds.min_group
    overall = survey.overall
    respondents = max(0, tallies.get(overall.id, (0, 0, 0))[2]) if overall else 0
    hidden = respondents < k

    def share(qid: str) -> float | None:
        sat, valid, _ = tallies.get(qid, (0, 0, 0))
        return None if hidden or valid < k else sat / valid

    shares = {q.id: share(q.id) for q in survey.questions if q.scored and not q.overall}
    overall_share = share(overall.id) if overall else None
    decision = decide(overall_share, shares, respondents, max(0, registered), thresholds)
    sat, valid, _ = tallies.get(overall.id, (0, 0, 0)) if overall else (0, 0, 0)
    if overall_share is None:  # as in _score_question: satisfied hidden, valid only if shown
        sat, valid = 0, 0 if hidden else valid
    return decision, respondents, sat, valid


def _score_question(
    q: Question, raw: Mapping[int, int], min_group: int, hidden: bool
) -> QuestionScore:
    kind = KINDS[q.kind]
    distribution = dict.fromkeys(kind.values, 0)
    for value, count in raw.items():
        if value in distribution and isinstance(count, int) and count > 0:
            distribution[int(value)] += count
    answered = sum(distribution.values())
    dont_know = sum(distribution[v] for v in kind.no_opinion)
    satisfied = sum(distribution[v] for v in kind.satisfied)
    valid = answered - dont_know
    if hidden:
        answered = valid = dont_know = 0
    if hidden or valid < min_group:
        return QuestionScore(
            q.id, q.kind, q.overall, answered, valid, 0, dont_know,
            None, None, None, None, {}, True,
        )  # fmt: skip
    low, high = wilson(satisfied, valid)
    mean = None
    if kind.mean:
        mean = sum(v * distribution[v] for v in kind.valid) / valid
    return QuestionScore(
        q.id, q.kind, q.overall, answered, valid, satisfied, dont_know,
        satisfied / valid, low, high, mean, distribution, False,
    )  # fmt: skip
