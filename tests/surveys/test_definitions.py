"""Survey definition files: the shipped catalog, the JSON round trip and every rejection."""

from __future__ import annotations

import ast
import copy
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import surveys.definitions as definitions
from handlers.views.texts import render
from surveys.definitions import (
    catalog,
    load_survey,
    parse_survey,
    survey_from_dict,
    survey_to_dict,
)
from surveys.model import QuestionKind
from surveys.survey_errors import SurveyFileError, SurveyProblem

VALID_TOML = """\
id = "thu-nghiem"
title = "Phiếu thử"
description = "Mô tả ngắn."

[[questions]]
id = "duong"
kind = "scale"
text = "Đường sá thế nào?"
criteria_2026 = [2]
criteria_2021 = [2]

[[questions]]
id = "mua_ban"
kind = "choice"
text = "Ông/bà mua bán ở đâu?"
choices = [{ code = "cho", label = "Chợ xã" }, { code = "khac", label = "Nơi khác" }]

[[questions]]
id = "chung"
kind = "yesno"
text = "Nhìn chung có hài lòng không?"
overall = true

[[questions]]
id = "gop_y"
kind = "text"
text = "Góp ý thêm?"
"""


def valid() -> dict[str, Any]:
    return survey_to_dict(parse_survey(VALID_TOML, "t.toml"))


def shown(error: SurveyFileError) -> str:
    """What the operator reads (the command line renders the same template)."""
    return render(
        "cli_survey_error.txt",
        where=error.where,
        field=error.field,
        problem=error.problem.value,
        details=error.details,
    ).rstrip()


def reject(change: Callable[[dict[str, Any]], object]) -> SurveyFileError:
    data = copy.deepcopy(valid())
    change(data)
    with pytest.raises(SurveyFileError) as info:
        survey_from_dict(data, source="t.toml")
    assert str(info.value).startswith("t.toml: ")
    return info.value


# --- the shipped catalog -------------------------------------------------------------------


def test_catalog_ships_the_default_survey() -> None:
    surveys = catalog()
    assert [s.id for s in surveys] == ["ntm-2026"]
    s = surveys[0]
    assert [q.id for q in s.questions] == [
        "duong", "dien", "thuy_loi", "truong_hoc", "y_te", "van_hoa", "cho",
        "so_hoa", "moi_truong", "an_ninh", "hanh_chinh", "tong_the", "gop_y",
    ]  # fmt: skip
    assert len({q.id for q in s.questions}) == len(s.questions)
    overall = [q for q in s.questions if q.overall]
    assert len(overall) == 1 and overall[0].kind is QuestionKind.YESNO
    assert s.overall is overall[0]
    scored = [q for q in s.questions if q.scored]
    assert scored[-1] is overall[0], "the overall question closes the scored part"
    assert sum(q.kind is QuestionKind.SCALE for q in s.questions) == 11
    assert s.questions[-1].kind is QuestionKind.TEXT and s.questions[-1].optional


def test_catalog_questions_fit_a_small_screen_and_are_tagged() -> None:
    s = catalog()[0]
    for q in s.questions:
        assert len(q.text) <= 140, q.id
        assert unicodedata.is_normalized("NFC", q.text), q.id
        if q.scored and not q.overall:
            assert q.criteria_2026 and q.criteria_2021, q.id
            assert "ông/bà" in q.text.lower(), q.id
    assert unicodedata.is_normalized("NFC", s.description)
    assert "ông/bà" in s.description


def test_catalog_is_a_fresh_list() -> None:
    first = catalog()
    first.clear()
    assert catalog()


