"""The operator's commands and the officer's files name a round by its commune's number
("Đợt 1 năm 2099"), the id beside it where a command takes it (`ykien round close 2`)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from bot.cli import main
from handlers.views import charts
from handlers.views.reports import Format, Paper, commune_output
from tests.conftest import COMMUNE, OTHER_COMMUNE, SURVEY
from tests.summary_support import answer, open_round


def _open(capsys, commune: int, at: str, closes: str) -> str:
    argv = ["round", "open", "--commune", str(commune), "--survey", SURVEY]
    assert main([*argv, "--at", at, "--closes", closes]) == 0
    return capsys.readouterr().out


def test_round_open_close_list_and_broadcasts_print_the_label(db_path, capsys) -> None:
    # Dates far ahead, so the year in the label does not depend on today's date.
    _open(capsys, OTHER_COMMUNE, "2099-03-01 08:00", "2099-03-20 21:00")
    opened = _open(capsys, COMMUNE, "2099-02-01 08:00", "2099-02-20 21:00")
    assert opened.startswith("Đã tạo đợt 1 năm 2099 (mã đợt 2): xã ")
    assert main(["round", "close", "2"]) == 0
    closed = capsys.readouterr().out
    assert closed.startswith(f"Đã đóng đợt 1 năm 2099 (mã đợt 2) của xã {COMMUNE} lúc ")
    later = _open(capsys, COMMUNE, "2099-04-01 08:00", "2099-04-20 21:00")
    assert later.startswith("Đã tạo đợt 2 năm 2099 (mã đợt 3): xã ")

    assert main(["round", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    firsts = sorted(tuple(line.split("\t")[:2]) for line in lines)
    assert firsts == [("1", "Đợt 1 năm 2099"), ("2", "Đợt 1 năm 2099"), ("3", "Đợt 2 năm 2099")]

    assert main(["broadcast", "list", "--commune", str(COMMUNE)]) == 0
    listed = capsys.readouterr().out
    assert "\tđợt 1 năm 2099 (mã đợt 2)\t" in listed and "\tđợt 2 năm 2099 (mã đợt 3)\t" in listed


async def test_file_names_chart_title_and_csv_name_the_round(services, clock) -> None:
    await services.rounds.open(OTHER_COMMUNE, SURVEY)  # takes id 1
    round_id = await open_round(services, clock)
    assert round_id == 2
    for uid in range(1, 6):
        await answer(services, uid)
    report = await services.summaries.commune(COMMUNE)
    tz, now = services.settings.timezone, clock.now
    for fmt, ext in ((Format.TEXT, "txt"), (Format.JSON, "json"), (Format.CSV, "csv")):
        out = commune_output(report, fmt, tz=tz, now=now)
        assert out.filename == f"ykien-{COMMUNE}-dot-1-nam-2026.{ext}"
    xlsx = commune_output(report, Format.XLSX, tz=tz, now=now, answers=[])
    assert xlsx.filename == f"ykien-{COMMUNE}-dot-1-nam-2026.xlsx"
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert "Đợt 1 năm 2026" in [c.value for row in sheet.iter_rows() for c in row]

    figure = charts.commune_figure(report, Paper.of(report, now))
    title = figure.axes[0].get_title()
    assert "Đợt 1 năm 2026" in title and "2" not in title.replace("2026", "")

    text = commune_output(report, Format.CSV, tz=tz, now=now).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {(r["Đợt"], r["Mã đợt"]) for r in rows} == {("Đợt 1 năm 2026", "2")}
