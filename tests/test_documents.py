"""The files an officer files or prints, opened as they will be: the HTML report printed to PDF by
Chromium, the workbooks by openpyxl, the CSV as bytes, the poster and the household sheet.

YKIEN_WRITE_DOCS=1 also writes docs/report.png and docs/report.pdf (the README's picture) from
the report this test prints; without it the tree is left untouched.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import unicodedata
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from handlers.views import labels
from handlers.views.reports import Format, commune_output, province_output
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock
from tests.report_support import chromium, households_answer, print_pdf, screenshot
from tests.summary_support import answer, open_round

ROOT = Path(__file__).resolve().parents[1]
WRITE_DOCS = os.environ.get("YKIEN_WRITE_DOCS") == "1"
BROWSER = chromium()
# As for the browser tests: skipped without chromium on a developer's machine, failed in CI.
needs_chromium = pytest.mark.skipif(
    BROWSER is None and os.environ.get("CI") != "true",
    reason="no chromium (Debian: apt-get install chromium; CI installs it)",
)
HOSTILE = ("=1+2", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")')


def _flat(text: str) -> str:
    """PDF text without spacing, NFC: glyph runs of one word may come out apart."""
    return "".join(unicodedata.normalize("NFC", text).split())


def _pdf_pages(pdf: Path) -> list[tuple[tuple[float, float], list[str]]]:
    from pypdf import PdfReader

    out = []
    for page in PdfReader(pdf).pages:
        lines = [unicodedata.normalize("NFC", x).strip() for x in page.extract_text().splitlines()]
        out.append(
            ((float(page.mediabox.width), float(page.mediabox.height)), [x for x in lines if x])
        )
    return out


async def _report_files(services: Services, clock: FakeClock, tmp: Path, homes: int) -> Path:
    await households_answer(services, clock, homes=homes)
    clock.advance(days=2)  # the round is still open: the figures are taken mid-round
    report = await services.summaries.commune(COMMUNE)
    homes_by_village = await services.households.issued_by_village(COMMUNE)
    out = commune_output(
        report,
        Format.HTML,
        tz=services.settings.timezone,
        now=clock.now,
        village_households=homes_by_village,
    )
    html = tmp / out.filename
    html.write_bytes(out.content)
    return html


async def test_the_text_summary_groups_identical_comments_too(services, clock, tmp_path) -> None:
    await households_answer(services, clock, homes=40)
    report = await services.summaries.commune(COMMUNE)
    tz = services.settings.timezone
    text = commune_output(report, Format.TEXT, tz=tz, now=clock.now).content.decode()
    listed = [line for line in text.splitlines() if line.startswith("  – ")]
    assert listed and len(listed) == len(set(listed))  # each comment once
    assert re.search(r"  – Cần thêm đèn đường ở ngõ xóm \(\d+\)", text)


@needs_chromium
async def test_report_prints_as_an_a4_document_per_decree_30(services, clock, tmp_path) -> None:
    assert BROWSER is not None
    html = await _report_files(services, clock, tmp_path, homes=40 if WRITE_DOCS else 12)
    source = html.read_text(encoding="utf-8")
    assert "display: table-header-group" in source and "break-after: avoid" in source
    assert "size: A4" in source and '"Times New Roman"' in source
    pdf = tmp_path / "report.pdf"
    print_pdf(BROWSER, html, pdf, tmp_path / "profile")
    pages = _pdf_pages(pdf)
    assert len(pages) >= 2
    for (width, height), _ in pages:
        assert abs(width - 595.3) < 1.5 and abs(height - 841.9) < 1.5  # A4 portrait, in points
    first = _flat("\n".join(pages[0][1]))
    for part in (
        "ỦYBANMTTQVIỆTNAM",
        "XÃTÂNUYÊN",
        "Số:…………/BC-MTTQ",
        "CỘNGHÒAXÃHỘICHỦNGHĨAVIỆTNAM",
        "Độclập-Tựdo-Hạnhphúc",
        "TânUyên,ngày25tháng11năm2026",  # 10:00 on 25/11 in Hà Nội
        "BÁOCÁO",
        "KẾTQUẢTHAMKHẢO",
        "CăncứQuyếtđịnhsố51/2025/QĐ-TTg",
        "đangmở,dựkiếnđóng10:0030/11/2026",
        "Sốliệulấylúc10:0025/11/2026",
        "Sốhộtrongxãđãđượcphátmãhộ(phiếuphátra):",
    ):
        assert part in first, part
    everything = _flat("\n".join(line for _, lines in pages for line in lines))
    for part in (
        "Ngưỡngápdụng:tỷlệhàilòngchungtừ90%",
        "Kếtluận:",
        "Hạtầngkinhtế–xãhội",  # 51/2025 names
        "Thủylợivàphòng,chốngthiêntai",  # 318/2022 names
        "Toànxã",
        "Sốhộđãphátmã",
        "Nơinhận:",
        "NGƯỜITỔNGHỢP",
        "(Ký,ghirõhọtên)",
    ):
        assert part in everything, part
    assert "đóngdấu" not in everything  # a reference result never asks for the seal
    assert re.search(r"Cầnthêmđènđườngởngõxóm\(\d+\)", everything)  # identical ones grouped
    assert re.search(r"vì(tỷlệ|mới|chỉ|dưới|câu|\d)", everything)  # the verdict's reason
    footer = "Kết quả tham khảo — không thay thế kết quả lấy ý kiến chính thức"
    for number, (_, lines) in enumerate(pages, start=1):
        assert footer in lines  # on every page
        assert (str(number) in lines) == (number > 1)  # page numbers, not on the first page
        body = [x for x in lines if x != footer and x != str(number)]
        assert not re.match(r"^[IVX]+\. [A-ZĐÂÊÔƠƯ]", body[-1]), body[-1]  # no heading left alone
    row = re.compile(r"^(51/2025: \d|chung \d)")  # a criteria cell: only question rows have one
    with_rows = [lines for _, lines in pages if any(row.match(x) for x in lines)]
    assert len(with_rows) >= 2  # the question table runs over a page break...
    assert all(
        any("Nội dung lấy ý kiến" in x for x in lines) for lines in with_rows
    )  # ...its header too
    if WRITE_DOCS:
        screenshot(BROWSER, html, ROOT / "docs" / "report.png", tmp_path / "profile")
        shutil.copyfile(pdf, ROOT / "docs" / "report.pdf")


async def test_official_round_says_so_and_a_closed_one_says_closed(services, clock) -> None:
    launched = await services.broadcasts.open_round(
        COMMUNE, "ntm-2026", closes_at=clock.now + timedelta(days=7), official=True
    )
    assert launched.round.official
    for uid in range(1, 7):
        await answer(services, uid)
    tz = services.settings.timezone
    report = await services.summaries.commune(COMMUNE)
    html = commune_output(report, Format.HTML, tz=tz, now=clock.now).content.decode()
    assert "ĐỢT LẤY Ý KIẾN CHÍNH THỨC CỦA XÃ" in html and "đóng dấu" in html
    assert "KẾT QUẢ THAM KHẢO" not in html and "không thay thế" not in html
    assert "<b>đang mở</b>" in html
    clock.advance(days=1)
    await services.rounds.close(launched.round.id)
    clock.advance(hours=3)
    closed = await services.summaries.commune(COMMUNE)
    html = commune_output(closed, Format.HTML, tz=tz, now=clock.now).content.decode()
    assert "đang mở" not in html and "đã đóng 10:00 24/11/2026" in html
    assert "Số liệu lấy lúc 13:00 24/11/2026" in html


async def _hostile_report(services: Services, clock: FakeClock):
    """Villages and comments typed by people, each starting like a formula."""
    names = list(HOSTILE)
    await services.residents.add_villages(COMMUNE, names)
    stored = {v.name for v in await services.residents.villages(COMMUNE)}
    await open_round(services, clock)
    uid = 0
    for name in sorted(stored):
        for _ in range(5):
            uid += 1
            await answer(services, uid, village=name, comment=HOSTILE[uid % len(HOSTILE)])
    return await services.summaries.commune(COMMUNE), stored


async def test_workbooks_hold_text_never_formulas_and_print_on_a4(services, clock) -> None:
    report, stored = await _hostile_report(services, clock)
    assert stored & set(HOSTILE)  # the names were kept as typed: the workbook must cope
    tz, now = services.settings.timezone, clock.now
    answers = await services.summaries.export_answers(report)
    xlsx = commune_output(report, Format.XLSX, tz=tz, now=now, answers=answers).content
    province = province_output(await services.summaries.province(12), Format.XLSX, tz=tz, now=now)
    for content in (xlsx, province.content):
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
            assert sheets and not [n for n in sheets if b"<f>" in z.read(n) or b"<f " in z.read(n)]
        book = load_workbook(io.BytesIO(content))
        for ws in book.worksheets:
            assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == [
        labels.SHEET_VERDICT,
        labels.SHEET_SCORES,
        *labels.SHEET_CRITERIA.values(),
        labels.SHEET_VILLAGES,
        labels.SHEET_ANSWERS,
    ]
    villages = book[labels.SHEET_VILLAGES]
    shown = {c.value for c in villages["A"][1:]}
    assert stored <= shown  # "=1+2" is the village's name, kept as text
    for cell in villages["A"][1:]:
        assert cell.data_type == "s"
        assert cell.quotePrefix == str(cell.value).startswith(("=", "+", "-", "@"))
    share = villages["D2"].value  # a number shown as a percent, not the text "100%"
    assert villages["D2"].number_format == "0.0%" and isinstance(share, int | float) and share <= 1
    assert villages.freeze_panes == "A2" and villages.auto_filter.ref == f"A1:F{villages.max_row}"
    assert villages.print_title_rows == "$1:$1"
    scores = book[labels.SHEET_SCORES]
    assert scores["F2"].number_format == "0.0%" and scores.column_dimensions["B"].width >= 40
    for ws in book.worksheets[:-1]:
        setup = ws.page_setup
        assert setup.paperSize == 9 and setup.fitToWidth == 1  # 9: A4 in SpreadsheetML
        assert setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    verdict = book[labels.SHEET_VERDICT]
    assert "Xã Tân Uyên" in verdict["A1"].value and labels.KIND_NAMES[False] in verdict["A1"].value
    items = {row[0].value: row[1] for row in verdict.iter_rows(min_row=4)}
    assert items["Tỷ lệ hài lòng chung"].number_format == "0.0%"
    assert items["Loại kết quả"].value == "Kết quả tham khảo"
    assert items["Tình trạng đợt"].value == "đang mở" and items["Lý do"].value
    answers_sheet = book[labels.SHEET_ANSWERS]
    assert {c.value for c in answers_sheet["B"][1:]} <= shown | {None}
    sheet = load_workbook(io.BytesIO(province.content))[labels.SHEET_PROVINCE]
    assert (
        "Lai Châu" in sheet["A1"].value
        and "Lai Châu" in load_workbook(io.BytesIO(province.content)).properties.title
    )
    assert sheet["A4"].value == "Hạng" and sheet.freeze_panes == "A5"
    assert sheet.print_title_rows == "$4:$4" and sheet["G5"].number_format == "0.0%"


async def test_csv_has_a_bom_the_commune_and_round_on_every_row_and_no_formula(
    services, clock, tmp_path
) -> None:
    survey = (ROOT / "surveys" / "catalog" / "ntm-2026.toml").read_text(encoding="utf-8")
    survey = survey.replace('id = "ntm-2026"', 'id = "ntm-thu"', 1).replace(
        'text = "Ông/bà có hài lòng với đường thôn', 'text = "=Ông/bà có hài lòng với đường thôn', 1
    )
    path = tmp_path / "thu.toml"
    path.write_text(survey, encoding="utf-8")
    await services.rounds.add_survey(path)
    await services.rounds.open(COMMUNE, "ntm-thu", closes_at=clock.now + timedelta(days=7))
    for uid in range(1, 7):
        await answer(services, uid)
    report = await services.summaries.commune(COMMUNE)
    out = commune_output(report, Format.CSV, tz=services.settings.timezone, now=clock.now)
    assert out.content.startswith(b"\xef\xbb\xbf") and out.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(out.content.decode("utf-8-sig"))))
    lead = ["3598", "Xã Tân Uyên", "Lai Châu", "Đợt 1 năm 2026", "1", "Kết quả tham khảo"]
    assert rows[0][: len(labels.CSV_COMMUNE_COLUMNS)] == list(labels.CSV_COMMUNE_COLUMNS)
    assert len(rows) == 13 and all(row[:6] == lead for row in rows[1:])
    assert rows[1][len(lead) + 2] == "'=Ông/bà có hài lòng với đường thôn, ngõ xóm và đường về " \
        "trung tâm xã (đi lại thuận tiện, an toàn) không?"  # fmt: skip
    for row in rows[1:]:
        assert not [v for v in row if v[:1] in ("=", "+", "-", "@", "\t", "\r")]


def _cli_round(db_path: Path, capsys, *extra: str) -> str:
    from bot.cli import main

    argv = ["round", "open", "--commune", str(COMMUNE), "--survey", "ntm-2026", *extra]
    assert main([*argv, "--closes", "2099-12-31 21:00"]) == 0
    return capsys.readouterr().out


def test_round_open_official_is_stored_and_listed(db_path, capsys) -> None:
    from bot.cli import main
    from tests.conftest import read_file_db

    assert ", đợt chính thức của xã:" in _cli_round(db_path, capsys, "--official")
    assert main(["round", "list"]) == 0
    assert "\tchính thức\t" in capsys.readouterr().out

    async def flags(db) -> list[tuple]:
        return [tuple(r) for r in await db.conn.execute_fetchall("SELECT id, official FROM rounds")]

    assert read_file_db(db_path, flags) == [(1, 1)]
    assert main(["round", "open", "--commune", str(COMMUNE), "--survey", "ntm-2026",
                 "--official", "--closes", "mai"]) == 2  # fmt: skip
    assert "không đúng dạng" in capsys.readouterr().err
    assert read_file_db(db_path, flags) == [(1, 1)]


def test_summary_output_takes_its_format_from_the_extension(db_path, tmp_path, capsys) -> None:
    from bot.cli import main
    from tests.conftest import read_file_db, snapshot

    _cli_round(db_path, capsys)
    assert main(["summary", "--commune", str(COMMUNE), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "chưa có câu trả lời" in capsys.readouterr().err  # no answers yet: refused, no file
    assert not (tmp_path / "x.xlsx").exists()
    before = read_file_db(db_path, snapshot)
    for name, message in (
        ("x.docx", 'không biết định dạng của tệp "'),
        ("x", "đặt đuôi .txt, .json, .html, .xlsx, .csv hoặc .png"),
    ):
        assert main(["summary", "--commune", str(COMMUNE), "-o", str(tmp_path / name)]) == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / name).exists()
    argv = ["summary", "--commune", str(COMMUNE), "--format", "csv", "-o", str(tmp_path / "y.xlsx")]
    assert main(argv) == 2
    assert "có đuôi .xlsx nhưng --format là csv" in capsys.readouterr().err
    assert main(["summary", "-o", str(tmp_path / "n.png")]) == 2
    assert "bảng toàn quốc có dạng text, json, csv hoặc xlsx" in capsys.readouterr().err
    assert read_file_db(db_path, snapshot) == before and not list(tmp_path.glob("[xyn].*"))


def test_national_and_extension_formats(tmp_path, monkeypatch, capsys) -> None:
    """With answers: -o FILE.xlsx writes a workbook, -o FILE.csv a CSV, nationally too."""
    import asyncio
    from datetime import UTC, datetime

    from bot.cli import main

    path = tmp_path / "ykien.db"
    monkeypatch.setenv("YKIEN_DB", str(path))

    async def fill() -> None:
        clock = FakeClock(datetime.now(UTC))
        services = await Services.open(str(path), clock=clock)
        try:
            await open_round(services, clock)
            for uid in range(1, 7):
                await answer(services, uid)
        finally:
            await services.close()

    asyncio.run(fill())
    for name, magic in (("c.xlsx", b"PK"), ("c.csv", b"\xef\xbb\xbf"), ("c.html", b"<!DOCTYPE")):
        assert main(["summary", "--commune", str(COMMUNE), "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).read_bytes().startswith(magic), name
    for name, magic in (("n.xlsx", b"PK"), ("n.csv", b"\xef\xbb\xbf"), ("n.json", b"{")):
        assert main(["summary", "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).read_bytes().startswith(magic), name
    book = load_workbook(tmp_path / "n.xlsx")[labels.SHEET_NATIONAL]
    assert book["A4"].value == "Hạng" and book["C5"].value == "Lai Châu"
    assert book["F5"].number_format == "0.0%"
    capsys.readouterr()


def test_poster_is_an_a4_page_with_name_action_code_and_link(db_path, tmp_path, capsys) -> None:
    from pypdf import PdfReader

    from bot.cli import main

    for name in ("poster.html", "poster.png"):
        assert main(["link", "--commune", str(COMMUNE), "--qr", str(tmp_path / name)]) == 0
    out = capsys.readouterr().out
    url = next(x for x in out.splitlines() if x.startswith("https://t.me/"))
    html = (tmp_path / "poster.html").read_text(encoding="utf-8")
    assert "size: A4" in html and "Xã Tân Uyên" in html and url in html
    assert labels.POSTER_ACTION in html and html.count("<svg") == 1
    from matplotlib import image as mpimg

    pixels = mpimg.imread(tmp_path / "poster.png")
    height, width = pixels.shape[:2]
    assert abs(height / width - 297 / 210) < 0.01 and width >= 1200  # A4 at 150 dpi or more
    assert main(["link", "--commune", str(COMMUNE), "--qr", str(tmp_path / "poster.pdf")]) == 2
    assert "tệp này chỉ lưu được dạng .html hoặc .png" in capsys.readouterr().err
    assert not (tmp_path / "poster.pdf").exists()
    if BROWSER is not None:
        pdf = tmp_path / "poster-print.pdf"
        print_pdf(BROWSER, tmp_path / "poster.html", pdf, tmp_path / "profile")
        reader = PdfReader(pdf)
        assert len(reader.pages) == 1  # one A4 sheet to pin on the board
        text = _flat(reader.pages[0].extract_text())
        assert "XãTânUyên" in text and _flat(url) in text


@needs_chromium
def test_household_sheet_prints_ten_cards_an_a4_page_each_naming_its_village(
    db_path, tmp_path, capsys
) -> None:
    from bot.cli import main

    assert BROWSER is not None
    assert main(["village", "add", "--commune", str(COMMUNE), "Thôn Nà Pa"]) == 0
    sheet = tmp_path / "sheet.html"
    argv = ["households", "issue", "--commune", str(COMMUNE), "--village", "Thôn Nà Pa"]
    assert main([*argv, "--count", "20", "-o", str(sheet)]) == 0
    capsys.readouterr()
    pdf = tmp_path / "sheet.pdf"
    print_pdf(BROWSER, sheet, pdf, tmp_path / "profile")
    counts = [
        (_flat("\n".join(lines)).count("Mãhộgiađình"), _flat("\n".join(lines)).count("ThônNàPa·"))
        for _, lines in _pdf_pages(pdf)
    ]
    assert counts == [(8, 8), (10, 10), (2, 2)]  # 8 under the heading, then 10 a page
