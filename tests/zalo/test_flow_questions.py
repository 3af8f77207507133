"""How a question travels on Zalo: its options in the text, buttons only where all fit in
five, and what a typed reply stands for (digits, a choice's place in the list, a label)."""

from __future__ import annotations

from handlers.zalo.buttons import MAX_BUTTONS
from handlers.zalo.payloads import parse
from handlers.zalo.questions import code_of, is_number, options
from surveys.model import Choice, Question, QuestionKind

SCALE = Question("duong", QuestionKind.SCALE, "Đường thôn?")
YESNO = Question("tong_the", QuestionKind.YESNO, "Nhìn chung?")
SEVEN = Question(
    "nguon",
    QuestionKind.CHOICE,
    "Ông/bà biết tin qua đâu?",
    choices=tuple(Choice(f"c{i}", f"Nguồn {i}") for i in range(1, 8)),
)


def test_scale_options_are_typed_digits_with_dont_know_as_zero() -> None:
    found = options(SCALE)
    assert [(o.typed, o.code) for o in found] == [(str(v), str(v)) for v in (1, 2, 3, 4, 5, 0)]
    assert len(found) > MAX_BUTTONS
    assert code_of(SCALE, " 4 ") == "4" and code_of(SCALE, "0") == "0"
    assert code_of(SCALE, "khong biet / khong su dung") == "0"
    assert code_of(SCALE, "7") is None and is_number("7")
    assert code_of(SCALE, "bốn") is None and not is_number("bốn") and not is_number("1234")


def test_yes_no_typed_as_digit_or_word() -> None:
    assert code_of(YESNO, "1") == "1" and code_of(YESNO, "Có") == "1"
    assert code_of(YESNO, "KHONG") == "0" and code_of(YESNO, "2") is None


def test_a_long_choice_list_is_answered_by_its_place() -> None:
    found = options(SEVEN)
    assert [o.typed for o in found] == ["1", "2", "3", "4", "5", "6", "7"]
    assert code_of(SEVEN, "6") == "c6" and code_of(SEVEN, "nguon 3") == "c3"
    assert code_of(SEVEN, "8") is None and code_of(SEVEN, "c6") is None


def test_payloads_parse_strictly() -> None:
    assert parse("yk:a:12:3:4") is not None
    press = parse("yk:a:12:3:4")
    assert press is not None and (press.kind, press.ids, press.value) == ("a", (12, 3), "4")
    fp = parse("yk:fp:5:vneid-quen-mat-khau")
    assert fp is not None and (fp.ids, fp.value) == ((5,), "vneid-quen-mat-khau")
    for bad in (
        "yk:a:12:3",
        "yk:a:12:3:4 ",
        "yk:A:12:3:4",
        "yk:a:9999999999999999:0:4",
        "yk:go:1",
        "yk:v:" + "1" * 13,
        "a:12:3:4",
        "yk:d:yes\n",
    ):
        assert parse(bad) is None, bad
