"""Numbers in a resident's text that identify a person: flagged before staff publish it.

Vietnamese ID numbers are 12 digits (CCCD, căn cước) or 9 (old CMND); mobile numbers are 10
digits from 0 (or +84 and 9 digits), often typed in groups. A run of digits with spaces, dots or
dashes between them is read as one number.
"""

from __future__ import annotations

import re

_RUN = re.compile(r"\+?\d(?:[\s.\-]?\d)+")
_PHONE = re.compile(r"(?:\+?84|0)\d{9}")


def flags(text: str) -> list[str]:
    """The ID-like and phone-like numbers in the text, as typed."""
    found = []
    for match in _RUN.finditer(text):
        raw = match.group()
        digits = re.sub(r"[\s.\-]", "", raw)
        if _PHONE.fullmatch(digits) or (digits.isdecimal() and len(digits) in (9, 12)):
            found.append(raw.strip())
    return found
