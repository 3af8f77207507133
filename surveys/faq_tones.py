"""Which words of a question were typed with diacritics the FAQ never writes them with.

Folding makes "bão" (a storm) the FAQ's "bao" (as in "bao lâu"), and "xổ số miền" the FAQ's "chữ
ký số miễn phí". A resident who types diacritics says which word is meant: a marked word whose
marks the FAQ never uses is a different word, however it folds. Words typed without marks stay
ambiguous and are left to folding. The two accepted tone placements ("khỏe"/"khoẻ") and ý/í
("ký"/"kí") compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from surveys.faq_terms import MAX_CHARS, raw_tokens
from surveys.text import fold

_WORD = re.compile(r"\w+")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_Y_AFTER_CONSONANT = re.compile(r"^([bcdđghklmnpqrstvx]+)y$")

Key = tuple[str, str]  # (the word without its tone, the tone mark or "")


def key(word: str) -> Key:
    """A marked word as letters (with ă â ê ô ơ ư đ) and tone, wherever the tone was placed."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    tone = "".join(ch for ch in decomposed if ch in _TONES)
    letters = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return _Y_AFTER_CONSONANT.sub(r"\1i", letters), tone


def _marked(word: str) -> bool:
    return fold(word) != word.casefold()


class ToneVocabulary:
    """The FAQ's marked words, to tell when a typed marked word is none of them."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._keys: dict[str, set[Key]] = {}
        for text in texts:
            for word in _WORD.findall(text):
                if _marked(word):
                    self._keys.setdefault(_folded(word), set()).add(key(word))

    def foreign(self, text: str) -> frozenset[str]:
        """Folded words of the text typed with marks the FAQ never gives them ("bão")."""
        out: set[str] = set()
        for word in _WORD.findall(text[:MAX_CHARS]):
            if not _marked(word):
                continue
            folded = _folded(word)
            known = self._keys.get(folded)
            if known is None:
                continue  # a word the FAQ writes only unmarked, or not at all: folding decides
            letters, tone = key(word)
            if not any(k[0] == letters and (not tone or k[1] == tone) for k in known):
                out.add(folded)
        return frozenset(out)


def _folded(word: str) -> str:
    found = raw_tokens(word)
    return found[0] if len(found) == 1 else fold(word)
