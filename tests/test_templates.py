"""Every template compiles, every name the code asks for exists, and none is left unused."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.views.texts import ENV, pct, render, vn_datetime
from surveys.answering import AnswerOutcome
from surveys.residents import SearchOutcome

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "handlers" / "views" / "templates"
LITERAL = re.compile(r"""["']([a-z_]+\.(?:html|txt))["']""")


def _referenced() -> set[str]:
    names = set()
    for package in ("bot", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            names.update(LITERAL.findall(path.read_text(encoding="utf-8")))
    # Names the handlers build from enum values.
    names.update(
        f"resident_search_{o.value}.html"
        for o in SearchOutcome
        if o not in (SearchOutcome.FOUND, SearchOutcome.NOT_SEARCHING)
    )
    names.update(
        f"alert_{o.value}.html"
        for o in (AnswerOutcome.STORED, AnswerOutcome.CHANGED, AnswerOutcome.UNCHANGED)
    )
    return names


def test_every_template_compiles() -> None:
    for name in ENV.list_templates():
        ENV.get_template(name)


def test_referenced_templates_exist_and_none_is_dead() -> None:
    every = {p.name for p in TEMPLATES.iterdir()}
    files = {name for name in every if not name.startswith("_")}  # partials are imported
    referenced = _referenced()
    assert referenced - every == set()
    assert files - referenced == set()


def test_alerts_fit_telegram_popup_limit() -> None:
    """answerCallbackQuery shows at most 200 characters."""
    for name in ENV.list_templates():
        if name.startswith("alert_"):
            text = render(name, label="5 · Rất hài lòng", result=None)
            assert len(text) <= 200, name


def test_filters() -> None:
    from datetime import UTC, datetime

    assert pct(0.9123) == "91,2%"
    assert pct(None) == "—"
    assert vn_datetime(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)) == "19:00 23/11/2026"
