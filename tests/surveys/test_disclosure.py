"""Complementary suppression: the rule on hand-made tables, then a property test that no linear
combination of what a commune's report publishes determines a hidden count.

The property test builds the published figures as linear functions of the true counts (one
unknown per village, question and answer value) from the report objects themselves, not from
the relations the disclosure module uses, adds what a reader knows anyway (every counted
respondent answered every question), and checks with exact integer elimination that the
functional of each hidden figure is not in the span of the published ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import example, given, settings
from hypothesis import strategies as st

from surveys import disclosure, figures, question_kinds
from surveys.disclosure import Complement, Relation
from surveys.figures import CriteriaSet
from surveys.model import Question, QuestionKind, Survey
from surveys.scoring import Thresholds, score_round


def test_one_hidden_part_takes_the_smallest_other_with_it() -> None:
    sizes = {"xa": 30, "a": 2, "b": 9, "c": 7, "d": 12}
    relation = Relation("xa", ("a", "b", "c", "d"))
    assert disclosure.suppress(sizes, [relation], {"a"}) == {"a", "c"}
    assert disclosure.suppress(sizes, [relation], {"a", "b"}) == {"a", "b"}  # two: nothing more
    assert disclosure.suppress(sizes, [relation], set()) == set()
    tie = {"xa": 20, "a": 2, "b": 9, "c": 9}
    assert disclosure.suppress(tie, [Relation("xa", ("a", "b", "c"))], {"a"}) == {"a", "b"}


def test_total_policy_and_a_lone_hidden_total() -> None:
    sizes = {"c": 20, "q1": 2, "q2": 18}
    assert disclosure.suppress(sizes, [Relation("c", ("q1", "q2"), Complement.TOTAL)], {"q1"}) == {
        "q1",
        "c",
    }
    # a criterion: its pooled share would bound several hidden questions, so it goes with any
    many = {"c": 30, "q1": 2, "q2": 3, "q3": 25}
    relation = Relation("c", ("q1", "q2", "q3"), Complement.TOTAL_ON_ANY)
    assert disclosure.suppress(many, [relation], {"q1", "q2"}) == {"q1", "q2", "c"}
    assert disclosure.suppress(many, [Relation("c", ("q1", "q2", "q3"))], {"q1", "q2"}) == {
        "q1",
        "q2",
    }
    # a total hidden with every part shown is their sum: a part goes too
    assert disclosure.suppress(sizes, [Relation("c", ("q1", "q2"))], {"c"}) == {"c", "q1"}
    # a total with a single part is that part
    assert disclosure.suppress({"t": 4, "p": 4}, [Relation("t", ("p",))], {"p"}) == {"p", "t"}


def test_suppression_runs_until_every_linked_relation_is_stable() -> None:
    # the commune's villages (A hidden) and a second table where B is a part: hiding B as A's
    # complement leaves B alone hidden in the second table, so its smallest other goes too
    sizes = {"xa": 30, "A": 2, "B": 5, "C": 23, "T": 40, "D": 10, "E": 25}
    relations = [Relation("xa", ("A", "B", "C")), Relation("T", ("B", "D", "E"))]
    assert disclosure.suppress(sizes, relations, {"A"}) == {"A", "B", "D"}


def test_an_empty_cell_protects_nobody_and_needs_no_complement() -> None:
    sizes = {"xa": 30, "a": 0, "b": 9, "c": 21}
    assert disclosure.suppress(sizes, [Relation("xa", ("a", "b", "c"))], {"a"}) == {"a"}
    sizes = {"xa": 30, "a": 0, "b": 2, "c": 28}
    assert disclosure.suppress(sizes, [Relation("xa", ("a", "b", "c"))], {"a", "b"}) == {
        "a",
        "b",
        "c",
    }
    assert disclosure.pooled({1: 0, 2: 50}, 5) == ({1}, False)


def test_pooled_hides_a_total_with_exactly_one_hidden_part() -> None:
    assert disclosure.pooled({1: 3, 2: 50, 3: 40}, 5) == ({1}, True)
    assert disclosure.pooled({1: 3, 2: 4, 3: 40}, 5) == ({1, 2}, False)
    assert disclosure.pooled({1: 30, 2: 50}, 5) == (set(), False)
    assert disclosure.pooled({1: 2, 2: 2}, 5) == ({1, 2}, True)  # the total itself is under k


# The property test ----------------------------------------------------------------------------

SURVEY = Survey(
    "t",
    "T",
    "",
    (
        Question("q1", QuestionKind.SCALE, "Đường", (2,), (2,)),
        Question("q2", QuestionKind.SCALE, "Điện", (2,), (4,)),
        Question("q3", QuestionKind.SCALE, "Chợ", (3,), (4,)),
        Question("ov", QuestionKind.YESNO, "Hài lòng chung", overall=True),
    ),
)
K = 3
SCORED = [q for q in SURVEY.questions if q.scored]


def _values(q: Question) -> tuple[int, ...]:
    return question_kinds.of(q.kind).values


Var = tuple[int, str, int]  # (village, question, value)


class System:
    """Linear functionals over the unknown counts, one coefficient per (village, q, value)."""

    def __init__(self, villages: Sequence[int]) -> None:
        self.index: dict[Var, int] = {}
        for v in villages:
            for q in SCORED:
                for value in _values(q):
                    self.index[(v, q.id, value)] = len(self.index)
        self.villages = list(villages)
        self.published: list[list[int]] = []

    def f(self, villages: Sequence[int], qids: Sequence[str], values: set[int] | None) -> list[int]:
        row = [0] * len(self.index)
        for v in villages:
            for qid in qids:
                for (vv, qq, value), i in self.index.items():
                    if vv == v and qq == qid and (values is None or value in values):
                        row[i] += 1
        return row

    def publish(self, row: list[int]) -> None:
        self.published.append(row)


def _reduce(row: list[int], basis: list[tuple[int, list[int]]]) -> list[int]:
    """Exact integer elimination (fraction-free, rows kept small by their gcd)."""
    for pivot, b in basis:
        if row[pivot]:
            a, c = b[pivot], row[pivot]
            row = [a * x - c * y for x, y in zip(row, b, strict=True)]
            g = math.gcd(*row)
            if g > 1:
                row = [x // g for x in row]
    return row


def _basis(rows: list[list[int]]) -> list[tuple[int, list[int]]]:
    basis: list[tuple[int, list[int]]] = []
    for row in rows:
        reduced = _reduce(row, basis)
        pivot = next((i for i, x in enumerate(reduced) if x), None)
        if pivot is not None:
            basis.append((pivot, reduced))
    return basis


def determined(row: list[int], basis: list[tuple[int, list[int]]]) -> bool:
    return not any(_reduce(row, basis))


SAT = {4, 5}
VALID = {1, 2, 3, 4, 5}

respondent = st.tuples(
    st.integers(0, 3),  # village (0: none chosen)
    st.sampled_from(question_kinds.of(QuestionKind.SCALE).values),
    st.sampled_from(question_kinds.of(QuestionKind.SCALE).values),
    st.sampled_from(question_kinds.of(QuestionKind.SCALE).values),
    st.sampled_from(question_kinds.of(QuestionKind.YESNO).values),
)


def _counts(people: list[tuple[int, int, int, int, int]]) -> dict[int, dict[str, dict[int, int]]]:
    out: dict[int, dict[str, dict[int, int]]] = {}
    for village, *answers in people:
        for q, value in zip(SCORED, answers, strict=True):
            cell = out.setdefault(village, {}).setdefault(q.id, {})
            cell[value] = cell.get(value, 0) + 1
    return out


def _sum(villages: dict[int, dict[str, dict[int, int]]]) -> dict[str, dict[int, int]]:
    total: dict[str, dict[int, int]] = {}
    for counts in villages.values():
        for qid, values in counts.items():
            for value, n in values.items():
                total.setdefault(qid, {})[value] = total.setdefault(qid, {}).get(value, 0) + n
    return total


@settings(max_examples=100, deadline=None)
@given(st.lists(respondent, max_size=22))
# the repository's own docs/report.png case: one village of one beside a large one
@example([(1, 4, 4, 4, 1)] * 9 + [(2, 5, 5, 5, 1)])
# a question nobody in one village could judge, in an otherwise shown commune
@example([(1, 0, 4, 4, 1)] * 4 + [(1, 4, 4, 4, 1)] + [(2, 4, 2, 4, 0)] * 4 + [(3, 2, 2, 2, 1)] * 3)
def test_no_hidden_count_is_a_linear_combination_of_the_published(people) -> None:
    villages = _counts(people)
    counts = _sum(villages)
    n = figures.respondents(SURVEY, counts)
    t = Thresholds(min_group=K, coverage=0.0)
    score = score_round(SURVEY, counts, respondents=n, registered=100, thresholds=t)
    rows = figures.by_village(SURVEY, villages, {}, K, commune_hidden=score.suppressed)
    criteria = [
        c
        for s in CriteriaSet
        for c in figures.by_criterion(SURVEY, counts, s, K, hidden=score.suppressed)
    ]
    system = System(sorted(villages))
    vs = system.villages
    cells = [villages[v].get(qid, {}).get(value, 0) for v, qid, value in system.index]

    def size(f: list[int]) -> int:
        return sum(a * b for a, b in zip(f, cells, strict=True))

    hidden: list[tuple[str, list[int], int]] = []  # name, functional, the group's size
    # what a reader knows anyway: each counted respondent answered every question
    for v in vs:
        for q in SCORED[:-1]:
            a, b = system.f([v], [q.id], None), system.f([v], ["ov"], None)
            system.publish([x - y for x, y in zip(a, b, strict=True)])
    # the commune's figures
    if score.respondents is not None:
        system.publish(system.f(vs, ["ov"], None))
    else:
        f = system.f(vs, ["ov"], None)
        hidden.append(("respondents", f, size(f)))
    for qs in (*score.questions, score.overall):
        assert qs is not None
        if not score.suppressed:  # answered, valid, "không biết" stay shown for the reason
            system.publish(system.f(vs, [qs.question_id], None))
            valid = VALID if qs.kind is QuestionKind.SCALE else None
            system.publish(system.f(vs, [qs.question_id], valid))
        if qs.suppressed:
            sat = SAT if qs.kind is QuestionKind.SCALE else {1}
            valid = VALID if qs.kind is QuestionKind.SCALE else None
            group = size(system.f(vs, [qs.question_id], valid))
            hidden.append((qs.question_id, system.f(vs, [qs.question_id], sat), group))
        else:
            for value in qs.distribution:
                system.publish(system.f(vs, [qs.question_id], {value}))
    # villages, and each village's questions
    for row in rows:
        v = row.village_id
        if row.suppressed:
            group = size(system.f([v], ["ov"], None))
            hidden.append((f"village {v}", system.f([v], ["ov"], None), group))
            hidden.append((f"village {v} yes", system.f([v], ["ov"], {1}), group))
        else:
            assert row.respondents is not None and row.overall.share is not None
            system.publish(system.f([v], ["ov"], None))
            system.publish(system.f([v], ["ov"], {1}))
        for qid, share in row.questions.items():
            if share.suppressed:
                group = size(system.f([v], [qid], VALID))
                hidden.append((f"village {v} {qid}", system.f([v], [qid], SAT), group))
            else:
                system.publish(system.f([v], [qid], SAT))
                system.publish(system.f([v], [qid], VALID))
    # criteria: pooled answers of their questions
    for c in criteria:
        if c.suppressed:
            group = size(system.f(vs, list(c.questions), VALID))
            hidden.append((f"criterion {c.criterion}", system.f(vs, list(c.questions), SAT), group))
        else:
            system.publish(system.f(vs, list(c.questions), SAT))
            system.publish(system.f(vs, list(c.questions), VALID))
    basis = _basis(system.published)
    # an empty group (no one judged it) protects nobody: it may show as its zero
    leaked = [name for name, f, group in hidden if group > 0 and determined(f, basis)]
    assert not leaked, (leaked, villages)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=1, max_size=6), min_size=1, max_size=4))
def test_no_hidden_commune_is_had_from_the_province_and_national_tables(provinces) -> None:
    """Province tables publish each commune at or above k (the commune's own report does too);
    the national table publishes each province's total unless disclosure.pooled hides it."""
    k = 5
    keys = [(p, c) for p, communes in enumerate(provinces) for c in range(len(communes))]
    index = {key: i for i, key in enumerate(keys)}
    published, hidden = [], []
    for p, communes in enumerate(provinces):
        sizes = dict(enumerate(communes))
        parts, total_hidden = disclosure.pooled(sizes, k)
        for c, n in sizes.items():
            row = [0] * len(index)
            row[index[(p, c)]] = 1
            if c not in parts:
                published.append(row)
            elif n > 0:  # an empty commune protects nobody: it may show as its zero
                hidden.append(row)
        if not total_hidden:
            published.append([1 if key[0] == p else 0 for key in index])
        ranked = figures.rank([(c, "", n, n) for c, n in sizes.items()], k, parts)
        assert {r.code for r in ranked if r.share.suppressed} == parts  # the table's own rule
    basis = _basis(published)
    assert not [h for h in hidden if determined(h, basis)]
