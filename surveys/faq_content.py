"""FAQ content files: categories.toml and content/<category>.toml, read and validated whole.

A file is accepted only if every entry in it is valid; the first problem is reported with the
file, the entry id, the field and the reason, so the caller stores nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

CATEGORY_ID = re.compile(r"^[a-z0-9-]{1,20}$")
ENTRY_ID = re.compile(r"^[a-z0-9-]{3,40}$")
MIN_QUESTIONS = 3
MAX_QUESTION = 300
MAX_ANSWER = 900
MAX_SOURCE = 300
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_FIELDS = {"id", "category", "questions", "answer", "source", "reviewed"}


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    order: int


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    questions: tuple[str, ...]
    answer: str
    source: str
    reviewed: date


class FaqFileError(Exception):
    """A content file that cannot be used: where (file, entry, field) and why."""

    def __init__(self, file: str, reason: str, entry: str = "", field: str = "") -> None:
        super().__init__(f"{file}: {entry or '-'}.{field or '-'}: {reason}")
        self.file = file
        self.entry = entry
        self.field = field
        self.reason = reason


def package_dir() -> Path:
    """The FAQ shipped with ykien (surveys/faq/)."""
    return Path(str(resources.files("surveys") / "faq"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FaqFileError(path.name, f"unreadable: {exc.__class__.__name__}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FaqFileError(path.name, f"not TOML: {exc}") from exc


def load_categories(path: Path) -> list[Category]:
    data = _read_toml(path)
    items = data.get("category")
    if not isinstance(items, list) or not items:
        raise FaqFileError(path.name, "no [[category]] tables")
    found: dict[str, Category] = {}
    for item in items:
        cid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(cid, str) or not CATEGORY_ID.match(cid):
            raise FaqFileError(path.name, "must match [a-z0-9-]{1,20}", str(cid), "id")
        if cid in found:
            raise FaqFileError(path.name, "duplicate category id", cid, "id")
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            raise FaqFileError(path.name, "must be a non-empty string", cid, "title")
        order = item.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            raise FaqFileError(path.name, "must be an integer", cid, "order")
        found[cid] = Category(cid, title.strip(), order)
    return sorted(found.values(), key=lambda c: (c.order, c.id))


def parse_entry(
    item: object, file: str, categories: set[str], *, min_questions: int = MIN_QUESTIONS
) -> Entry:
    """One [[entry]] table, checked field by field."""
    if not isinstance(item, dict):
        raise FaqFileError(file, "must be a table", "", "entry")
    eid = item.get("id")
    if not isinstance(eid, str) or not ENTRY_ID.match(eid):
        raise FaqFileError(file, "must match [a-z0-9-]{3,40}", str(eid)[:40], "id")
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise FaqFileError(file, f"unknown field {unknown[0]!r}", eid, unknown[0])
    category = item.get("category")
    if category not in categories:
        raise FaqFileError(file, f"unknown category {category!r}", eid, "category")
    questions = item.get("questions")
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise FaqFileError(file, "must be a list of strings", eid, "questions")
    cleaned = tuple(dict.fromkeys(" ".join(q.split()) for q in questions if q.strip()))
    if len(cleaned) < min_questions:
        raise FaqFileError(
            file, f"needs at least {min_questions} different phrasings", eid, "questions"
        )
    if any(len(q) > MAX_QUESTION for q in cleaned):
        raise FaqFileError(file, f"a phrasing is over {MAX_QUESTION} characters", eid, "questions")
    answer = item.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise FaqFileError(file, "must be a non-empty string", eid, "answer")
    answer = answer.strip()
    if len(answer) > MAX_ANSWER:
        raise FaqFileError(file, f"{len(answer)} characters, at most {MAX_ANSWER}", eid, "answer")
    if _HTML_TAG.search(answer):
        raise FaqFileError(file, "plain text only, no HTML tags", eid, "answer")
    source = item.get("source", "")
    if not isinstance(source, str) or len(source) > MAX_SOURCE:
        raise FaqFileError(file, f"must be a string of at most {MAX_SOURCE}", eid, "source")
    reviewed = item.get("reviewed")
    if not isinstance(reviewed, date) or hasattr(reviewed, "hour"):
        raise FaqFileError(file, "must be a TOML date like 2026-11-01", eid, "reviewed")
    return Entry(eid, category, cleaned, answer, source.strip(), reviewed)


def load_entries(path: Path, categories: set[str], seen: set[str] | None = None) -> list[Entry]:
    """Every [[entry]] of one file; ids must be unique here and against `seen`."""
    data = _read_toml(path)
    extra = sorted(set(data) - {"entry"})
    if extra:
        raise FaqFileError(path.name, f"unexpected top-level key {extra[0]!r}", "", extra[0])
    items = data.get("entry")
    if not isinstance(items, list) or not items:
        raise FaqFileError(path.name, "no [[entry]] tables")
    taken = set(seen or ())
    entries = []
    for item in items:
        entry = parse_entry(item, path.name, categories)
        if entry.id in taken:
            raise FaqFileError(path.name, "duplicate entry id", entry.id, "id")
        taken.add(entry.id)
        entries.append(entry)
    return entries


def load_dir(root: Path) -> tuple[list[Category], list[Entry]]:
    """categories.toml and every content/*.toml under root (missing content: no entries)."""
    categories = load_categories(root / "categories.toml")
    ids = {c.id for c in categories}
    entries: list[Entry] = []
    content = root / "content"
    for path in sorted(content.glob("*.toml")) if content.is_dir() else []:
        entries.extend(load_entries(path, ids, {e.id for e in entries}))
    return categories, entries


def entry_to_toml(entry: Entry) -> str:
    """One [[entry]] table as TOML (the export format, read back by load_entries)."""
    lines = [
        "[[entry]]",
        f"id = {_toml_str(entry.id)}",
        f"category = {_toml_str(entry.category)}",
        "questions = [",
        *(f"  {_toml_str(q)}," for q in entry.questions),
        "]",
        f"answer = {_toml_str(entry.answer)}",
    ]
    if entry.source:
        lines.append(f"source = {_toml_str(entry.source)}")
    lines.append(f"reviewed = {entry.reviewed.isoformat()}")
    return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    """A TOML basic string; JSON escapes are valid TOML escapes for these characters."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\t", "\\t").replace("\r", "\\r")
    return f'"{escaped}"'
