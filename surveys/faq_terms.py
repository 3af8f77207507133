"""From what a resident types to comparable terms: folding, spelling variants, abbreviations.

Every FAQ method (the kept matcher and the ones the benchmark compares) reads text through
`terms`, so they differ only in how they rank.
"""

from __future__ import annotations

import re

from surveys.text import fold

INTENT_PREFIX = "hoi_"  # words standing for what a question asks ("là gì" -> hoi_la_gi)
MAX_CHARS = 600  # a rambling 4,000-character message is read up to here
_TOKEN = re.compile(r"[a-z0-9]+")
# "ky"/"ki", "ly"/"li", "my"/"mi": both spellings are correct Vietnamese, so both become "i".
_Y_AFTER_CONSONANT = re.compile(r"^([bcdghklmnpqrstvx]+)y\Z")

# Folded abbreviations and everyday wording -> the words the FAQ uses. Longest phrase wins.
ABBREVIATIONS: dict[str, str] = {
    "cccd": "can cuoc",
    "can cuoc cong dan": "can cuoc",
    "cmnd": "can cuoc chung minh",
    "cmt": "can cuoc chung minh",
    "dvc": "dich vu cong",
    "dichvucong": "dich vu cong",
    "vn eid": "vneid",
    "vnid": "vneid",
    "gks": "khai sinh",
    "ssk": "so suc khoe",
    "dvcqg": "dich vu cong quoc gia",
    "bhyt": "bao hiem y te",
    "bhxh": "bao hiem xa hoi",
    "ntm": "nong thon moi",
    "htx": "hop tac xa",
    "ocop": "ocop mot xa mot san pham",
    "tthc": "thu tuc hanh chinh",
    "ubnd": "uy ban xa",
    "cks": "chu ki so",
    "mm": "mobile money",
    "momo": "vi dien tu",
    "giay khai sinh": "khai sinh",
    "lam giay khai sinh": "dang ki khai sinh",
    "lam khai sinh": "dang ki khai sinh",
    "ho khau": "thuong tru",
    "nhap khau": "dang ki thuong tru",
    "dang ki ho khau": "dang ki thuong tru",
    "lam ho khau": "dang ki thuong tru",
    "dk": "dang ki",
    "dki": "dang ki",
    "dky": "dang ki",
    "mk": "mat khau",
    "pass": "mat khau",
    "password": "mat khau",
    "sdt": "so dien thoai",
    "dt": "dien thoai",
    "tk": "tai khoan",
    "acc": "tai khoan",
    "account": "tai khoan",
    "app": "ung dung",
    "hs": "ho so",
    "lv1": "muc 1",
    "lv2": "muc 2",
    "lvl1": "muc 1",
    "lvl2": "muc 2",
    "level 1": "muc 1",
    "level 2": "muc 2",
    "cap 1": "muc 1",
    "cap 2": "muc 2",
    "muc mot": "muc 1",
    "muc hai": "muc 2",
    "cap mot": "muc 1",
    "cap hai": "muc 2",
    "muc1": "muc 1",
    "muc2": "muc 2",
    "ca xa": "cong an xa",
    "ko": "khong",
    "k": "khong",
    "kg": "khong",
    "khg": "khong",
    "hok": "khong",
    "hong": "khong",
    "dc": "duoc",
    "j": "gi",
    "ji": "gi",
    "ntn": "nhu the nao",
    "bn": "hoi_bao_nhieu",
    "bnhieu": "hoi_bao_nhieu",
    "vs": "voi",
    "bik": "biet",
    "bit": "biet",
    "ck": "chuyen khoan",
    "ok": "",
    "oke": "",
    "chung minh thu": "can cuoc chung minh",
    "chung minh nhan dan": "can cuoc chung minh",
    "cmnd 9 so": "can cuoc chung minh",
    "gplx": "giay phep lai xe",
    "bang lai": "giay phep lai xe",
    "bang lai xe": "giay phep lai xe",
    "login": "dang nhap",
    "log in": "dang nhap",
    "signin": "dang nhap",
    "free": "mien phi",
    "y kien": "ykien",
    "chatbot": "ykien",
    "bot": "ykien",
    "vo so": "voso",
    "app dinh danh": "vneid",
    "ung dung dinh danh": "vneid",
    "tai khoan dinh danh dien tu": "tai khoan vneid",
    "nam sinh": "ngay sinh",
    "chuyen khau": "chuyen thuong tru",
    "chuyen ho khau": "chuyen thuong tru",
    "giu": "luu",
    "lam not": "lam tiep",
    # Everyday chat shorthand.
    "ng": "nguoi",
    "ngta": "nguoi ta",
    "cx": "cung",
    "mn": "moi nguoi",
    "mik": "minh",
    "mjk": "minh",
    "hum": "hom",
    "wa": "qua",
    "trc": "truoc",
    "tg": "thoi gian",
    "tgian": "thoi gian",
    "kq": "ket qua",
    "sp": "san pham",
    "onl": "online",
    "pw": "mat khau",
    "phone": "dien thoai",
    "smartphone": "dien thoai",
    "active": "kich hoat",
    "activate": "kich hoat",
    "lm": "lam",
    "vk": "vo",
    "stk": "so tai khoan",
    "bh": "bao hiem",
    "cmtnd": "can cuoc chung minh",
    "mat ma": "mat khau",
    "ma xac thuc": "ma otp",
    "ma xac nhan": "ma otp",
    "uy ban nhan dan": "uy ban",
    # Southern speech and brand names residents use for the same things.
    "sanh": "sinh",
    "viettel money": "mobile money viettel",
    "viettelpay": "mobile money viettel",
    "viettel pay": "mobile money viettel",
    "vnpt money": "mobile money vinaphone",
    "mobifone money": "mobile money mobifone",
    # One spelling for words with the same meaning (entries pass through the same table).
    "truc tuyen": "online",
    "qua mang": "online",
    "tren mang": "online",
    "thay doi": "doi",
    "dieu chinh": "sua",
    "the can cuoc": "can cuoc",
    "tre em": "tre",
    "em be": "tre",
    "be": "tre",
    "chet": "qua doi",
    "tu tran": "qua doi",
    # Compounds that are not what their syllables mean in the FAQ ("máy" is not a phone here).
    "xe may": "xemay",
    "so do": "sodo",
    "bien so": "bienso",
    "fb": "facebook",
    "zl": "zalo",
    "otp": "ma otp",
    "qr": "ma qr",
    "nhap hk": "dang ki thuong tru",
    "hk": "ho khau",
    "kt": "khai tu",
    "ks": "khai sinh",
    "bao gio": "hoi_bao_lau",
    "may ngay": "hoi_bao_lau",
    "bao lau": "hoi_bao_lau",
    "bao nhieu": "hoi_bao_nhieu",
    "le phi": "phi",
    "chi phi": "phi",
    "mat tien": "mat phi",
    # What the question asks for ("what is", "what for", "where") tells sibling entries apart
    # ("VNeID là gì" / "đăng ký VNeID ở đâu"), so it becomes one word the FAQ's phrasings share.
    "la gi": "hoi_la_gi",
    "la cai gi": "hoi_la_gi",
    "la sao": "hoi_la_gi",
    "nghia la gi": "hoi_la_gi",
    "viet tat la gi": "hoi_la_gi",
    "de lam gi": "hoi_de_lam_gi",
    "dung de lam gi": "hoi_de_lam_gi",
    "co tac dung gi": "hoi_de_lam_gi",
    "co ich gi": "hoi_de_lam_gi",
    "dung lam gi": "hoi_de_lam_gi",
    "dung vao viec gi": "hoi_de_lam_gi",
    "o dau": "hoi_o_dau",
    "di dau": "hoi_o_dau",
    # The same questions in central speech ("chi" = gì, "mô" = đâu).
    "la chi": "hoi_la_gi",
    "de lam chi": "hoi_de_lam_gi",
    "o mo": "hoi_o_dau",
}

