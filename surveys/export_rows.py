"""The row-level export: a round's coded answers under keyed pseudonyms, as far as k allows.

The per-respondent sheet must not undo the tables' suppression, so it holds only what the
report itself shows: no row at all for a round under k, no row of a hidden village (hidden
under k or as a complement), no value of a question hidden in the commune or in that village.
Only counted answers appear (one complete response per household or lone resident), the same
answers every table counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage import scores as scores_db
from surveys.env import Env
from surveys.pseudonym import pseudonym

if TYPE_CHECKING:  # summaries re-exports this module's names: no import at run time
    from surveys.summaries import CommuneReport


@dataclass(frozen=True)
class ExportAnswer:
    pseudonym: str  # HMAC-SHA256(key, resident id), first 16 hex digits: stable, not reversible
    village: str  # the village's name ("" for residents who chose none)
    question_id: str
    value: int | None
    skipped: bool


def shown_cells(report: CommuneReport) -> dict[int, set[str]]:
    """village id -> the question ids whose values the report shows for that village."""
    score = report.summary.score
    if score.suppressed:
        return {}
    commune = {q.question_id for q in score.questions if not q.suppressed}
    overall = score.overall
    out: dict[int, set[str]] = {}
    for v in report.villages:
        if v.suppressed:
            continue
        cells = {qid for qid, share in v.questions.items() if not share.suppressed}
        out[v.village_id] = cells & commune
        if overall is not None and not overall.suppressed and not v.overall.suppressed:
            out[v.village_id].add(overall.question_id)
    return out


async def export_answers(env: Env, report: CommuneReport) -> list[ExportAnswer]:
    """The answers of shown_cells(report) under pseudonyms, in resident then question order."""
    shown = shown_cells(report)
    if not shown:
        return []
    names = {v.village_id: v.name for v in report.villages}
    key = env.pseudonym_key
    rows = await scores_db.pseudonymous_answers(env.db.conn, report.summary.round.id)
    return [
        ExportAnswer(pseudonym(key, resident), names[village], question, value, bool(skipped))
        for resident, village, question, value, skipped in rows
        if question in shown.get(village, ())
    ]
