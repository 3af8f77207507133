"""Survey definition files: read, validate and serialise surveys written in TOML.

A survey is kept in a plain TOML file so that a province can adapt the questions without
touching code (``ykien survey add FILE.toml``). The format:

```toml
id = "ntm-2026"            # [a-z0-9-]{1,40}; the file name in surveys/catalog/ must be <id>.toml
title = "..."              # 1..120 characters
description = "..."        # 1..600 characters: 1-3 sentences shown before the first question

[[questions]]              # 1..40 questions, asked in file order
id = "duong"               # [a-z0-9_]{1,16}, unique within the survey
kind = "scale"             # scale | yesno | choice | text
text = "..."               # 1..600 characters (keep it under ~140 for small phone screens)
criteria_2026 = [2]        # criterion numbers 1..10 of Decision 51/2025/QĐ-TTg
criteria_2021 = [2]        # criterion numbers 1..19 of Decision 318/QĐ-TTg
overall = false            # optional, default false

[[questions]]
id = "kenh"
kind = "choice"
text = "..."
choices = [{ code = "a", label = "..." }, { code = "b", label = "..." }]
```

Rules, checked in this order, the first failure is reported:

- every key must be known and every required key present (top level: ``id``, ``title``,
  ``description``, ``questions``; question: ``id``, ``kind``, ``text``, plus ``choices`` for
  ``choice``); types are strict (``true`` is not a number, ``"3"`` is not a number);
- ``criteria_2026`` and ``criteria_2021`` are required and non-empty for every scored
  (``scale``/``yesno``) question except the overall one; elsewhere they are optional and may be
  empty (the overall question covers every criterion); numbers are in range and not repeated;
- ``choices`` is allowed only on ``choice`` questions: 2..8 entries, each with ``code``
  ([a-z0-9]{1,8}, unique) and ``label`` (1..40 characters, unique);
- exactly one question has ``overall = true``, and it is a ``yesno`` question: its share of
  "Có" is the headline satisfaction figure.

Texts are stripped of surrounding whitespace. Errors are :class:`SurveyFileError`, written for
the operator in Vietnamese, e.g. ``ntm.toml: questions[3].kind: phải là một trong scale, yesno,
choice, text (nhận được 'rating')``. Question and choice positions count from 1, in file order.
A TOML syntax error names the line: ``ntm.toml:7: cú pháp TOML sai (...)``.

:func:`survey_to_dict` and :func:`survey_from_dict` give a JSON-safe round trip (the database
stores each survey as JSON, so a round keeps the exact questions it was opened with); the dict
has the same shape as the TOML file and is validated the same way.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from surveys.model import Choice, Question, QuestionKind, Survey

SURVEY_ID = re.compile(r"[a-z0-9-]{1,40}")
QUESTION_ID = re.compile(r"[a-z0-9_]{1,16}")
CHOICE_CODE = re.compile(r"[a-z0-9]{1,8}")
TITLE_MAX = 120
DESCRIPTION_MAX = 600
TEXT_MAX = 600
LABEL_MAX = 40
QUESTIONS_MAX = 40
CHOICES_MIN, CHOICES_MAX = 2, 8
CRITERIA_2026_MAX = 10  # Decision 51/2025/QĐ-TTg: 10 criteria
CRITERIA_2021_MAX = 19  # Decision 318/QĐ-TTg: 19 criteria

_SURVEY_KEYS = ("id", "title", "description", "questions")
_QUESTION_KEYS = ("id", "kind", "text", "criteria_2026", "criteria_2021", "overall", "choices")
_CHOICE_KEYS = ("code", "label")
_KINDS = ", ".join(k.value for k in QuestionKind)
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


class SurveyFileError(ValueError):
    """A survey file (or stored definition) is invalid; says where and why, for the operator."""

    def __init__(self, source: str, field: str, problem: str, *, line: int | None = None) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return (
            f"{where}: {self.field}: {self.problem}" if self.field else f"{where}: {self.problem}"
        )


def load_survey(path: Path) -> Survey:
    """Read and validate a survey file; any failure, even a missing file, is a SurveyFileError."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SurveyFileError(source, "", f"không đọc được tệp ({exc.strerror or exc})") from exc
    return parse_survey(_decode(data, source), source)


