"""Figures built on round scores: criteria, villages, rankings, trends, comments. Pure.

Suppression follows scoring.py: anything resting on fewer than k respondents is None here, so no
renderer can print it; complementary suppression (surveys.disclosure) then hides what could be
had by subtraction: a second village where one is hidden, a criterion where one of its
questions is. Choices made here, documented in README.md:

- A criterion's share pools the answers to every question tagged with it (answers, not people:
  a resident answering two questions of criterion 2 counts twice); its interval is the Wilson
  interval of the pooled counts, an approximation that is honest about the size of the pool.
- A ranking gives each commune the range of ranks its interval allows: it is surely above
  every commune whose interval lies wholly below its own. Communes whose intervals overlap
  share a range, which the outputs show as a tie ("1–3").
- A trend compares two rounds with the two-proportion z-test (pooled variance, two-sided,
  5 %): the change "exceeds chance" when p < 0.05.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter

from surveys import disclosure, question_kinds
from surveys.disclosure import Complement, Relation
from surveys.model import QuestionKind, Survey
from surveys.scoring import wilson

Counts = Mapping[str, Mapping[int, int]]


class Unit(StrEnum):
    """What one respondent is: a household where the commune issued codes, else a resident."""

    RESIDENT = "resident"
    HOUSEHOLD = "household"


class CriteriaSet(StrEnum):
    C2026 = "2026"  # Quyết định 51/2025/QĐ-TTg
    C2021 = "2021"  # Quyết định 318/QĐ-TTg


@dataclass(frozen=True)
class Share:
    """satisfied of valid with a Wilson interval; share/low/high None when suppressed."""

    satisfied: int
    valid: int
    share: float | None
    low: float | None
    high: float | None

    @property
    def suppressed(self) -> bool:
        return self.share is None


def share_of(satisfied: int, valid: int, k: int) -> Share:
    if valid < k:
        return Share(0, valid, None, None, None)
    low, high = wilson(satisfied, valid)
    return Share(satisfied, valid, satisfied / valid, low, high)


def tally(kind: QuestionKind, values: Mapping[int, int]) -> tuple[int, int]:
    """(satisfied, valid) of one question's value counts; "không biết" is not valid."""
    spec = question_kinds.of(kind)
    judged, liked = spec.valid, spec.satisfied
    valid = sum(n for v, n in values.items() if v in judged and n > 0)
    satisfied = sum(n for v, n in values.items() if v in liked and n > 0)
    return satisfied, valid


def respondents(survey: Survey, counts: Counts) -> int:
    """Respondents of a group: those with an answer (any value) to the overall question."""
    overall = survey.overall
    if overall is None:
        return 0
    return sum(n for n in counts.get(overall.id, {}).values() if n > 0)


@dataclass(frozen=True)
class CriterionScore:
    criterion: int
    questions: tuple[str, ...]
    share: Share  # pooled answers of the questions
    suppressed: bool  # under k, or one of its questions is hidden (else: total minus the rest)


HIDDEN = Share(0, 0, None, None, None)


def by_criterion(
    survey: Survey, counts: Counts, criteria: CriteriaSet, k: int, *, hidden: bool = False
) -> list[CriterionScore]:
    """One row per criterion number tagged on a scored, non-overall question, in number order.

    A criterion is hidden under k and whenever one of its questions is hidden (the question's
    own share is under k): its pooled counts minus the shown questions would give the hidden
    one. ``hidden``: the whole group is under k.
    """
    hidden = hidden or respondents(survey, counts) < k
    pooled: dict[int, list[str]] = {}
    for q in survey.questions:
        if not q.scored or q.overall:
            continue
        tags = q.criteria_2026 if criteria is CriteriaSet.C2026 else q.criteria_2021
        for tag in tags:
            pooled.setdefault(tag, []).append(q.id)
    kinds = {q.id: q.kind for q in survey.questions}
    tallies = {
        qid: tally(kinds[qid], counts.get(qid, {})) for ids in pooled.values() for qid in ids
    }
    sizes: dict[tuple[str, object], int] = {("q", qid): t[1] for qid, t in tallies.items()}
    for criterion, ids in pooled.items():
        sizes[("c", criterion)] = sum(tallies[qid][1] for qid in ids)
    relations = [
        Relation(("c", c), tuple(("q", qid) for qid in ids), Complement.TOTAL_ON_ANY)
        for c, ids in pooled.items()
    ]
    primary = set(sizes) if hidden else disclosure.below(sizes, k)
    gone = disclosure.suppress(sizes, relations, primary)
    rows = []
    for criterion in sorted(pooled):
        sat = sum(tallies[qid][0] for qid in pooled[criterion])
        valid = sizes[("c", criterion)]
        share = HIDDEN if ("c", criterion) in gone else share_of(sat, valid, k)
        rows.append(CriterionScore(criterion, tuple(pooled[criterion]), share, share.suppressed))
    return rows


