"""The routers' registries: each name (a button prefix, a payload kind, a keyword, a pending
step's state) is owned by one step of a channel's router; naming one twice is a wiring
mistake, refused when the router loads. Shared by every adapter, knowing none."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, what: str) -> None:
        self.what = what
        self._owners: dict[str, T] = {}

    def add(self, names: str | Iterable[str], owner: T) -> None:
        """Gives `owner` each name, or none of them when one is taken (or repeated)."""
        added = [names] if isinstance(names, str) else list(names)
        for name in added:
            if name in self._owners or added.count(name) > 1:
                raise ValueError(f"{self.what} {name!r} is registered twice")
        self._owners.update(dict.fromkeys(added, owner))

    def get(self, name: str) -> T | None:
        return self._owners.get(name)

    def names(self) -> list[str]:
        return list(self._owners)
