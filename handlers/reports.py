"""Officers' outputs in every format, shared by the chat commands and `ykien summary`.

Each builder takes a report from surveys.summaries and returns a named file: the chat sends it
as a Telegram document or photo, the command line writes it to -o FILE.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.texts import render
from surveys.report import national_to_dict, province_to_dict, report_to_dict
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


def _text(name: str, text: str, ext: str, mime: str) -> Output:
    return Output(f"{name}.{ext}", text.encode("utf-8"), mime)


def commune_output(
    report: CommuneReport,
    fmt: Format,
    *,
    tz: ZoneInfo,
    now: datetime,
    answers: list[ExportAnswer] | None = None,
) -> Output:
    from handlers import charts, spreadsheets

    s = report.summary
    name = f"ykien-{s.commune.code}-dot{s.round.id}"
    if fmt is Format.TEXT:
        return _text(name, render("cli_summary.txt", report=report, tz=tz), "txt", "text/plain")
    if fmt is Format.JSON:
        text = json.dumps(report_to_dict(report, now), ensure_ascii=False, indent=2)
        return _text(name, text, "json", "application/json")
    if fmt is Format.PNG:
        return Output(f"{name}.png", charts.commune_chart(report), "image/png")
    if fmt is Format.HTML:
        chart = base64.b64encode(charts.commune_chart(report)).decode()
        html = render("report_commune.html", report=report, tz=tz, chart=chart)
        return _text(name, html, "html", "text/html")
    if fmt is Format.CSV:
        return _text(name, spreadsheets.scores_csv(report), "csv", "text/csv")
    xlsx = spreadsheets.workbook(report, answers or [])
    return Output(f"{name}.xlsx", xlsx, spreadsheets.XLSX_MIME)


def province_output(report: ProvinceReport, fmt: Format) -> Output:
    from openpyxl import Workbook

    from handlers import charts, spreadsheets

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
        return _text(
            name, render("report_province.html", report=report, chart=chart), "html", "text/html"
        )
    rows = spreadsheets.province_rows(report)
    if fmt is Format.CSV:
        return _text(
            name, spreadsheets.rows_csv(spreadsheets.PROVINCE_HEADERS, rows), "csv", "text/csv"
        )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(spreadsheets.PROVINCE_HEADERS))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return Output(f"{name}.xlsx", out.getvalue(), spreadsheets.XLSX_MIME)


def national_text(rows: list[NationalRow], k: int, fmt: Format) -> str:
    if fmt is Format.JSON:
        return json.dumps(national_to_dict(rows), ensure_ascii=False, indent=2)
    return render("cli_national.txt", rows=rows, k=k)
