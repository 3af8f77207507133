"""The export: XLSX workbooks (commune, province) and CSV files that open cleanly in Excel.

Suppressed figures are written as the hidden mark, never as numbers: the same rule as the chat.
Every text cell is written as text (never a formula, whatever it starts with), shares carry a
percent format, and each sheet prints on A4 fitted to the width with its header repeated. CSV
files start with a BOM (Excel on Windows reads them as UTF-8 then) and neutralise text that a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from handlers.views import labels
from handlers.views.reports import label_text
from handlers.views.texts import ENV, vn_datetime
from surveys.figures import CriteriaSet, Share
from surveys.scoring import QuestionScore, ScoreVerdict
from surveys.summaries import CommuneReport, ExportAnswer, NationalRow, ProvinceReport

if TYPE_CHECKING:
    from handlers.views.reports import Paper

Cell = str | int | float | None

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
PROVINCE_HEADERS = labels.PROVINCE_HEADERS
PERCENT = "0.0%"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel or LibreOffice may run as a formula
_HEADER_FILL = PatternFill("solid", fgColor="E6E6E6")


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
            rows.append([q.question_id, text, *[labels.HIDDEN_MARK] * 8])
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
    macro = getattr(ENV.get_template("_verdict.txt").module, "verdict")  # noqa: B009
    return str(macro(verdict)).strip()


def verdict_reason(report: CommuneReport) -> str:
    """The verdict's reason in words, from the macro the messages and the report use."""
    unit = labels.UNIT_NAMES[report.unit.value]
    macro = getattr(ENV.get_template("_verdict.txt").module, "reason")  # noqa: B009
    return str(macro(report.summary.score.decision, unit, report.survey)).strip()


_PERCENT_ITEMS = {"coverage", "share", "low", "high", "overall", "floor"}


def verdict_rows(report: CommuneReport, paper: Paper, tz: ZoneInfo) -> list[list[Cell]]:
    """The headline an officer signs: counts, coverage, the overall share, the thresholds used."""
    summary = report.summary
    score = summary.score
    overall = score.overall
    hidden = overall is None or overall.suppressed or overall.share is None
    low, share, high = (
        (None, None, None) if overall is None else (overall.low, overall.share, overall.high)
    )
    values: dict[str, Cell] = {
        "commune": f"{summary.commune.name} ({summary.commune.code})",
        "province": summary.commune.province_name,
        "round": paper.round_label,
        "kind": labels.KIND_NAMES[paper.official],
        "status": labels.STATUS_NAMES[paper.status],
        "taken_at": vn_datetime(paper.taken_at, tz),
        "unit": labels.UNIT_NAMES[report.unit.value],
        "respondents": labels.HIDDEN_MARK if score.respondents is None else score.respondents,
        "registered": score.registered,
        "coverage": None if score.coverage is None else round(score.coverage, 4),
        "required": score.required,
        "share": labels.HIDDEN_MARK if hidden else round(share or 0.0, 4),
        "low": labels.HIDDEN_MARK if hidden else round(low or 0.0, 4),
        "high": labels.HIDDEN_MARK if hidden else round(high or 0.0, 4),
        "overall": summary.thresholds.overall,
        "floor": summary.thresholds.question_floor,
        "verdict": verdict_name(score.verdict),
        "reason": verdict_reason(report),
    }
    return [[labels.VERDICT_ITEMS[key], value] for key, value in values.items()]


def as_text(value: str) -> str:
    """A CSV field a spreadsheet shows as typed: a leading ' stops =, +, -, @, tab and CR."""
    return "'" + value if value.startswith(FORMULA_START) else value


@dataclass(frozen=True)
class Table:
    """One sheet: its columns (header, note), rows, and which columns hold shares."""

    columns: Sequence[tuple[str, str]]
    rows: list[list[Cell]]
    percent: frozenset[int] = frozenset()
    wrap: frozenset[int] = frozenset()  # long text columns, wrapped at a fixed width