def test_definition_modules_import_only_stdlib_and_the_model() -> None:
    """surveys/ must stay free of telegram, aiosqlite and our outer layers."""
    for module in ("definitions", "survey_errors", "scoring", "question_kinds"):
        path = Path(definitions.__file__).with_name(f"{module}.py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                assert top not in {"telegram", "aiosqlite", "storage", "handlers", "bot"}, name
                assert top != "surveys" or name in {
                    "surveys.model",
                    "surveys.survey_errors",
                    "surveys.question_kinds",
                }, name


# --- round trip ----------------------------------------------------------------------------


def test_dict_round_trip_is_json_safe() -> None:
    for survey in [*catalog(), parse_survey(VALID_TOML, "t.toml")]:
        data = json.loads(json.dumps(survey_to_dict(survey)))
        assert survey_from_dict(data) == survey


def test_parse_strips_text_and_keeps_choices() -> None:
    s = parse_survey(VALID_TOML.replace('"Mô tả ngắn."', '"""\n  Mô tả ngắn.\n"""'), "t.toml")
    assert s.description == "Mô tả ngắn."
    choice = s.questions[1]
    assert [(c.code, c.label) for c in choice.choices] == [("cho", "Chợ xã"), ("khac", "Nơi khác")]
    assert s.questions[3].criteria_2026 == ()


def test_load_survey_reads_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID_TOML.encode())
    assert load_survey(path).id == "thu-nghiem"


def test_load_survey_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SurveyFileError) as info:
        load_survey(tmp_path / "khong-co.toml")
    assert info.value.problem is SurveyProblem.UNREADABLE


def test_load_survey_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cp1258.toml"
    path.write_bytes(VALID_TOML.replace("Phiếu", "Phi\xea\u0301u").encode("cp1258", "replace"))
    with pytest.raises(SurveyFileError) as info:
        load_survey(path)
    assert info.value.problem is SurveyProblem.NOT_UTF8


# --- rejections ----------------------------------------------------------------------------


def test_bad_toml_names_the_line() -> None:
    text = 'id = "x"\ntitle = "T"\ndescription "thiếu dấu bằng"\n'
    with pytest.raises(SurveyFileError) as info:
        parse_survey(text, "bad.toml")
    assert info.value.line == 3
    assert info.value.problem is SurveyProblem.BAD_TOML
    assert shown(info.value).startswith(
        "Lỗi trong tệp khảo sát, không có gì được lưu: bad.toml:3: cú pháp TOML sai (cột 13: "
    )


def test_duplicate_toml_key_is_a_syntax_error() -> None:
    with pytest.raises(SurveyFileError) as info:
        parse_survey(VALID_TOML.replace('title = "Phiếu thử"', 'title = "A"\ntitle = "B"'), "t")
    assert info.value.line == 3


def test_message_format_matches_the_readme() -> None:
    e = reject(lambda d: d["questions"][2].update(kind="rating"))
    assert e.field == "questions[3].kind"
    assert shown(e).endswith(
        "t.toml: questions[3].kind: phải là một trong scale, yesno, choice, text "
        "(nhận được «rating»)"
    )


def test_wrong_type_for_text() -> None:
    e = reject(lambda d: d.update(title=3))
    assert (e.field, e.problem) == ("title", SurveyProblem.NOT_STRING)
    assert shown(e).endswith("title: phải là chuỗi (nhận được số nguyên 3)")


def test_bool_is_not_a_criterion_number() -> None:
    e = reject(lambda d: d["questions"][0].update(criteria_2026=[True]))
    assert e.field == "questions[1].criteria_2026"
    assert shown(e).endswith("(nhận được giá trị logic true)")


def test_bool_as_int_in_toml() -> None:
    text = VALID_TOML.replace("criteria_2021 = [2]", "criteria_2021 = [true]")
    with pytest.raises(SurveyFileError) as info:
        parse_survey(text, "t.toml")
    assert info.value.field == "questions[1].criteria_2021"