@dataclass(frozen=True)
class VillageRow:
    village_id: int  # 0: residents who chose no village
    name: str
    respondents: int | None  # None when suppressed: even the count could single people out
    overall: Share
    questions: dict[str, Share]  # question id -> share (suppressed below k)
    suppressed: bool


def hidden_villages(
    survey: Survey, villages: Mapping[int, Counts], k: int, *, commune_hidden: bool = False
) -> tuple[frozenset[int], frozenset[tuple[int, str]]]:
    """The village rows to hide, and the (village, question) cells of shown villages to hide.

    Rows: under k, then the smallest others until no single village is hidden (the commune's
    figures minus the shown villages would give it). Cells, per question: a hidden village's
    cells, cells under k valid answers, then the same rule down each question's column.
    """
    if commune_hidden:
        every = frozenset(villages)
        return every, frozenset((v, q.id) for v in villages for q in survey.questions if q.scored)
    sizes: dict[tuple[str, int], int] = {
        ("v", v): respondents(survey, c) for v, c in villages.items()
    }
    sizes[("v", -1)] = sum(sizes.values())  # the commune: the villages' total
    parts = tuple(("v", v) for v in villages)
    gone = disclosure.suppress(sizes, [Relation(("v", -1), parts)], disclosure.below(sizes, k))
    rows = frozenset(v for v in villages if ("v", v) in gone)
    cells: set[tuple[int, str]] = set()
    for q in survey.questions:
        if not q.scored or q.overall:  # the overall question is the village row itself
            continue
        valid = {v: tally(q.kind, c.get(q.id, {}))[1] for v, c in villages.items()}
        column: dict[int, int] = {**valid, -1: sum(valid.values())}
        primary = disclosure.below(column, k) | set(rows)
        relation = Relation(-1, tuple(villages))
        cells |= {(v, q.id) for v in disclosure.suppress(column, [relation], primary) if v != -1}
    return rows, frozenset(cells)


def by_village(
    survey: Survey,
    villages: Mapping[int, Counts],
    names: Mapping[int, str],
    k: int,
    *,
    commune_hidden: bool = False,
) -> list[VillageRow]:
    """Per-village rows in name order (no village last); a hidden village shows nothing."""
    rows_hidden, cells_hidden = hidden_villages(survey, villages, k, commune_hidden=commune_hidden)
    rows = []
    for vid, counts in villages.items():
        n = respondents(survey, counts)
        hidden = vid in rows_hidden
        shares: dict[str, Share] = {}
        overall = HIDDEN
        for q in survey.questions:
            if not q.scored:
                continue
            s, v = tally(q.kind, counts.get(q.id, {}))
            if q.overall:
                overall = HIDDEN if hidden else share_of(s, v, k)
            else:
                shares[q.id] = HIDDEN if (vid, q.id) in cells_hidden else share_of(s, v, k)
        rows.append(
            VillageRow(vid, names.get(vid, ""), None if hidden else n, overall, shares, hidden)
        )
    rows.sort(key=lambda r: (r.village_id == 0, r.name, r.village_id))
    return rows


def every_village_hidden(rows: Sequence[VillageRow]) -> bool:
    return bool(rows) and all(r.suppressed for r in rows)


@dataclass(frozen=True)
class RankedRow:
    code: int
    name: str
    share: Share
    best: int | None  # highest rank the interval allows (1 = first); None when suppressed
    worst: int | None

    @property
    def tied(self) -> bool:
        return self.best is not None and self.best != self.worst


