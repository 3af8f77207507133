"""Administrative units (after the 2025 reform) from the vietnam-provinces package."""

from __future__ import annotations

from collections.abc import Iterator

from vietnam_provinces import Province, Ward

from surveys.text import fold


def province_rows() -> Iterator[tuple[int, str, str]]:
    for p in Province.iter_all():
        yield int(p.code), p.name, p.division_type.value


def commune_rows() -> Iterator[tuple[int, int, str, str, str]]:
    for w in Ward.iter_all():
        yield int(w.code), int(w.province_code), w.name, fold(w.name), w.division_type.value
