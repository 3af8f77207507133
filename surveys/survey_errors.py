"""Why a survey file was refused: a stable code, where (source, line, field) and the values the
explanation needs. The operator reads it in Vietnamese from handlers/views/templates/
cli_survey_error.txt; surveys holds no user-facing text."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class SurveyProblem(StrEnum):
    UNREADABLE = "unreadable"  # error
    NOT_UTF8 = "not_utf8"  # position
    BAD_TOML = "bad_toml"  # message, column (0: none), at_end
    ID_NOT_FILE_NAME = "id_not_file_name"  # expected, value
    NOT_A_TABLE = "not_a_table"  # got
    QUESTIONS_NOT_TABLES = "questions_not_tables"  # got
    QUESTION_COUNT = "question_count"  # most, count
    DUPLICATE = "duplicate"  # other (the earlier position), value
    BAD_KIND = "bad_kind"  # kinds, got
    NOT_BOOL = "not_bool"  # got
    CHOICES_MISSING = "choices_missing"
    CHOICES_NOT_ALLOWED = "choices_not_allowed"  # kind
    CRITERIA_MISSING = "criteria_missing"
    NOT_INT_LIST = "not_int_list"  # got
    CRITERIA_EMPTY = "criteria_empty"
    NOT_INT = "not_int"  # got
    CRITERION_RANGE = "criterion_range"  # highest, value
    CRITERION_REPEATED = "criterion_repeated"  # value
    CHOICES_NOT_LIST = "choices_not_list"  # got
    CHOICE_COUNT = "choice_count"  # least, most, count
    CHOICE_NOT_TABLE = "choice_not_table"  # got
    NO_OVERALL = "no_overall"
    TWO_OVERALL = "two_overall"  # other
    OVERALL_NOT_YESNO = "overall_not_yesno"  # kind
    UNKNOWN_KEY = "unknown_key"  # allowed, hint ('' when none is close)
    MISSING_KEY = "missing_key"
    NOT_STRING = "not_string"  # got
    BAD_IDENT = "bad_ident"  # rule (survey_id, question_id, choice_code), most, value
    EMPTY = "empty"
    TOO_LONG = "too_long"  # most, length


class SurveyFileError(ValueError):
    """A survey file (or stored definition) is invalid; says where and why, for the operator."""

    def __init__(
        self,
        source: str,
        field: str,
        problem: SurveyProblem,
        *,
        line: int | None = None,
        **details: object,
    ) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        self.details = details
        self.line = line
        super().__init__(str(self))

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def __str__(self) -> str:
        place = f"{self.where}: {self.field}" if self.field else self.where
        return f"{place}: {self.problem.value} {self.details}"


def described(value: object) -> dict[str, object]:
    """A value as the operator wrote it, with its TOML type (the template says it in words)."""
    if isinstance(value, bool):
        return {"type": "bool", "value": str(value).lower()}
    if isinstance(value, int):
        return {"type": "int", "value": value}
    if isinstance(value, float):
        return {"type": "float", "value": value}
    if isinstance(value, str):
        return {"type": "str", "value": value if len(value) <= 40 else value[:37] + "..."}
    if isinstance(value, list):
        return {"type": "list", "value": ""}
    if isinstance(value, Mapping):
        return {"type": "table", "value": ""}
    return {"type": "other", "value": type(value).__name__}
