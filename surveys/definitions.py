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

Texts are stripped of surrounding whitespace. Errors are :class:`SurveyFileError`: the source,
the field (e.g. ``questions[3].kind``; positions count from 1, in file order), a stable
:class:`SurveyProblem` code and its details; a TOML syntax error names the line. The operator
reads them in Vietnamese from the template ``cli_survey_error.txt``.

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
from surveys.question_kinds import KINDS
from surveys.survey_errors import SurveyFileError, SurveyProblem, described

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
_SCORED = ", ".join(k.value for k, spec in KINDS.items() if spec.scored)
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def load_survey(path: Path) -> Survey:
    """Read and validate a survey file; any failure, even a missing file, is a SurveyFileError."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SurveyFileError(
            source, "", SurveyProblem.UNREADABLE, error=exc.strerror or str(exc)
        ) from exc
    return parse_survey(_decode(data, source), source)


def parse_survey(text: str, source: str) -> Survey:
    """Validate survey TOML text; `source` names it in error messages."""
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))  # Notepad saves UTF-8 with a BOM
    except tomllib.TOMLDecodeError as exc:
        line, column, message = _toml_position(exc)
        raise SurveyFileError(
            source,
            "",
            SurveyProblem.BAD_TOML,
            line=line,
            message=message,
            column=column or 0,
            at_end=line is None,
        ) from exc
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
                source, "id", SurveyProblem.ID_NOT_FILE_NAME, expected=expected, value=survey.id
            )
        found.append(survey)
    return tuple(found)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SurveyFileError(source, "", SurveyProblem.NOT_UTF8, position=exc.start) from exc


def _toml_position(exc: tomllib.TOMLDecodeError) -> tuple[int | None, int | None, str]:
    """Line, column and message of a TOML error (attributes since 3.14, parsed from text before)."""
    message = str(getattr(exc, "msg", "") or exc)
    match = _TOML_POSITION.search(message)
    detail = message[: match.start()] if match else message
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    if line is None and match and match.group(1):
        line, column = int(match.group(1)), int(match.group(2))
    return line, column, detail


class _Reader:
    """Walks the parsed TOML (or JSON) tree, failing on the first problem with its exact path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: SurveyProblem, **details: object) -> NoReturn:
        raise SurveyFileError(self.source, field, problem, line=None, **details)

    def survey(self, raw: object) -> Survey:
        if not isinstance(raw, Mapping):
            self.fail("", SurveyProblem.NOT_A_TABLE, got=described(raw))
        self.keys(raw, "", _SURVEY_KEYS, _SURVEY_KEYS)
        survey_id = self.ident(raw, "id", "id", SURVEY_ID, "survey_id")
        title = self.text(raw, "title", "title", TITLE_MAX)
        description = self.text(raw, "description", "description", DESCRIPTION_MAX)
        items = raw["questions"]
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            self.fail("questions", SurveyProblem.QUESTIONS_NOT_TABLES, got=described(items))
        if not 1 <= len(items) <= QUESTIONS_MAX:
            self.fail(
                "questions", SurveyProblem.QUESTION_COUNT, most=QUESTIONS_MAX, count=len(items)
            )
        questions: list[Question] = []
        seen: dict[str, int] = {}
        for number, item in enumerate(items, start=1):
            q = self.question(item, f"questions[{number}]")
            if q.id in seen:
                self.fail(
                    f"questions[{number}].id",
                    SurveyProblem.DUPLICATE,
                    other=f"questions[{seen[q.id]}]",
                    value=q.id,
                )
            seen[q.id] = number
            questions.append(q)
        self.check_overall(questions)
        return Survey(survey_id, title, description, tuple(questions))

    def question(self, raw: Mapping[str, Any], path: str) -> Question:
        self.keys(raw, path, _QUESTION_KEYS, ("id", "kind", "text"))
        qid = self.ident(raw, "id", f"{path}.id", QUESTION_ID, "question_id")
        kind_value = raw["kind"]
        if not isinstance(kind_value, str) or kind_value not in {k.value for k in QuestionKind}:
            self.fail(
                f"{path}.kind", SurveyProblem.BAD_KIND, kinds=_KINDS, got=described(kind_value)
            )
        kind = QuestionKind(kind_value)
        text = self.text(raw, "text", f"{path}.text", TEXT_MAX)
        overall = raw.get("overall", False)
        if not isinstance(overall, bool):
            self.fail(f"{path}.overall", SurveyProblem.NOT_BOOL, got=described(overall))
        needs_criteria = KINDS[kind].scored and not overall
        c2026 = self.criteria(raw, "criteria_2026", path, CRITERIA_2026_MAX, needs_criteria)
        c2021 = self.criteria(raw, "criteria_2021", path, CRITERIA_2021_MAX, needs_criteria)
        choices: tuple[Choice, ...] = ()
        if kind is QuestionKind.CHOICE:
            if "choices" not in raw:
                self.fail(f"{path}.choices", SurveyProblem.CHOICES_MISSING)
            choices = self.choices(raw["choices"], f"{path}.choices")
        elif "choices" in raw:
            self.fail(f"{path}.choices", SurveyProblem.CHOICES_NOT_ALLOWED, kind=kind.value)
        return Question(qid, kind, text, c2026, c2021, overall, choices)

    def criteria(
        self, raw: Mapping[str, Any], key: str, path: str, highest: int, required: bool
    ) -> tuple[int, ...]:
        field = f"{path}.{key}"
        if key not in raw:
            if required:
                self.fail(field, SurveyProblem.CRITERIA_MISSING, kinds=_SCORED)
            return ()
        value = raw[key]
        if not isinstance(value, list):
            self.fail(field, SurveyProblem.NOT_INT_LIST, got=described(value))
        if required and not value:
            self.fail(field, SurveyProblem.CRITERIA_EMPTY, kinds=_SCORED)
        numbers: list[int] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int):
                self.fail(field, SurveyProblem.NOT_INT, got=described(item))
            if not 1 <= item <= highest:
                self.fail(field, SurveyProblem.CRITERION_RANGE, highest=highest, value=item)
            if item in numbers:
                self.fail(field, SurveyProblem.CRITERION_REPEATED, value=item)
            numbers.append(item)
        return tuple(numbers)

    def choices(self, value: object, path: str) -> tuple[Choice, ...]:
        if not isinstance(value, list):
            self.fail(path, SurveyProblem.CHOICES_NOT_LIST, got=described(value))
        if not CHOICES_MIN <= len(value) <= CHOICES_MAX:
            self.fail(
                path,
                SurveyProblem.CHOICE_COUNT,
                least=CHOICES_MIN,
                most=CHOICES_MAX,
                count=len(value),
            )
        result: list[Choice] = []
        for number, item in enumerate(value, start=1):
            item_path = f"{path}[{number}]"
            if not isinstance(item, Mapping):
                self.fail(item_path, SurveyProblem.CHOICE_NOT_TABLE, got=described(item))
            self.keys(item, item_path, _CHOICE_KEYS, _CHOICE_KEYS)
            code = self.ident(item, "code", f"{item_path}.code", CHOICE_CODE, "choice_code")
            label = self.text(item, "label", f"{item_path}.label", LABEL_MAX)
            for earlier, other in enumerate(result, start=1):
                if other.code == code:
                    self.fail(
                        f"{item_path}.code",
                        SurveyProblem.DUPLICATE,
                        other=f"{path}[{earlier}]",
                        value=code,
                    )
                if other.label == label:
                    self.fail(
                        f"{item_path}.label",
                        SurveyProblem.DUPLICATE,
                        other=f"{path}[{earlier}]",
                        value=label,
                    )
            result.append(Choice(code, label))
        return tuple(result)

    def check_overall(self, questions: list[Question]) -> None:
        marked = [n for n, q in enumerate(questions, start=1) if q.overall]
        if not marked:
            self.fail("questions", SurveyProblem.NO_OVERALL)
        if len(marked) > 1:
            self.fail(
                f"questions[{marked[1]}].overall",
                SurveyProblem.TWO_OVERALL,
                other=f"questions[{marked[0]}]",
            )
        first = questions[marked[0] - 1]
        if not KINDS[first.kind].overall:
            self.fail(
                f"questions[{marked[0]}].overall",
                SurveyProblem.OVERALL_NOT_YESNO,
                kind=first.kind.value,
            )

    def keys(
        self, raw: Mapping[str, Any], path: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> None:
        prefix = f"{path}." if path else ""
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                self.fail(
                    f"{prefix}{key}",
                    SurveyProblem.UNKNOWN_KEY,
                    allowed=", ".join(allowed),
                    hint=close[0] if close else "",
                )
        for key in required:
            if key not in raw:
                self.fail(f"{prefix}{key}", SurveyProblem.MISSING_KEY)

    def ident(
        self, raw: Mapping[str, Any], key: str, field: str, pattern: re.Pattern[str], rule: str
    ) -> str:
        value = raw[key]
        if not isinstance(value, str):
            self.fail(field, SurveyProblem.NOT_STRING, got=described(value))
        if not pattern.fullmatch(value):
            self.fail(field, SurveyProblem.BAD_IDENT, rule=rule, value=value)
        return value

    def text(self, raw: Mapping[str, Any], key: str, field: str, longest: int) -> str:
        value = raw[key]
        if not isinstance(value, str):
            self.fail(field, SurveyProblem.NOT_STRING, got=described(value))
        value = value.strip()
        if not value:
            self.fail(field, SurveyProblem.EMPTY)
        if len(value) > longest:
            self.fail(field, SurveyProblem.TOO_LONG, most=longest, length=len(value))
        return value