def parse_survey(text: str, source: str) -> Survey:
    """Validate survey TOML text; `source` names it in error messages."""
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))  # Notepad saves UTF-8 with a BOM
    except tomllib.TOMLDecodeError as exc:
        line, detail = _toml_position(exc)
        raise SurveyFileError(source, "", f"cú pháp TOML sai ({detail})", line=line) from exc
    return _Reader(source).survey(raw)


def survey_to_dict(survey: Survey) -> dict[str, Any]:
    """The survey as plain JSON types, in the same shape as the TOML file."""
    questions: list[dict[str, Any]] = []
    for q in survey.questions:
        item: dict[str, Any] = {
            "id": q.id,
            "kind": q.kind.value,
            "text": q.text,
            "criteria_2026": list(q.criteria_2026),
            "criteria_2021": list(q.criteria_2021),
            "overall": q.overall,
        }
        if q.kind is QuestionKind.CHOICE:
            item["choices"] = [{"code": c.code, "label": c.label} for c in q.choices]
        questions.append(item)
    return {
        "id": survey.id,
        "title": survey.title,
        "description": survey.description,
        "questions": questions,
    }


def survey_from_dict(data: Mapping[str, Any], *, source: str = "JSON") -> Survey:
    """Rebuild a stored survey, validating it as strictly as a file (the database may be old)."""
    return _Reader(source).survey(data)


def catalog() -> list[Survey]:
    """Every survey shipped in surveys/catalog/, sorted by file name."""
    return list(_load_catalog())


@functools.cache
def _load_catalog() -> tuple[Survey, ...]:
    root = resources.files("surveys").joinpath("catalog")
    found: list[Survey] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if not (entry.name.endswith(".toml") and entry.is_file()):
            continue
        source = f"surveys/catalog/{entry.name}"
        survey = parse_survey(_decode(entry.read_bytes(), source), source)
        expected = entry.name.removesuffix(".toml")
        if survey.id != expected:
            raise SurveyFileError(
                source, "id", f"phải trùng tên tệp '{expected}' (nhận được {survey.id!r})"
            )
        found.append(survey)
    return tuple(found)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SurveyFileError(
            source, "", f"tệp phải được lưu dạng UTF-8 (byte lỗi ở vị trí {exc.start})"
        ) from exc


def _toml_position(exc: tomllib.TOMLDecodeError) -> tuple[int | None, str]:
    """Line number and message of a TOML error (attributes since 3.14, parsed from text before)."""
    message = str(getattr(exc, "msg", "") or exc)
    match = _TOML_POSITION.search(message)
    detail = message[: match.start()] if match else message
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    if line is None and match and match.group(1):
        line, column = int(match.group(1)), int(match.group(2))
    if line is None:
        return None, f"cuối tệp: {detail}"
    return line, f"cột {column}: {detail}" if column else detail


def _describe(value: object) -> str:
    """A value as the operator wrote it, with its TOML type, for 'nhận được ...'."""
    if isinstance(value, bool):
        return f"giá trị logic {str(value).lower()}"
    if isinstance(value, int):
        return f"số nguyên {value}"
    if isinstance(value, float):
        return f"số thực {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"chuỗi {shown!r}"
    if isinstance(value, list):
        return "một mảng"
    if isinstance(value, Mapping):
        return "một bảng"
    return f"giá trị kiểu {type(value).__name__}"


def _got(value: object) -> str:
    """A string as written; anything else with its type, since then the type is the mistake."""
    return repr(value) if isinstance(value, str) else _describe(value)


