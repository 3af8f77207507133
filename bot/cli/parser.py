"""argparse with its error messages in Vietnamese.

argparse builds an English sentence before it calls `error()`; the sentence is matched against
argparse's own message formats and said again from a template (the help text stays as it is).
A message of a kind not listed here is still shown, after a Vietnamese lead-in.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

from bot.cli.support import BAD_INPUT
from handlers.views.texts import render

_VALUE = r"(?P<q>['\"])(?P<value>.*)(?P=q)"
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("required", re.compile(r"the following arguments are required: (?P<names>.+)")),
    ("one_required", re.compile(r"one of the arguments (?P<names>.+) is required")),
    ("unrecognized", re.compile(r"unrecognized arguments: (?P<value>.+)")),
    ("choice", re.compile(rf"invalid choice: {_VALUE} \(choose from (?P<choices>.*)\)")),
    ("type", re.compile(rf"invalid (?P<type>[\w.]+) value: {_VALUE}")),
    ("expected", re.compile(r"expected (?P<count>.+?) arguments?")),
    ("not_allowed", re.compile(r"not allowed with argument (?P<other>.+)")),
    ("ambiguous", re.compile(r"ambiguous option: (?P<value>\S+) could match (?P<choices>.+)")),
    ("explicit", re.compile(rf"ignored explicit argument {_VALUE}")),
]
_ARGUMENT = re.compile(r"argument (?P<argument>.+?): (?P<rest>.+)", re.DOTALL)


def explain(message: str) -> dict[str, str]:
    """The kind of an argparse error message and its parts (argument, value, choices...)."""
    parts: dict[str, str] = {"argument": "", "message": message}
    found = _ARGUMENT.fullmatch(message)
    rest = message
    if found:
        parts["argument"], rest = found["argument"], found["rest"]
    for kind, pattern in _KINDS:
        match = pattern.fullmatch(rest)
        if match:
            groups = {k: v for k, v in match.groupdict().items() if v is not None and k != "q"}
            if "choices" in groups:
                groups["choices"] = groups["choices"].replace("'", "")
            return parts | groups | {"kind": kind}
    return parts | {"kind": "other"}


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are Vietnamese; sub-parsers are made of the same class."""

    def error(self, message: str) -> NoReturn:
        usage = self.format_usage().removeprefix("usage: ").strip()
        print(render("cli_usage_error.txt", usage=usage, **explain(message)), file=sys.stderr)
        sys.exit(BAD_INPUT)