def test_a_scored_question_needs_criteria() -> None:
    """The scored kinds the message names are the ones question_kinds scores."""
    e = reject(lambda d: d["questions"][0].pop("criteria_2026"))
    assert (e.field, e.problem) == ("questions[1].criteria_2026", SurveyProblem.CRITERIA_MISSING)
    assert shown(e).endswith("thiếu khóa bắt buộc với câu hỏi được chấm điểm (scale, yesno)")
    e = reject(lambda d: d["questions"][0].update(criteria_2021=[]))
    assert e.problem is SurveyProblem.CRITERIA_EMPTY
    assert shown(e).endswith("không được rỗng với câu hỏi được chấm điểm (scale, yesno)")


def test_string_is_not_a_criterion_number() -> None:
    e = reject(lambda d: d["questions"][0].update(criteria_2021=["2"]))
    assert e.field == "questions[1].criteria_2021"


def test_overall_must_be_bool() -> None:
    e = reject(lambda d: d["questions"][2].update(overall=1))
    assert e.field == "questions[3].overall"


def test_duplicate_question_ids() -> None:
    e = reject(lambda d: d["questions"][3].update(id="duong"))
    assert e.field == "questions[4].id"
    assert (e.problem, e.details["other"]) == (SurveyProblem.DUPLICATE, "questions[1]")


@pytest.mark.parametrize("bad", ["Duong", "đường", "a-b", "", "x" * 17, "a b"])
def test_bad_question_id(bad: str) -> None:
    e = reject(lambda d: d["questions"][0].update(id=bad))
    assert e.field == "questions[1].id"


@pytest.mark.parametrize("bad", ["NTM", "ntm_2026", "", "x" * 41, "ntm\n"])
def test_bad_survey_id(bad: str) -> None:
    assert reject(lambda d: d.update(id=bad)).field == "id"


def test_unknown_key_suggests_the_right_one() -> None:
    e = reject(lambda d: d["questions"][0].update(criteria_2025=[2]))
    assert e.field == "questions[1].criteria_2025"
    assert shown(e).endswith("; có phải là «criteria_2026»?)")


def test_unknown_top_level_key() -> None:
    assert reject(lambda d: d.update(version=2)).field == "version"


def test_unknown_choice_key() -> None:
    e = reject(lambda d: d["questions"][1]["choices"][0].update(value=1))
    assert e.field == "questions[2].choices[1].value"


@pytest.mark.parametrize("key", ["id", "title", "description", "questions"])
def test_missing_top_level_key(key: str) -> None:
    e = reject(lambda d: d.pop(key))
    assert (e.field, e.problem) == (key, SurveyProblem.MISSING_KEY)
    assert shown(e).endswith(f"{key}: thiếu khóa bắt buộc")


@pytest.mark.parametrize("key", ["id", "kind", "text"])
def test_missing_question_key(key: str) -> None:
    assert reject(lambda d: d["questions"][0].pop(key)).field == f"questions[1].{key}"


def test_scored_question_needs_criteria() -> None:
    e = reject(lambda d: d["questions"][0].pop("criteria_2021"))
    assert e.field == "questions[1].criteria_2021"
    e = reject(lambda d: d["questions"][0].update(criteria_2026=[]))
    assert e.field == "questions[1].criteria_2026"


def test_no_overall_question() -> None:
    e = reject(
        lambda d: d["questions"][2].update(overall=False, criteria_2026=[1], criteria_2021=[1])
    )
    assert (e.field, e.problem) == ("questions", SurveyProblem.NO_OVERALL)
    assert "overall = true" in shown(e)


def test_two_overall_questions() -> None:
    def change(d: dict[str, Any]) -> None:
        d["questions"][3].update(kind="yesno", overall=True)

    e = reject(change)
    assert e.field == "questions[4].overall"
    assert shown(e).endswith("(đã có questions[3])")


def test_overall_question_must_be_yesno() -> None:
    e = reject(lambda d: d["questions"][2].update(kind="scale"))
    assert (e.field, e.problem) == ("questions[3].overall", SurveyProblem.OVERALL_NOT_YESNO)
    assert shown(e).endswith("(câu này là «scale»)")