# Words that carry no topic: they weigh nothing when scoring (greetings, question words).
_STOPWORDS = """a ad ah anh ba bac be bi cac cach cho chi co con cua da day de den di do
    duoc em gi giup gium ha hay hoi huong khi khong la lam len ma minh muon nao nay ne nhe nhi
    nhu nhung o oi ong phai ra roi sao se thi thay toi tren va van ve vay voi xin
    nha nhe a u uh vang da cam on chao xin hello hi alo cai nhi dum ay kia lai gio xong
    hom thanks thank tks"""
STOPWORDS = frozenset(_STOPWORDS.split())

_ABBR_MAX = max(len(k.split()) for k in ABBREVIATIONS)


def _respell(token: str) -> str:
    return _Y_AFTER_CONSONANT.sub(r"\1i", token)


def raw_tokens(text: str) -> list[str]:
    """Folded word tokens with spelling variants unified; no abbreviation expansion yet."""
    return [_respell(t) for t in _TOKEN.findall(fold(text[:MAX_CHARS]))]


def expand(tokens: list[str]) -> list[str]:
    """Replaces known abbreviations and phrasings (longest first) by the FAQ's words."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(_ABBR_MAX, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + n])
            if phrase in ABBREVIATIONS:
                out.extend(ABBREVIATIONS[phrase].split())
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def terms(text: str) -> list[str]:
    """The comparable words of a text: folded, respelled, abbreviations expanded."""
    return expand(raw_tokens(text))


def content_terms(text: str) -> list[str]:
    """terms() without the stopwords (what a keyword engine should search for)."""
    return [t for t in terms(text) if t not in STOPWORDS]
