"""Name → implementation table of the Bot API methods the sandbox knows.

Method modules register themselves here so the core can dispatch without importing
them by name, and so an unregistered method is, by construction, a loud 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sandbox.core import Sandbox
    from bot.sandbox.params import Params

MethodFn = Callable[["Sandbox", "Params"], Any]  # may return an awaitable


@dataclass(frozen=True)
class MethodSpec:
    """A registered method with its canonical camelCase name."""

    name: str
    fn: MethodFn


METHODS: dict[str, MethodSpec] = {}


def api_method(name: str) -> Callable[[MethodFn], MethodFn]:
    """Register ``fn`` as the implementation of Bot API method ``name``."""

    def register(fn: MethodFn) -> MethodFn:
        METHODS[name.lower()] = MethodSpec(name, fn)
        return fn

    return register


def lookup(name: str) -> MethodSpec | None:
    """Find a method; Telegram matches method names case-insensitively."""
    return METHODS.get(name.lower())
