"""Every template compiles, every name the code asks for exists, and none is left unused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from handlers.views.texts import ENV, _compiled, pct, render, vn_datetime
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


def test_render_is_jinja_render_without_its_per_message_lookups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """render() skips get_template's stat() and the globals copy, not what Jinja does: the
    same text, the environment's globals, escaping, a missing variable still an error; and
    a template rendered once is not read from its file again."""
    label = "<b>4</b> · Hài lòng & rất dài " * 10
    assert render("alert_stored.html", label=label) == (
        ENV.get_template("alert_stored.html").render(label=label).strip()
    )
    assert "&lt;b&gt;" in render("alert_stored.html", label=label)
    with pytest.raises(UndefinedError):
        render("alert_stored.html")
    assert _compiled("alert_stored.html")[1]["channel_names"] is ENV.globals["channel_names"]

    def unreadable(*args: object) -> None:
        raise AssertionError("the template file was read again")

    assert ENV.loader is not None
    monkeypatch.setattr(ENV.loader, "get_source", unreadable)
    monkeypatch.setattr("os.stat", unreadable)
    assert render("alert_stored.html", label="Có") == "Đã lưu: Có"