def test_choices_on_a_scale_question() -> None:
    e = reject(lambda d: d["questions"][0].update(choices=[{"code": "a", "label": "A"}]))
    assert e.field == "questions[1].choices"


def test_choice_question_needs_choices() -> None:
    assert reject(lambda d: d["questions"][1].pop("choices")).field == "questions[2].choices"


def test_too_few_choices() -> None:
    e = reject(lambda d: d["questions"][1]["choices"].pop())
    assert e.field == "questions[2].choices"


def test_too_many_choices() -> None:
    many = [{"code": f"c{i}", "label": f"Lựa chọn {i}"} for i in range(9)]
    assert reject(lambda d: d["questions"][1].update(choices=many)).field == "questions[2].choices"


def test_duplicate_choice_code() -> None:
    e = reject(lambda d: d["questions"][1]["choices"][1].update(code="cho"))
    assert e.field == "questions[2].choices[2].code"


def test_choice_label_too_long() -> None:
    e = reject(lambda d: d["questions"][1]["choices"][0].update(label="x" * 41))
    assert e.field == "questions[2].choices[1].label"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("criteria_2026", [11]),
        ("criteria_2026", [0]),
        ("criteria_2021", [20]),
        ("criteria_2021", [-1]),
    ],
)
def test_criteria_out_of_range(key: str, value: list[int]) -> None:
    e = reject(lambda d: d["questions"][0].update({key: value}))
    assert (e.field, e.problem) == (f"questions[1].{key}", SurveyProblem.CRITERION_RANGE)
    assert "từ 1 đến" in shown(e)


def test_repeated_criterion() -> None:
    e = reject(lambda d: d["questions"][0].update(criteria_2021=[2, 2]))
    assert e.field == "questions[1].criteria_2021"


def test_empty_questions() -> None:
    e = reject(lambda d: d.update(questions=[]))
    assert (e.field, e.problem) == ("questions", SurveyProblem.QUESTION_COUNT)
    assert shown(e).endswith("(nhận được 0)")


def test_too_many_questions() -> None:
    def change(d: dict[str, Any]) -> None:
        extra = d["questions"][0]
        d["questions"] += [{**extra, "id": f"q{i}"} for i in range(37)]

    assert reject(change).field == "questions"


def test_questions_must_be_tables() -> None:
    assert reject(lambda d: d.update(questions="duong")).field == "questions"
    with pytest.raises(SurveyFileError) as info:
        parse_survey(VALID_TOML.replace("[[questions]]", "[questions]", 1).split("[[")[0], "t")
    assert info.value.field == "questions"


def test_blank_and_long_text() -> None:
    assert reject(lambda d: d["questions"][0].update(text="   ")).field == "questions[1].text"
    e = reject(lambda d: d["questions"][0].update(text="x" * 601))
    assert e.field == "questions[1].text"
    assert reject(lambda d: d.update(description="")).field == "description"


def test_not_a_table() -> None:
    with pytest.raises(SurveyFileError):
        survey_from_dict([], source="t")  # type: ignore[arg-type]


def test_every_survey_problem_has_its_own_text() -> None:
    """Each code has a Vietnamese explanation in cli_survey_error.txt (no fallback to the code)."""
    got = {"type": "int", "value": 3}
    details = {
        "error": "E", "position": 1, "message": "m", "column": 1, "at_end": False,
        "expected": "x", "value": "v", "got": got, "most": 9, "count": 0, "other": "q[1]",
        "kinds": "a, b", "kind": "scale", "highest": 10, "least": 2, "allowed": "id",
        "hint": "", "rule": "survey_id", "length": 10,
    }  # fmt: skip
    texts = {
        render("cli_survey_error.txt", where="f", field="", problem=p.value, details=details)
        for p in SurveyProblem
    }
    assert len(texts) == len(SurveyProblem)
    assert not any(t.rstrip().endswith(p.value) for t in texts for p in SurveyProblem)