def rank(
    rows: Sequence[tuple[int, str, int, int]], k: int, hidden: Collection[int] = ()
) -> list[RankedRow]:
    """Ranks (code, name, satisfied, valid) by share, each with the range its interval allows.

    ``hidden``: codes suppressed whatever their size (complementary suppression).

    Best rank: 1 + communes whose low bound is above this one's high bound. Worst rank: the
    shown communes minus those whose high bound is below this one's low bound. Suppressed
    communes come last, unranked, by name.
    """
    shares = [
        (code, name, HIDDEN if code in hidden else share_of(s, n, k)) for code, name, s, n in rows
    ]
    shown = [r for r in shares if not r[2].suppressed]
    unranked = sorted((r for r in shares if r[2].suppressed), key=lambda r: (r[1], r[0]))
    shown.sort(key=lambda r: (-(r[2].share or 0.0), r[1], r[0]))
    # Sorted bounds and bisection: n log n, so a province of hundreds of communes stays cheap.
    lows = sorted(o[2].low for o in shown if o[2].low is not None)
    highs = sorted(o[2].high for o in shown if o[2].high is not None)
    out = []
    for code, name, share in shown:
        assert share.low is not None and share.high is not None
        above = len(lows) - bisect.bisect_right(lows, share.high)
        below = bisect.bisect_left(highs, share.low)
        out.append(RankedRow(code, name, share, 1 + above, len(shown) - below))
    out.extend(RankedRow(code, name, share, None, None) for code, name, share in unranked)
    return out


@dataclass(frozen=True)
class Trend:
    before: Share
    after: Share
    change: float | None  # after - before, None when either side is suppressed
    p_value: float | None
    significant: bool  # p < 0.05: larger than chance allows


def two_proportion_p(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p of the pooled two-proportion z-test; 1.0 when there is no variance."""
    pooled = (s1 + s2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return 1.0
    z = (s2 / n2 - s1 / n1) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


def trend(before: Share, after: Share) -> Trend:
    if before.suppressed or after.suppressed:
        return Trend(before, after, None, None, False)
    assert before.share is not None and after.share is not None
    p = two_proportion_p(before.satisfied, before.valid, after.satisfied, after.valid)
    return Trend(before, after, after.share - before.share, p, p < 0.05)


@dataclass(frozen=True)
class Comments:
    count: int | None  # None when the group itself is under k
    texts: tuple[str, ...]  # only when both the group and the comments reach k


def comments(texts: Sequence[str], group: int, k: int) -> Comments:
    """Comments in aggregate: the count when the group reaches k, the texts when both do."""
    if group < k:
        return Comments(None, ())
    shown = tuple(sorted(texts)) if len(texts) >= k else ()
    return Comments(len(texts), shown)


def dont_know(survey: Survey, counts: Counts) -> int:
    """ "Không biết" answers over every scale question of a group."""
    return sum(
        counts.get(q.id, {}).get(v, 0)
        for q in survey.questions
        for v in question_kinds.of(q.kind).no_opinion
    )


def _adder(values: Collection[int]) -> Callable[[Sequence[int]], int]:
    """The sum of the counts of `values` in a question_values row (answers, then the count of
    each of question_kinds.STORED_VALUES), read by position: a province table reads many."""
    at = sorted(1 + question_kinds.STORED_VALUES.index(v) for v in values)
    if len(at) == 1:
        return itemgetter(at[0])
    pick = itemgetter(*at)
    return lambda row: sum(pick(row))


_ROW_TALLIES = {
    kind: (_adder(spec.satisfied), _adder(spec.valid))
    for kind, spec in question_kinds.KINDS.items()
    if spec.scored
}


def value_tallies(
    survey: Survey, values: dict[str, tuple[int, ...]]
) -> dict[str, tuple[int, int, int]]:
    """question id -> (satisfied, valid, answered) from (answers, count of each stored value)."""
    out = {}
    for q in survey.questions:
        row = values.get(q.id)
        if row is None or q.kind not in _ROW_TALLIES:
            continue
        satisfied, valid = _ROW_TALLIES[q.kind]
        out[q.id] = (satisfied(row), valid(row), row[0])
    return out