def _put(ws: Worksheet, row: int, col: int, value: Cell) -> None:
    """Text stays text: a value starting with = is stored as a string, never as a formula."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True


def _fill(ws: Worksheet, table: Table, titles: Sequence[str] = (), *, landscape: bool) -> None:
    """Titles, then the header row and the rows, formatted for screen and for A4."""
    for r, title in enumerate(titles, start=1):
        _put(ws, r, 1, title)
        ws.cell(row=r, column=1).font = Font(bold=r == 1, size=13 if r == 1 else 11)
    top = len(titles) + 1 + (1 if titles else 0)
    for c, (header, note) in enumerate(table.columns, start=1):
        _put(ws, top, c, header)
        cell = ws.cell(row=top, column=c)
        if note != header:
            cell.comment = Comment(note, "ykien")
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(table.rows, start=top + 1):
        for c, value in enumerate(row, start=1):
            _put(ws, r, c, value)
            cell = ws.cell(row=r, column=c)
            if c - 1 in table.percent and isinstance(value, float):
                cell.number_format = PERCENT
            if c - 1 in table.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, (header, _) in enumerate(table.columns, start=1):
        values: list[Cell] = [header, *(row[c - 1] for row in table.rows if c - 1 < len(row))]
        longest = max(len(_shown(v, c - 1 in table.percent)) for v in values)
        width = 50 if c - 1 in table.wrap else min(max(longest + 2, 8), 60)
        ws.column_dimensions[get_column_letter(c)].width = width
    last = get_column_letter(len(table.columns))
    ws.freeze_panes = f"A{top + 1}"
    ws.auto_filter.ref = f"A{top}:{last}{top + max(len(table.rows), 1)}"
    ws.print_title_rows = f"{top}:{top}"
    _print_setup(ws, landscape=landscape)


def _shown(value: Cell, percent: bool) -> str:
    if value is None:
        return ""
    if percent and isinstance(value, float):
        return f"{value:.1%}"
    return str(value)


def _print_setup(ws: Worksheet, *, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = False


def _verdict_sheet(ws: Worksheet, rows: list[list[Cell]], title: str) -> None:
    _fill(ws, Table(labels.VERDICT_COLUMNS, rows, wrap=frozenset({1})), (title,), landscape=False)
    keys = list(labels.VERDICT_ITEMS)
    for r, _row in enumerate(rows, start=4):
        cell = ws.cell(row=r, column=2)
        if keys[r - 4] in _PERCENT_ITEMS and isinstance(cell.value, float):
            cell.number_format = PERCENT
        cell.alignment = Alignment(horizontal="left", wrap_text=True, vertical="top")


def _criteria_rows(report: CommuneReport, criteria: CriteriaSet) -> list[list[Cell]]:
    names = labels.CRITERIA_NAMES[criteria.value]
    rows: list[list[Cell]] = []
    for c in report.criteria[criteria]:
        head: list[Cell] = [c.criterion, names.get(c.criterion, ""), ", ".join(c.questions)]
        if c.suppressed:
            rows.append(head + [labels.HIDDEN_MARK] * 5)
        else:
            rows.append([*head, c.share.satisfied, c.share.valid, *_share(c.share)])
    return rows


def village_rows(report: CommuneReport, paper: Paper) -> list[list[Cell]]:
    return [
        [
            v.name or "—",
            paper.village_households.get(v.village_id, 0),
            labels.HIDDEN_MARK if v.respondents is None else v.respondents,
            *_share(v.overall),
        ]
        for v in report.villages
    ]


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook(
    report: CommuneReport, paper: Paper, answers: list[ExportAnswer], tz: ZoneInfo
) -> bytes:
    """Answers appear only under keyed pseudonyms, and not at all for a round under k."""
    s = report.summary
    title = f"{s.commune.name}, {s.commune.province_name} — {paper.round_label} — "
    title += labels.KIND_NAMES[paper.official]
    wb = Workbook()
    wb.properties.title = title
    ws = wb.active
    assert ws is not None
    ws.title = labels.SHEET_VERDICT
    _verdict_sheet(ws, verdict_rows(report, paper, tz), title)
    _fill(
        wb.create_sheet(labels.SHEET_SCORES),
        Table(labels.SCORE_COLUMNS, score_rows(report), frozenset({5, 6, 7}), frozenset({1})),
        landscape=True,
    )
    for criteria in CriteriaSet:
        _fill(
            wb.create_sheet(labels.SHEET_CRITERIA[criteria.value]),
            Table(labels.CRITERION_COLUMNS, _criteria_rows(report, criteria), frozenset({5, 6, 7})),
            landscape=True,
        )
    _fill(
        wb.create_sheet(labels.SHEET_VILLAGES),
        Table(labels.VILLAGE_COLUMNS, village_rows(report, paper), frozenset({3, 4, 5})),
        landscape=False,
    )
    sheet = wb.create_sheet(labels.SHEET_ANSWERS)
    if s.score.suppressed:
        _put(sheet, 1, 1, labels.ANSWERS_HIDDEN)
    else:
        rows: list[list[Cell]] = [
            [a.pseudonym, a.village, a.question_id, a.value, int(a.skipped)] for a in answers
        ]
        _fill(sheet, Table(labels.ANSWER_COLUMNS, rows), landscape=False)
    return _save(wb)


def _csv(headers: Sequence[str], rows: list[list[Cell]]) -> bytes:
    """UTF-8 with a BOM; text fields neutralised so that no cell runs as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([as_text(v) if isinstance(v, str) else v for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def scores_csv(report: CommuneReport, paper: Paper, tz: ZoneInfo) -> bytes:
    """One row per question, each with the commune and the round: files stack across communes."""
    s = report.summary
    lead: list[Cell] = [
        s.commune.code,
        s.commune.name,
        s.commune.province_name,
        paper.round_label,
        s.round.id,
        labels.KIND_NAMES[paper.official],
        vn_datetime(paper.taken_at, tz),
    ]
    headers = [*labels.CSV_COMMUNE_COLUMNS, *(h for h, _ in labels.SCORE_COLUMNS)]
    return _csv(headers, [lead + row for row in score_rows(report)])


def province_rows(report: ProvinceReport) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for r in report.rows:
        rank = None if r.ranked.best is None else f"{r.ranked.best}-{r.ranked.worst}"
        rows.append(
            [
                rank,
                r.commune.code,
                r.commune.name,
                label_text(r.label),
                r.round_id,
                labels.HIDDEN_MARK if r.respondents is None else r.respondents,
                *_share(r.ranked.share),
                verdict_name(r.verdict),
            ]
        )
    return rows


def province_csv(report: ProvinceReport, now: datetime, tz: ZoneInfo) -> bytes:
    lead: list[Cell] = [report.province.code, report.province.name, vn_datetime(now, tz)]
    headers = [*labels.CSV_PROVINCE_COLUMNS, *PROVINCE_HEADERS]
    return _csv(headers, [lead + row for row in province_rows(report)])


def province_workbook(report: ProvinceReport, now: datetime, tz: ZoneInfo) -> bytes:
    """One sheet of ranked communes, titled with the province."""
    title = labels.PROVINCE_TITLE.format(report.province.name, report.province.code)
    wb = Workbook()
    wb.properties.title = title
    ws = wb.active
    assert ws is not None
    ws.title = labels.SHEET_PROVINCE
    columns = [(h, h) for h in PROVINCE_HEADERS]
    subtitle = labels.PROVINCE_SUBTITLE.format(vn_datetime(now, tz), report.min_group)
    table = Table(columns, province_rows(report), frozenset({6, 7, 8}))
    _fill(ws, table, (title, subtitle), landscape=False)
    return _save(wb)


def national_rows(rows: list[NationalRow]) -> list[list[Cell]]:
    return [
        [
            None if r.ranked.best is None else f"{r.ranked.best}-{r.ranked.worst}",
            r.province.code,
            r.province.name,
            r.communes,
            labels.HIDDEN_MARK if r.respondents is None else r.respondents,
            *_share(r.ranked.share),
        ]
        for r in rows
    ]


def national_csv(rows: list[NationalRow], now: datetime, tz: ZoneInfo) -> bytes:
    taken = vn_datetime(now, tz)
    headers = [*labels.NATIONAL_HEADERS, labels.CSV_PROVINCE_COLUMNS[-1]]
    return _csv(headers, [[*row, taken] for row in national_rows(rows)])


def national_workbook(rows: list[NationalRow], k: int, now: datetime, tz: ZoneInfo) -> bytes:
    wb = Workbook()
    wb.properties.title = labels.NATIONAL_TITLE
    ws = wb.active
    assert ws is not None
    ws.title = labels.SHEET_NATIONAL
    subtitle = labels.PROVINCE_SUBTITLE.format(vn_datetime(now, tz), k)
    table = Table(
        [(h, h) for h in labels.NATIONAL_HEADERS], national_rows(rows), frozenset({5, 6, 7})
    )
    _fill(ws, table, (labels.NATIONAL_TITLE, subtitle), landscape=False)
    return _save(wb)
