"""The web e-sheet's public links (YKIEN_WEB_URL): the commune's and each household's."""

from __future__ import annotations


def web_link(base: str, commune_code: int, code: str | None = None) -> str:
    """`<base>/x/<commune>`: pick the village and type the code; with a code, the link a
    household card's QR code carries (the code is the household's bearer secret)."""
    root = f"{base.rstrip('/')}/x/{commune_code}"
    return root if code is None else f"{root}/{code}"
