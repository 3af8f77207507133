"""Bearer secrets (invitation links, dashboard sign-in links and sessions, e-sheet browser
cookies) are kept only as their SHA-256: a copy of the database grants nobody access."""

from __future__ import annotations

import hashlib


def stored(secret: str) -> str:
    """What the database keeps of a bearer secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
