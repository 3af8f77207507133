"""Officers' outputs in every format, shared by the chat commands and `ykien summary`.

Each builder takes a report from surveys.summaries and returns a named file: the chat sends it
as a Telegram document or photo, the command line writes it to -o FILE.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from handlers.views import labels
from handlers.views.texts import ENV, render
from surveys.report import national_to_dict, province_to_dict, report_to_dict
from surveys.round_labels import RoundLabel
from surveys.rounds import Round
from surveys.summaries import CommuneReport, ExportAnswer, NationalRow, ProvinceReport

# matplotlib and openpyxl are imported on first use: they double the bot's memory, and most
# processes (a resident's chat, the answer benchmark) never draw or write a workbook.


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    HTML = "html"
    XLSX = "xlsx"
    CSV = "csv"
    PNG = "png"


@dataclass(frozen=True)
class Output:
    filename: str
    content: bytes
    mime: str


def format_of(path: str) -> Format | None:
    """The format a file name asks for by its extension (`-o report.xlsx`), if it names one."""
    ext = PurePath(path).suffix.lower().lstrip(".")
    return {"txt": Format.TEXT}.get(ext) or next((f for f in Format if f.value == ext), None)


def label_text(label: RoundLabel) -> str:
    """A round as a commune numbers it ("Đợt 2 năm 2026"), for cells and titles."""
    macros: Any = ENV.get_template("_summary_macros.txt").module
    return str(macros.round_label(label)).strip()


def round_label(report: CommuneReport) -> str:
    """How a round is named on paper: the commune's own numbering ("Đợt 2 năm 2026")."""
    return label_text(report.label)


def grouped_comments(texts: tuple[str, ...]) -> list[tuple[str, int]]:
    """Identical comments once with their count (spacing and case ignored), most frequent first."""
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for text in texts:
        key = " ".join(text.split()).casefold()
        counts[key] += 1
        first.setdefault(key, " ".join(text.split()))
    return sorted(((first[k], n) for k, n in counts.items()), key=lambda x: (-x[1], x[0]))


def round_status(round_: Round, now: datetime) -> str:
    """open | scheduled | closed, as the JSON says it."""
    if round_.is_open(now):
        return "open"
    return "scheduled" if round_.closed_at is None and now < round_.opens_at else "closed"


@dataclass(frozen=True)
class Paper:
    """What a printed output says about itself besides the figures."""

    round_label: str
    official: bool
    status: str  # open | scheduled | closed
    taken_at: datetime  # when the figures were read
    village_households: Mapping[int, int] = field(default_factory=dict)  # village id -> codes
    comments: list[tuple[str, int]] = field(default_factory=list)

    @staticmethod
    def of(
        report: CommuneReport, now: datetime, village_households: Mapping[int, int] | None = None
    ) -> Paper:
        r = report.summary.round
        return Paper(
            round_label=round_label(report),
            official=r.official,
            status=round_status(r, now),
            taken_at=now,
            village_households=dict(village_households or {}),
            comments=grouped_comments(report.comments.texts),
        )


def _text(name: str, text: str, ext: str, mime: str) -> Output:
    return Output(f"{name}.{ext}", text.encode("utf-8"), mime)


def commune_output(
    report: CommuneReport,
    fmt: Format,
    *,
    tz: ZoneInfo,
    now: datetime,
    answers: list[ExportAnswer] | None = None,
    village_households: Mapping[int, int] | None = None,
) -> Output:
    from handlers.views import charts, spreadsheets

    s = report.summary
    paper = Paper.of(report, now, village_households)
    name = f"ykien-{s.commune.code}-dot-{report.label.number}-nam-{report.label.year}"
    if fmt is Format.TEXT:
        text = render("cli_summary.txt", report=report, tz=tz, comments=paper.comments)
        return _text(name, text, "txt", "text/plain")
    if fmt is Format.JSON:
        text = json.dumps(report_to_dict(report, now), ensure_ascii=False, indent=2)
        return _text(name, text, "json", "application/json")
    if fmt is Format.PNG:
        return Output(f"{name}.png", charts.commune_chart(report, paper), "image/png")
    if fmt is Format.HTML:
        chart = base64.b64encode(charts.commune_chart(report, paper)).decode()
        html = render(
            "report_commune.html",
            report=report,
            paper=paper,
            tz=tz,
            chart=chart,
            names=labels.CRITERIA_NAMES,
            decisions=labels.CRITERIA_DECISIONS,
        )
        return _text(name, html, "html", "text/html")
    if fmt is Format.CSV:
        return Output(
            f"{name}.csv", spreadsheets.scores_csv(report, paper, tz), spreadsheets.CSV_MIME
        )
    xlsx = spreadsheets.workbook(report, paper, answers or [], tz)
    return Output(f"{name}.xlsx", xlsx, spreadsheets.XLSX_MIME)


def province_output(report: ProvinceReport, fmt: Format, *, tz: ZoneInfo, now: datetime) -> Output:
    from handlers.views import charts, spreadsheets

    name = f"ykien-tinh-{report.province.code}"
    if fmt is Format.TEXT:
        return _text(name, render("cli_province.txt", report=report), "txt", "text/plain")
    if fmt is Format.JSON:
        text = json.dumps(province_to_dict(report), ensure_ascii=False, indent=2)
        return _text(name, text, "json", "application/json")
    if fmt is Format.PNG:
        return Output(f"{name}.png", charts.province_chart(report), "image/png")
    if fmt is Format.HTML:
        chart = base64.b64encode(charts.province_chart(report)).decode()
        html = render("report_province.html", report=report, chart=chart, tz=tz, now=now)
        return _text(name, html, "html", "text/html")
    if fmt is Format.CSV:
        csv = spreadsheets.province_csv(report, now, tz)
        return Output(f"{name}.csv", csv, spreadsheets.CSV_MIME)
    xlsx = spreadsheets.province_workbook(report, now, tz)
    return Output(f"{name}.xlsx", xlsx, spreadsheets.XLSX_MIME)


NATIONAL_FORMATS = (Format.TEXT, Format.JSON, Format.CSV, Format.XLSX)


def national_output(
    rows: list[NationalRow], k: int, fmt: Format, *, tz: ZoneInfo, now: datetime
) -> Output:
    """The table by province; no chart or printed report (NATIONAL_FORMATS)."""
    from handlers.views import spreadsheets

    name = "ykien-toan-quoc"
    if fmt is Format.JSON:
        text = json.dumps(national_to_dict(rows), ensure_ascii=False, indent=2)
        return _text(name, text, "json", "application/json")
    if fmt is Format.CSV:
        return Output(
            f"{name}.csv", spreadsheets.national_csv(rows, now, tz), spreadsheets.CSV_MIME
        )
    if fmt is Format.XLSX:
        xlsx = spreadsheets.national_workbook(rows, k, now, tz)
        return Output(f"{name}.xlsx", xlsx, spreadsheets.XLSX_MIME)
    return _text(name, render("cli_national.txt", rows=rows, k=k), "txt", "text/plain")
