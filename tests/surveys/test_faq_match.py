"""The matcher on its own: folding, typos, word order, abbreviations, and an accuracy floor."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from surveys.faq_content import load_dir
from surveys.faq_match import MatchConfidence, Matcher
from surveys.faq_terms import terms

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_dir(DATA / "faq")[1])


def test_folding_includes_d_stroke_and_respelling() -> None:
    assert (
        terms("ĐĂNG KÝ Định Danh") == terms("dang ki dinh danh") == ["dang", "ki", "dinh", "danh"]
    )


def test_abbreviations_expand() -> None:
    assert terms("cccd") == ["can", "cuoc"]
    assert terms("bhyt cho tre") == ["bao", "hiem", "y", "te", "cho", "tre"]
    assert terms("làm giấy khai sinh") == ["dang", "ki", "khai", "sinh"]
    assert terms("đăng ký hộ khẩu") == ["dang", "ki", "thuong", "tru"]
    assert terms("VN-eID dichvucong.gov.vn") == ["vneid", "dich", "vu", "cong", "gov", "vn"]
    assert terms("dvc ntm htx") == ["dich", "vu", "cong", "nong", "thon", "moi", "hop", "tac", "xa"]


def test_what_the_question_asks_is_one_word() -> None:
    """'là gì' / 'để làm gì' / 'ở đâu' separate "VNeID là gì" from "làm VNeID ở đâu"."""
    assert terms("vneid là gì") == terms("vneid nghĩa là gì") == ["vneid", "hoi_la_gi"]
    assert terms("vneid la chi") == ["vneid", "hoi_la_gi"]  # central speech
    assert terms("vneid de lam gi") == ["vneid", "hoi_de_lam_gi"]
    assert terms("làm mức 2 ở đâu") == ["lam", "muc", "2", "hoi_o_dau"]
    assert "hoi_o_dau" not in terms("mức 1 mức 2 khác nhau chỗ nào")


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        ("kahi", ("khai",)),
        ("dnag", ("dang",)),
        ("postmrat", ("postmart",)),
        ("pohstmaat", ("postmart",)),  # two edits in a long word
        ("khaisinh", ("khai", "sinh")),
        ("mta", ("mat",)),  # two swapped letters in a short word
    ],
)
def test_typos_are_corrected_to_faq_words(matcher, typed, fixed) -> None:
    assert matcher.correct(typed) == fixed


def test_short_words_are_not_guessed(matcher) -> None:
    assert matcher.correct("noi") == ()  # "nội" is not "mới"


def test_word_order_does_not_matter(matcher) -> None:
    a = matcher.match("quen mat khau vneid")
    b = matcher.match("vneid mat khau quen")
    assert a.verdict is b.verdict is MatchConfidence.CONFIDENT
    assert a.best.entry_id == b.best.entry_id == "vneid-quen-mat-khau"


def test_nothing_meaningful(matcher) -> None:
    for text in ("", "   ", "😀😀", "?!.,", "ạ", "là gì", "ở đâu ạ"):  # what is asked, no topic
        assert not matcher.match(text).meaningful


def test_out_of_scope_gets_no_confident_answer(matcher) -> None:
    assert matcher.match("giá lúa hôm nay bao nhiêu").verdict is MatchConfidence.NONE


def test_accuracy_floor_on_fixture_eval(matcher) -> None:
    """A regression of the kept method fails here (measured: top-1 96.2%, refused 100%)."""
    queries = tomllib.loads((DATA / "faq_fixture_eval.toml").read_text(encoding="utf-8"))["query"]
    inside = [q for q in queries if q["expect"]]
    outside = [q for q in queries if not q["expect"]]
    top1 = sum(
        (m := matcher.match(q["text"])).best is not None
        and m.verdict is not MatchConfidence.NONE
        and m.best.entry_id == q["expect"]
        for q in inside
    )
    refused = sum(
        matcher.match(q["text"]).verdict is not MatchConfidence.CONFIDENT for q in outside
    )
    assert top1 / len(inside) >= 0.95
    assert refused / len(outside) >= 0.95


# (file, top-1 floor, refusal floor, plain floor), each a little below what benchmarks/faq.py
# measured. "plain": out-of-scope questions given neither an answer nor "did you mean" (issue 16).
# faq_eval.toml: 92.3% / 100% / 90.4% (before issue 16: 92.8% / 96.2% / 51.9%);
# faq_fresh.toml, written blind to the content: 91.8% / 100% / 86.7% (before: 93.6% / 90% / 46.7%);
# faq_oos_dev.toml, out-of-scope questions written before tuning and tuned on: 98.4% / 91.9%;
# faq_oos_heldout.toml, written blind by the lead and measured once after tuning: 100% / 89.2%
# (before: 96.9% / 56.9%). Not to be tuned on.
FLOORS = [
    ("faq_eval.toml", 0.90, 0.95, 0.85),
    ("faq_fresh.toml", 0.90, 0.95, 0.80),
    ("faq_oos_dev.toml", None, 0.95, 0.88),
    ("faq_oos_heldout.toml", None, 0.95, 0.85),
]


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    from surveys.faq_content import package_dir

    return Matcher(load_dir(package_dir())[1])


@pytest.mark.parametrize(("name", "top1_floor", "refused_floor", "plain_floor"), FLOORS)
def test_accuracy_floor_on_shipped_faq(
    shipped: Matcher,
    name: str,
    top1_floor: float | None,
    refused_floor: float,
    plain_floor: float,
) -> None:
    """The real evaluation sets against the shipped FAQ: a regression of the matcher fails here."""
    queries = tomllib.loads((DATA / name).read_text(encoding="utf-8"))["query"]
    inside = [q for q in queries if q["expect"]]
    outside = [shipped.match(q["text"]) for q in queries if not q["expect"]]
    if top1_floor is not None:
        top1 = sum(
            (m := shipped.match(q["text"])).verdict is not MatchConfidence.NONE
            and m.best is not None
            and m.best.entry_id == q["expect"]
            for q in inside
        )
        assert top1 / len(inside) >= top1_floor
    refused = sum(m.verdict is not MatchConfidence.CONFIDENT for m in outside)
    plain = sum(m.verdict is MatchConfidence.NONE and not m.candidates for m in outside)
    assert refused / len(outside) >= refused_floor
    assert plain / len(outside) >= plain_floor


def test_numbers_are_not_corrected(matcher) -> None:
    assert matcher.correct("2025") == ()


def test_shorthand_synonyms_and_compounds() -> None:
    from surveys.faq_match import pairs

    assert terms("ko nhớ mk, sdt đổi rồi") == terms("không nhớ mật khẩu, số điện thoại đổi rồi")
    assert terms("nộp hồ sơ trực tuyến") == terms("nop ho so qua mang") == terms("nop hs onl")
    assert terms("chứng minh thư") == terms("cmnd")
    assert terms("xe máy") == ["xemay"]  # a motorbike is not a phone ("máy")
    assert pairs(["khai", "sinh", "tre"]) == ["khai sinh", "sinh tre"]


def test_shipped_faq_keeps_a_motorbike_apart_from_a_phone() -> None:
    from surveys.faq_content import package_dir

    shipped = Matcher(load_dir(package_dir())[1])
    assert shipped.match("mua xe máy trả góp ở đâu").verdict is MatchConfidence.NONE
    changed = shipped.match("máy hỏng rồi đổi máy khác thì vneid thế nào")
    assert changed.verdict is MatchConfidence.CONFIDENT and changed.best.entry_id == "vneid-doi-may"


def test_real_syllables_are_not_corrected_by_a_changed_letter(shipped) -> None:
    """Folded, "bụng" is one letter from "dùng": a real syllable was typed as meant."""
    from surveys.faq_syllables import is_syllable

    assert [is_syllable(t) for t in ("bung", "quyen", "nghieng", "kahi", "dnag", "vneid")] == [
        True, True, True, False, False, False,
    ]  # fmt: skip
    assert shipped.correct("bung") == ()
    assert shipped.correct("bong") == ()  # "bóng" is not "công"
    assert shipped.correct("khua") == ("khau",)  # two swapped letters still are a slip
    assert shipped.correct("kahi") == ("khai",)


def test_a_word_typed_with_other_diacritics_is_another_word() -> None:
    from surveys.faq_tones import ToneVocabulary

    vocabulary = ToneVocabulary(["Chữ ký số miễn phí không?", "Sổ sức khỏe điện tử"])
    assert vocabulary.foreign("xổ số miền nam") == {"mien"}
    assert vocabulary.foreign("số bão") == set()  # "bão": a word the FAQ does not write at all
    assert vocabulary.foreign("sức khoẻ, chữ kí số") == set()  # both tone placements, ý/í
    assert vocabulary.foreign("so mien") == set()  # unmarked: folding decides
    assert vocabulary.foreign("sô") == set()  # no tone typed: any tone of "sô" is the FAQ's


@pytest.mark.parametrize(
    "text",
    [
        "de ve bao nhieu hom qua",  # only "qua", a syllable of four words once folded
        "kết quả xổ số đài vĩnh long",  # "kết quả" is a small part of the question
        "thời tiết tuần này có bão không",  # "bão" is not the FAQ's "bao"
        "xổ số miền nam",  # typed "miền": not the "miễn" of "chữ ký số miễn phí"
    ],
)
def test_out_of_domain_gets_neither_answer_nor_suggestion(shipped, text) -> None:
    match = shipped.match(text)
    assert match.verdict is MatchConfidence.NONE and match.candidates == ()
    assert match.meaningful


def test_suggestions_share_a_real_term_with_the_question(shipped) -> None:
    """ "Did you mean" lists only entries that share a real term, never the best-scoring rest."""
    match = shipped.match("dang ky vneid")
    assert match.verdict is MatchConfidence.UNSURE
    assert len(match.candidates) >= 2
    assert all(c.entry_id.startswith(("vneid-", "dvc-", "kyso-")) for c in match.candidates)