class _Reader:
    """Walks the parsed TOML (or JSON) tree, failing on the first problem with its exact path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: str) -> NoReturn:
        raise SurveyFileError(self.source, field, problem)

    def survey(self, raw: object) -> Survey:
        if not isinstance(raw, Mapping):
            self.fail("", f"phải là một bảng TOML/JSON (nhận được {_describe(raw)})")
        self.keys(raw, "", _SURVEY_KEYS, _SURVEY_KEYS)
        survey_id = self.ident(raw, "id", "id", SURVEY_ID, "chữ thường a-z, số, dấu '-'; tối đa 40")
        title = self.text(raw, "title", "title", TITLE_MAX)
        description = self.text(raw, "description", "description", DESCRIPTION_MAX)
        items = raw["questions"]
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            self.fail(
                "questions", f"phải là mảng bảng [[questions]] (nhận được {_describe(items)})"
            )
        if not 1 <= len(items) <= QUESTIONS_MAX:
            self.fail("questions", f"cần từ 1 đến {QUESTIONS_MAX} câu hỏi (nhận được {len(items)})")
        questions: list[Question] = []
        seen: dict[str, int] = {}
        for number, item in enumerate(items, start=1):
            q = self.question(item, f"questions[{number}]")
            if q.id in seen:
                self.fail(
                    f"questions[{number}].id", f"trùng với questions[{seen[q.id]}] ({q.id!r})"
                )
            seen[q.id] = number
            questions.append(q)
        self.check_overall(questions)
        return Survey(survey_id, title, description, tuple(questions))

    def question(self, raw: Mapping[str, Any], path: str) -> Question:
        self.keys(raw, path, _QUESTION_KEYS, ("id", "kind", "text"))
        qid = self.ident(
            raw, "id", f"{path}.id", QUESTION_ID, "chữ thường a-z, số, dấu '_'; tối đa 16"
        )
        kind_value = raw["kind"]
        if not isinstance(kind_value, str) or kind_value not in {k.value for k in QuestionKind}:
            self.fail(f"{path}.kind", f"phải là một trong {_KINDS} (nhận được {_got(kind_value)})")
        kind = QuestionKind(kind_value)
        text = self.text(raw, "text", f"{path}.text", TEXT_MAX)
        overall = raw.get("overall", False)
        if not isinstance(overall, bool):
            self.fail(
                f"{path}.overall", f"phải là true hoặc false (nhận được {_describe(overall)})"
            )
        needs_criteria = kind in (QuestionKind.SCALE, QuestionKind.YESNO) and not overall
        c2026 = self.criteria(raw, "criteria_2026", path, CRITERIA_2026_MAX, needs_criteria)
        c2021 = self.criteria(raw, "criteria_2021", path, CRITERIA_2021_MAX, needs_criteria)
        choices: tuple[Choice, ...] = ()
        if kind is QuestionKind.CHOICE:
            if "choices" not in raw:
                self.fail(f"{path}.choices", 'thiếu khóa bắt buộc với câu hỏi kind = "choice"')
            choices = self.choices(raw["choices"], f"{path}.choices")
        elif "choices" in raw:
            self.fail(
                f"{path}.choices",
                f'chỉ dùng cho câu hỏi kind = "choice" (câu này là {kind.value!r})',
            )
        return Question(qid, kind, text, c2026, c2021, overall, choices)

    def criteria(
        self, raw: Mapping[str, Any], key: str, path: str, highest: int, required: bool
    ) -> tuple[int, ...]:
        field = f"{path}.{key}"
        if key not in raw:
            if required:
                self.fail(field, "thiếu khóa bắt buộc với câu hỏi được chấm điểm (scale, yesno)")
            return ()
        value = raw[key]
        if not isinstance(value, list):
            self.fail(field, f"phải là mảng số nguyên, ví dụ [2] (nhận được {_describe(value)})")
        if required and not value:
            self.fail(field, "không được rỗng với câu hỏi được chấm điểm (scale, yesno)")
        numbers: list[int] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int):
                self.fail(field, f"mỗi phần tử phải là số nguyên (nhận được {_describe(item)})")
            if not 1 <= item <= highest:
                self.fail(field, f"số tiêu chí phải từ 1 đến {highest} (nhận được {item})")
            if item in numbers:
                self.fail(field, f"số tiêu chí {item} bị lặp lại")
            numbers.append(item)
        return tuple(numbers)

    def choices(self, value: object, path: str) -> tuple[Choice, ...]:
        if not isinstance(value, list):
            self.fail(
                path, f"phải là mảng các bảng {{ code, label }} (nhận được {_describe(value)})"
            )
        if not CHOICES_MIN <= len(value) <= CHOICES_MAX:
            self.fail(
                path, f"cần từ {CHOICES_MIN} đến {CHOICES_MAX} lựa chọn (nhận được {len(value)})"
            )
        result: list[Choice] = []
        for number, item in enumerate(value, start=1):
            item_path = f"{path}[{number}]"
            if not isinstance(item, Mapping):
                self.fail(
                    item_path, f"phải là bảng {{ code, label }} (nhận được {_describe(item)})"
                )
            self.keys(item, item_path, _CHOICE_KEYS, _CHOICE_KEYS)
            code = self.ident(
                item, "code", f"{item_path}.code", CHOICE_CODE, "chữ thường a-z, số; tối đa 8"
            )
            label = self.text(item, "label", f"{item_path}.label", LABEL_MAX)
            for earlier, other in enumerate(result, start=1):
                if other.code == code:
                    self.fail(f"{item_path}.code", f"trùng với {path}[{earlier}] ({code!r})")
                if other.label == label:
                    self.fail(f"{item_path}.label", f"trùng với {path}[{earlier}] ({label!r})")
            result.append(Choice(code, label))
        return tuple(result)

    def check_overall(self, questions: list[Question]) -> None:
        marked = [n for n, q in enumerate(questions, start=1) if q.overall]
        if not marked:
            self.fail(
                "questions", "cần đúng một câu hỏi yesno có overall = true (không có câu nào)"
            )
        if len(marked) > 1:
            self.fail(
                f"questions[{marked[1]}].overall",
                f"chỉ được một câu hỏi có overall = true (đã có questions[{marked[0]}])",
            )
        first = questions[marked[0] - 1]
        if first.kind is not QuestionKind.YESNO:
            self.fail(
                f"questions[{marked[0]}].overall",
                f'chỉ câu hỏi kind = "yesno" mới được overall = true'
                f" (câu này là {first.kind.value!r})",
            )

    def keys(
        self, raw: Mapping[str, Any], path: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> None:
        prefix = f"{path}." if path else ""
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; có phải là {close[0]!r}?" if close else ""
                self.fail(
                    f"{prefix}{key}", f"khóa không hợp lệ (được phép: {', '.join(allowed)}{hint})"
                )
        for key in required:
            if key not in raw:
                self.fail(f"{prefix}{key}", "thiếu khóa bắt buộc")

    def ident(
        self, raw: Mapping[str, Any], key: str, field: str, pattern: re.Pattern[str], rule: str
    ) -> str:
        value = raw[key]
        if not isinstance(value, str):
            self.fail(field, f"phải là chuỗi (nhận được {_describe(value)})")
        if not pattern.fullmatch(value):
            self.fail(field, f"chỉ gồm {rule} ký tự (nhận được {value!r})")
        return value

    def text(self, raw: Mapping[str, Any], key: str, field: str, longest: int) -> str:
        value = raw[key]
        if not isinstance(value, str):
            self.fail(field, f"phải là chuỗi (nhận được {_describe(value)})")
        value = value.strip()
        if not value:
            self.fail(field, "không được để trống")
        if len(value) > longest:
            self.fail(field, f"dài tối đa {longest} ký tự (nhận được {len(value)})")
        return value
