"""The export: an XLSX workbook (scores, one sheet per breakdown, pseudonymous answers) and CSV.

Suppressed figures are written as the hidden mark, never as numbers: the same rule as the chat.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.worksheet.worksheet import Worksheet

from handlers import labels
from handlers.texts import ENV
from surveys.figures import CriteriaSet, Share
from surveys.scoring import QuestionScore, ScoreVerdict
from surveys.summaries import CommuneReport, ExportAnswer, ProvinceReport

Cell = str | int | float | None


def _share(s: Share) -> list[Cell]:
    if s.share is None:
        return [labels.HIDDEN_MARK, None, None]
    return [round(s.share, 4), round(s.low or 0.0, 4), round(s.high or 0.0, 4)]


def score_rows(report: CommuneReport) -> list[list[Cell]]:
    survey = report.survey
    score = report.summary.score
    rows: list[list[Cell]] = []
    shown: list[QuestionScore] = list(score.questions)
    if score.overall is not None:
        shown.append(score.overall)
    for q in shown:
        text = survey.questions[survey.index_of(q.question_id)].text
        if q.suppressed:
            rows.append([q.question_id, text, *[labels.HIDDEN_MARK] * 7, labels.HIDDEN_MARK])
            continue
        assert q.share is not None
        rows.append(
            [
                q.question_id,
                text,
                q.satisfied,
                q.valid - q.satisfied,
                q.dont_know,
                round(q.share, 4),
                round(q.low or 0.0, 4),
                round(q.high or 0.0, 4),
                None if q.mean is None else round(q.mean, 2),
                "",
            ]
        )
    return rows


def verdict_name(verdict: ScoreVerdict) -> str:
    """The verdict in words, from the same macro the messages and reports use."""
    # jinja2 exposes a template's macros as attributes its TemplateModule type does not declare
    macros = ENV.get_template("_verdict.txt").module
    return str(macros.verdict(verdict)).strip()  # type: ignore[attr-defined]


def verdict_reason(report: CommuneReport) -> str:
    """The verdict's reason in words, from the macro the messages use."""
    unit = labels.UNIT_NAMES[report.unit.value]
    macros: Any = ENV.get_template("_verdict.txt").module
    return str(macros.reason(report.summary.score.decision, unit, report.survey)).strip()


def verdict_rows(report: CommuneReport) -> list[list[Cell]]:
    """The headline an officer signs: counts, coverage, the overall share, the thresholds used."""
    summary = report.summary
    score = summary.score
    overall = score.overall
    shown = None if overall is None or overall.suppressed or overall.share is None else overall
    macros: Any = ENV.get_template("_summary_macros.txt").module
    values: dict[str, Cell] = {
        "commune": f"{summary.commune.name} ({summary.commune.code})",
        "round": str(macros.round_label(report.label)),
        "unit": labels.UNIT_NAMES[report.unit.value],
        "respondents": labels.HIDDEN_MARK if score.respondents is None else score.respondents,
        "registered": score.registered,
        "coverage": None if score.coverage is None else round(score.coverage, 4),
        "required": score.required,
        "share": labels.HIDDEN_MARK if shown is None else round(shown.share or 0.0, 4),
        "low": labels.HIDDEN_MARK if shown is None else round(shown.low or 0.0, 4),
        "high": labels.HIDDEN_MARK if shown is None else round(shown.high or 0.0, 4),
        "overall": summary.thresholds.overall,
        "floor": summary.thresholds.question_floor,
        "verdict": verdict_name(score.verdict),
        "reason": verdict_reason(report),
    }
    return [[labels.VERDICT_ITEMS[key], value] for key, value in values.items()]


def _sheet(ws: Worksheet, columns: Sequence[tuple[str, str]], rows: list[list[Cell]]) -> None:
    ws.append([header for header, _ in columns])
    for cell, (_, note) in zip(ws[1], columns, strict=True):
        cell.comment = Comment(note, "ykien")
    for row in rows:
        ws.append(row)


def workbook(report: CommuneReport, answers: list[ExportAnswer]) -> bytes:
    """Answers appear only under keyed pseudonyms, and not at all for a round under k."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = labels.SHEET_VERDICT
    _sheet(ws, labels.VERDICT_COLUMNS, verdict_rows(report))
    _sheet(wb.create_sheet(labels.SHEET_SCORES), labels.SCORE_COLUMNS, score_rows(report))
    for criteria in CriteriaSet:
        rows: list[list[Cell]] = []
        for c in report.criteria[criteria]:
            if c.suppressed:
                rows.append([c.criterion, ", ".join(c.questions), *[labels.HIDDEN_MARK] * 5])
            else:
                rows.append(
                    [
                        c.criterion,
                        ", ".join(c.questions),
                        c.share.satisfied,
                        c.share.valid,
                        *_share(c.share),
                    ]
                )
        _sheet(
            wb.create_sheet(labels.SHEET_CRITERIA[criteria.value]), labels.CRITERION_COLUMNS, rows
        )
    village_rows: list[list[Cell]] = [
        [
            v.name or "—",
            labels.HIDDEN_MARK if v.respondents is None else v.respondents,
            *_share(v.overall),
        ]
        for v in report.villages
    ]
    _sheet(wb.create_sheet(labels.SHEET_VILLAGES), labels.VILLAGE_COLUMNS, village_rows)
    sheet = wb.create_sheet(labels.SHEET_ANSWERS)
    if report.summary.score.suppressed:
        sheet.append([labels.ANSWERS_HIDDEN])
    else:
        _sheet(
            sheet,
            labels.ANSWER_COLUMNS,
            [[a.pseudonym, a.village, a.question_id, a.value, int(a.skipped)] for a in answers],
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def scores_csv(report: CommuneReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([header for header, _ in labels.SCORE_COLUMNS])
    writer.writerows(score_rows(report))
    return out.getvalue()


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROVINCE_HEADERS = labels.PROVINCE_HEADERS


def province_rows(report: ProvinceReport) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for r in report.rows:
        rank = None if r.ranked.best is None else f"{r.ranked.best}-{r.ranked.worst}"
        rows.append(
            [
                rank,
                r.commune.code,
                r.commune.name,
                r.round_id,
                labels.HIDDEN_MARK if r.respondents is None else r.respondents,
                *_share(r.ranked.share),
                verdict_name(r.verdict),
            ]
        )
    return rows


def rows_csv(headers: Sequence[str], rows: list[list[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()
