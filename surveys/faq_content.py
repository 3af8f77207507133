"""FAQ content files: categories.toml and content/<category>.toml, read and validated whole.

A file is accepted only if every entry in it is valid; the first problem is reported with the
file, the entry id, the field and the reason, so the caller stores nothing.
"""

from __future__ import annotations

import functools
import re
import tomllib
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from storage.faq import FaqCategoryRow, FaqEntryRow

CATEGORY_ID = re.compile(r"^[a-z0-9-]{1,20}$")
ENTRY_ID = re.compile(r"^[a-z0-9-]{3,40}$")
MIN_QUESTIONS = 3
MAX_QUESTION = 300
MAX_ANSWER = 900
MAX_SOURCE = 300
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_FIELDS = {"id", "category", "questions", "answer", "source", "reviewed"}


class Problem(StrEnum):
    """Why a content file was refused; the operator reads it in Vietnamese from the template
    cli_faq_error.txt (surveys holds no user-facing text)."""

    NO_FILE = "no_file"
    UNREADABLE = "unreadable"
    BAD_TOML = "bad_toml"
    NO_CATEGORIES = "no_categories"
    BAD_CATEGORY_ID = "bad_category_id"
    DUPLICATE_CATEGORY = "duplicate_category"
    EMPTY_TEXT = "empty_text"
    NOT_INTEGER = "not_integer"
    NOT_A_TABLE = "not_a_table"
    BAD_ENTRY_ID = "bad_entry_id"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_CATEGORY = "unknown_category"
    NOT_STRING_LIST = "not_string_list"
    TOO_FEW_QUESTIONS = "too_few_questions"
    QUESTION_TOO_LONG = "question_too_long"
    ANSWER_TOO_LONG = "answer_too_long"
    HTML_IN_ANSWER = "html_in_answer"
    BAD_SOURCE = "bad_source"
    BAD_DATE = "bad_date"
    UNKNOWN_KEY = "unknown_key"
    NO_ENTRIES = "no_entries"
    DUPLICATE_ENTRY = "duplicate_entry"


class FaqFileError(Exception):
    """A content file that cannot be used: where (file, entry, field), why (a Problem) and the
    values the explanation needs (details)."""

    def __init__(
        self, file: str, problem: Problem, entry: str = "", field: str = "", **details: object
    ) -> None:
        super().__init__(f"{file}: {entry or '-'}.{field or '-'}: {problem.value} {details}")
        self.file = file
        self.entry = entry
        self.field = field
        self.problem = problem
        self.details = details


