"""Complementary (secondary) suppression: no hidden figure can be had by subtraction. Pure.

Hiding the small groups is not enough: where a total and every other part are shown, a hidden
part is their difference (the commune minus its shown villages, a criterion minus its shown
questions, a province minus its shown communes). Statistical offices (τ-ARGUS, sdcTable) hide
more cells until that cannot happen. The rule here, in its simplest safe form: in every relation
"total = sum of parts", the hidden cells (the total included) are none or at least two. Where
exactly one is hidden, one more goes, the smallest shown part or the total, as the relation
says; this repeats over every linked relation until nothing changes.

In a hierarchy (villages in a commune, communes in a province) and for totals that are hidden
whenever a part is (criteria: Complement.TOTAL_ON_ANY), a pattern with no relation holding
exactly one hidden cell leaves every hidden figure undetermined by any linear combination of
what is published;
tests/surveys/test_disclosure.py checks it with exact linear algebra on random communes.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Complement(StrEnum):
    """Which cell a relation gives up when exactly one of its cells is hidden."""

    PART = "part"  # the smallest shown part: the total is the figure people need
    TOTAL = "total"  # the total: its parts are the figures people need
    # The total as soon as any part is hidden: for parts whose sizes stay published (a question
    # hidden under k still says how many judged it), where even a pooled total of several
    # hidden parts would bound them (a criterion at 100 % says every hidden answer was "yes").
    TOTAL_ON_ANY = "total_on_any"


@dataclass(frozen=True)
class Relation(Generic[K]):
    """total = sum(parts), for every count the cells publish."""

    total: K
    parts: tuple[K, ...]
    complement: Complement = Complement.PART


def suppress(
    sizes: Mapping[K, int], relations: Sequence[Relation[K]], primary: Iterable[K]
) -> frozenset[K]:
    """The cells to hide: the primary ones and their complements, stable over every relation.

    An empty cell (size 0) is hidden like any small one but protects nobody, so it does not
    call for a complement: a commune whose round has no answer yet, shown as hidden, does not
    hide its province's total (which then says it holds nobody).

    Args:
        sizes: each cell's size (respondents or valid answers): the smallest part goes first,
            ties in the order of the relation's parts.
        relations: the sums a reader could subtract along.
        primary: cells hidden for their own sake (under k).
    """
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            cells = (relation.total, *relation.parts)
            secret = [c for c in cells if c in hidden and sizes.get(c, 0) > 0]
            if (
                relation.complement is Complement.TOTAL_ON_ANY
                and relation.total not in hidden
                and any(p in secret for p in relation.parts)
            ):
                hidden.add(relation.total)
                changed = True
                continue
            if len(secret) != 1:
                continue
            pick = _complement(relation, hidden, sizes)
            if pick is not None:
                hidden.add(pick)
                changed = True
    return frozenset(hidden)


def _complement(relation: Relation[K], hidden: Collection[K], sizes: Mapping[K, int]) -> K | None:
    shown = [p for p in relation.parts if p not in hidden]
    total_shown = relation.total not in hidden
    if total_shown and (relation.complement is Complement.TOTAL or not shown):
        return relation.total
    if not shown:
        return None  # a total with no parts: nothing to subtract
    order = {p: i for i, p in enumerate(relation.parts)}
    return min(shown, key=lambda p: (sizes.get(p, 0), order[p]))


def below(sizes: Mapping[K, int], k: int) -> set[K]:
    """The cells under k: the primary suppression."""
    return {cell for cell, n in sizes.items() if n < k}


def pooled(sizes: Mapping[K, int], k: int) -> tuple[frozenset[K], bool]:
    """Parts hidden under k, and whether their published total must be hidden too.

    For a total whose parts are published in full elsewhere (a province's communes each have
    their own report): the parts keep the one rule "under k is hidden", and the total goes
    when it is under k itself or when exactly one part is hidden.
    """
    parts = tuple(sizes)
    hidden = below(sizes, k)
    total = _Total()
    primary: set[K | _Total] = set(hidden)
    if sum(sizes.values()) < k:
        primary.add(total)
    all_sizes: dict[K | _Total, int] = dict(sizes.items())
    all_sizes[total] = sum(sizes.values())
    relation: Relation[K | _Total] = Relation(total, parts, Complement.TOTAL)
    out = suppress(all_sizes, [relation], primary)
    return frozenset(hidden), total in out


class _Total:
    """The key of a pooled total: distinct from any part's key."""
