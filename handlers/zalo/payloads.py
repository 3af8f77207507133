"""The payloads of ykien's Zalo buttons (``yk:``), built and parsed strictly.

A pressed ``oa.query.hide`` button comes back as the user's own text, so a payload is as
untrusted as Telegram callback data: `parse` accepts only these shapes (fullmatch, at most 64
bytes, numbers in range) and the domain then checks each against the database and the presser.
  yk:go                      start the open round, or show the question it stopped at
  yk:a:<response>:<q>:<val>  answer question index q with a button value
  yk:s:<response>:<q>        skip an optional question (the comment)
  yk:ok:<response>           done with the review: the thank-you
  yk:v:<village>             the resident's village
  yk:fp:<ask>:<entry>        the FAQ candidate the resident meant
  yk:fy:<ask> / yk:fn:<ask>  the FAQ answer helped / did not
  yk:fh:<ask>                send the question to the commune's staff
  yk:d:yes / yk:d:no         erase the identity / keep it
and one that no button carries: yk:c:<response>:<question id>, what a typed comment was taken
to answer, recorded on its inbox row (surveys.zalo_inbox.resolve) and read only from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.zalo.buttons import MAX_PAYLOAD, PREFIX

_MAX_ID = 2**53
_ID = r"(\d{1,15})"
_PATTERNS = {
    "go": re.compile(r"yk:go"),
    "a": re.compile(rf"yk:a:{_ID}:(\d{{1,2}}):([a-z0-9]{{1,8}})"),
    "s": re.compile(rf"yk:s:{_ID}:(\d{{1,2}})"),
    "ok": re.compile(rf"yk:ok:{_ID}"),
    "v": re.compile(r"yk:v:(\d{1,12})"),
    "fp": re.compile(rf"yk:fp:{_ID}:([a-z0-9-]{{3,40}})"),
    "fy": re.compile(rf"yk:fy:{_ID}"),
    "fn": re.compile(rf"yk:fn:{_ID}"),
    "fh": re.compile(rf"yk:fh:{_ID}"),
    "d": re.compile(r"yk:d:(yes|no)"),
    "c": re.compile(rf"yk:c:{_ID}:([a-z0-9_]{{1,40}})"),
}
_NUMBERS = {"a": 2, "s": 2, "ok": 1, "v": 1, "fp": 1, "fy": 1, "fn": 1, "fh": 1, "c": 1}


@dataclass(frozen=True)
class Press:
    kind: str  # a key of _PATTERNS
    ids: tuple[int, ...] = ()
    value: str = ""  # an answer's value, an FAQ entry id, yes/no


def kind_of(payload: str) -> str:
    """The payload's kind ("a" of "yk:a:12:3:4"), the router's key; "" when not ours."""
    if not payload.startswith(PREFIX):
        return ""
    return payload[len(PREFIX) :].split(":", 1)[0]


def parse(payload: str) -> Press | None:
    """The press a payload encodes, or None for anything malformed (forged, too long)."""
    if len(payload.encode()) > MAX_PAYLOAD:
        return None
    kind = kind_of(payload)
    pattern = _PATTERNS.get(kind)
    match = pattern.fullmatch(payload) if pattern else None
    if match is None:
        return None
    groups = match.groups()
    count = _NUMBERS.get(kind, 0)
    ids = tuple(int(g) for g in groups[:count])
    if any(i >= _MAX_ID for i in ids):
        return None
    rest = groups[count:]
    return Press(kind, ids, rest[0] if rest else "")


def kinds() -> list[str]:
    return list(_PATTERNS)


def start() -> str:
    return "yk:go"


def answer(response_id: int, index: int, value: str) -> str:
    return f"yk:a:{response_id}:{index}:{value}"


def skip(response_id: int, index: int) -> str:
    return f"yk:s:{response_id}:{index}"


def done(response_id: int) -> str:
    return f"yk:ok:{response_id}"


def village(village_id: int) -> str:
    return f"yk:v:{village_id}"


def faq_pick(ask_id: int, entry_id: str) -> str:
    return f"yk:fp:{ask_id}:{entry_id}"


def faq_feedback(ask_id: int, *, helpful: bool) -> str:
    return f"yk:{'fy' if helpful else 'fn'}:{ask_id}"


def faq_hand_off(ask_id: int) -> str:
    return f"yk:fh:{ask_id}"


def comment_target(response_id: int, question_id: str) -> str:
    return f"yk:c:{response_id}:{question_id}"


def delete(confirm: bool) -> str:
    return f"yk:d:{'yes' if confirm else 'no'}"
