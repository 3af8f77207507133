"""Text folding so that "tan uyen", "Tân Uyên" and "TÂN UYÊN" compare equal."""

from __future__ import annotations

import unicodedata

# đ/Đ are letters of their own in Unicode, not d plus a mark, so NFD leaves them alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower case, no diacritics, đ -> d, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def same_key(text: str) -> str:
    """NFC, case folded, single spaces: the key under which two spellings of one name (typed
    in another Unicode form, case or spacing) are the same. Diacritics stay, unlike `fold`:
    in Vietnamese "Nà" and "Na" are different words, and so can be different villages."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
