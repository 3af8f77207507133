"""Untrusted callback data and /start payloads are parsed whole (issue 17): `$` also matches
before a trailing newline, so `a:1:2:5\\n` passed a `re.match(r"^...$")` check."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.telegram import conflicts, faq_keyboards, keyboards, sheet_entry
from surveys.households import parse_household_payload
from surveys.invitations import parse_invite_payload
from surveys.residents import parse_join_payload
from tests.conftest import COMMUNE, SURVEY, snapshot, tg_person

ROOT = Path(__file__).resolve().parents[2]

VALID = [
    (keyboards.parse, "a:1:2:5"),
    (keyboards.parse, "p:12"),
    (keyboards.parse, "go"),
    (faq_keyboards.parse, "f:b"),
    (faq_keyboards.parse, "q:a:7"),
    (sheet_entry.parse, "k:ok:0123abcd"),
    (conflicts.parse, "x:p:3:ABCDEFGHJK"),
    (parse_household_payload, "hABCDEFGHJK"),
    (parse_join_payload, "jABCDEFGH"),
    (parse_invite_payload, "i" + "A" * 22),
]


@pytest.mark.parametrize(("parse", "data"), VALID)
@pytest.mark.parametrize("tail", ["\n", "\r\n", " ", "\n\n"])
def test_a_trailing_newline_is_refused(parse, data, tail) -> None:
    assert parse(data) is not None
    assert parse(data + tail) is None


def test_no_pattern_is_matched_by_prefix_in_handlers_and_surveys() -> None:
    """Every compiled pattern constant is applied with fullmatch (or search, sub), never match."""
    offenders = []
    for package in ("handlers", "surveys"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "match"
                    and (
                        (isinstance(node.func.value, ast.Name) and node.func.value.id == "re")
                        or (
                            isinstance(node.func.value, ast.Name)
                            and node.func.value.id.lstrip("_").isupper()
                        )
                        or (
                            isinstance(node.func.value, ast.Name)
                            and node.func.value.id == "pattern"
                        )
                    )
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


async def test_a_forged_answer_with_a_newline_changes_nothing(harness, clock) -> None:
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    await harness.services.residents.join(await tg_person(harness.services, 5), "Lan", COMMUNE)
    lan = harness.user(5)
    await harness.send(lan, "/survey")
    data = next(d for row in lan.last.buttons for _, d in row if d.startswith("a:"))
    before = await snapshot(harness.services.db)
    popup = await harness.press_raw(lan, data + "\n")
    assert popup == "Nút bấm này không hợp lệ hoặc đã cũ. Gõ /survey để tiếp tục."
    assert await snapshot(harness.services.db) == before
    await harness.press_raw(lan, data)  # the real one is stored
    assert await snapshot(harness.services.db) != before
