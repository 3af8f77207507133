"""A keyed pseudonym for a resident: the same person gets the same name in every log and
export of one deployment, and nobody without the key can link it back to a Telegram id."""

from __future__ import annotations

import hashlib
import hmac

LENGTH = 16  # hex characters (64 bits): short enough to read, far from colliding in a province


def pseudonym(key: str | bytes, user_id: int) -> str:
    """HMAC-SHA256(key, decimal Telegram id), hex, first LENGTH characters."""
    raw = key.encode() if isinstance(key, str) else key
    return hmac.new(raw, str(user_id).encode(), hashlib.sha256).hexdigest()[:LENGTH]
