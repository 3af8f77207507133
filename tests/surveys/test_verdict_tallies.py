"""The province table's verdict from SQL tallies is score_round's verdict, for any counts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import figures
from surveys.definitions import catalog
from surveys.scoring import PRESET_90, PRESET_95, score_round, verdict_from_tallies

SURVEY = next(s for s in catalog() if s.id == "ntm-2026")
SCORED = [q for q in SURVEY.questions if q.scored]

counts_st = st.fixed_dictionaries(
    {q.id: st.dictionaries(st.integers(-1, 6), st.integers(0, 40), max_size=7) for q in SCORED}
)


@settings(max_examples=150, deadline=None)
@given(counts_st, st.integers(0, 400), st.sampled_from([PRESET_90, PRESET_95]))
def test_verdict_from_tallies_equals_score_round(counts, registered, thresholds) -> None:
    tallies = {}
    for q in SCORED:
        values = counts[q.id]
        sat, valid = figures.tally(q.kind, values)
        tallies[q.id] = (sat, valid, sum(n for n in values.values() if n > 0))
    respondents = figures.respondents(SURVEY, counts)
    full = score_round(
        SURVEY, counts, respondents=respondents, registered=registered, thresholds=thresholds
    )
    decision, n, sat, valid = verdict_from_tallies(
        SURVEY, tallies, registered=registered, thresholds=thresholds
    )
    assert decision == full.decision
    assert (n if n >= thresholds.min_group else None) == full.respondents
    assert (sat, valid) == (full.overall.satisfied, full.overall.valid)