def package_dir() -> Path:
    """The FAQ shipped with ykien (surveys/faq/)."""
    return Path(str(resources.files("surveys") / "faq"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FaqFileError(path.name, Problem.NO_FILE) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise FaqFileError(path.name, Problem.UNREADABLE, error=exc.__class__.__name__) from exc
    except tomllib.TOMLDecodeError as exc:
        raise FaqFileError(path.name, Problem.BAD_TOML, error=str(exc)) from exc


def load_categories(path: Path) -> list[FaqCategoryRow]:
    data = _read_toml(path)
    items = data.get("category")
    if not isinstance(items, list) or not items:
        raise FaqFileError(path.name, Problem.NO_CATEGORIES)
    found: dict[str, FaqCategoryRow] = {}
    for item in items:
        cid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(cid, str) or not CATEGORY_ID.fullmatch(cid):
            raise FaqFileError(path.name, Problem.BAD_CATEGORY_ID, str(cid), "id")
        if cid in found:
            raise FaqFileError(path.name, Problem.DUPLICATE_CATEGORY, cid, "id")
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            raise FaqFileError(path.name, Problem.EMPTY_TEXT, cid, "title")
        order = item.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            raise FaqFileError(path.name, Problem.NOT_INTEGER, cid, "order")
        found[cid] = FaqCategoryRow(cid, title.strip(), order)
    return sorted(found.values(), key=lambda c: (c.order, c.id))


def parse_entry(
    item: object,
    file: str,
    categories: set[str],
    *,
    origin: str,
    min_questions: int = MIN_QUESTIONS,
) -> FaqEntryRow:
    """One [[entry]] table, checked field by field; origin says where it came from."""
    if not isinstance(item, dict):
        raise FaqFileError(file, Problem.NOT_A_TABLE, "", "entry")
    eid = item.get("id")
    if not isinstance(eid, str) or not ENTRY_ID.fullmatch(eid):
        raise FaqFileError(file, Problem.BAD_ENTRY_ID, str(eid)[:40], "id")
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise FaqFileError(file, Problem.UNKNOWN_FIELD, eid, unknown[0])
    category = item.get("category")
    if category not in categories:
        raise FaqFileError(file, Problem.UNKNOWN_CATEGORY, eid, "category", category=category)
    questions = item.get("questions")
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise FaqFileError(file, Problem.NOT_STRING_LIST, eid, "questions")
    cleaned = tuple(dict.fromkeys(" ".join(q.split()) for q in questions if q.strip()))
    if len(cleaned) < min_questions:
        raise FaqFileError(file, Problem.TOO_FEW_QUESTIONS, eid, "questions", least=min_questions)
    if any(len(q) > MAX_QUESTION for q in cleaned):
        raise FaqFileError(file, Problem.QUESTION_TOO_LONG, eid, "questions", most=MAX_QUESTION)
    answer = item.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise FaqFileError(file, Problem.EMPTY_TEXT, eid, "answer")
    answer = answer.strip()
    if len(answer) > MAX_ANSWER:
        raise FaqFileError(
            file, Problem.ANSWER_TOO_LONG, eid, "answer", length=len(answer), most=MAX_ANSWER
        )
    if _HTML_TAG.search(answer):
        raise FaqFileError(file, Problem.HTML_IN_ANSWER, eid, "answer")
    source = item.get("source", "")
    if not isinstance(source, str) or len(source) > MAX_SOURCE:
        raise FaqFileError(file, Problem.BAD_SOURCE, eid, "source", most=MAX_SOURCE)
    reviewed = item.get("reviewed")
    if not isinstance(reviewed, date) or hasattr(reviewed, "hour"):
        raise FaqFileError(file, Problem.BAD_DATE, eid, "reviewed")
    return FaqEntryRow(eid, category, cleaned, answer, source.strip(), reviewed, origin)


def load_entries(
    path: Path, categories: set[str], seen: set[str] | None = None, *, origin: str = "import"
) -> list[FaqEntryRow]:
    """Every [[entry]] of one file; ids must be unique here and against `seen`."""
    data = _read_toml(path)
    extra = sorted(set(data) - {"entry"})
    if extra:
        raise FaqFileError(path.name, Problem.UNKNOWN_KEY, "", extra[0])
    items = data.get("entry")
    if not isinstance(items, list) or not items:
        raise FaqFileError(path.name, Problem.NO_ENTRIES)
    taken = set(seen or ())
    entries = []
    for item in items:
        entry = parse_entry(item, path.name, categories, origin=origin)
        if entry.id in taken:
            raise FaqFileError(path.name, Problem.DUPLICATE_ENTRY, entry.id, "id")
        taken.add(entry.id)
        entries.append(entry)
    return entries


def load_dir(root: Path) -> tuple[list[FaqCategoryRow], list[FaqEntryRow]]:
    """categories.toml and every content/*.toml under root (missing content: no entries).

    Parsed once per process while the files stay as they are: every command and every start
    syncs the shipped FAQ, and parsing its 1,000-odd phrasings is most of that (about 30 ms).
    """
    categories, entries = _load_dir(root, _signature(root))
    return list(categories), list(entries)


def _signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """What the parse depends on: each file's name, size and modification time."""
    content = root / "content"
    paths = [root / "categories.toml"]
    paths += sorted(content.glob("*.toml")) if content.is_dir() else []
    signature = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            signature.append((str(path), -1, -1))  # load_categories says what is missing
        else:
            signature.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(signature)


@functools.lru_cache(maxsize=8)
def _load_dir(
    root: Path, signature: tuple[tuple[str, int, int], ...]
) -> tuple[tuple[FaqCategoryRow, ...], tuple[FaqEntryRow, ...]]:
    categories = load_categories(root / "categories.toml")
    ids = {c.id for c in categories}
    entries: list[FaqEntryRow] = []
    content = root / "content"
    for path in sorted(content.glob("*.toml")) if content.is_dir() else []:
        entries.extend(load_entries(path, ids, {e.id for e in entries}, origin="package"))
    return tuple(categories), tuple(entries)


def entry_to_toml(entry: FaqEntryRow) -> str:
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
