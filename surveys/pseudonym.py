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


def voter_key(key: str | bytes, round_id: int, channel: str, address: int | str) -> str:
    """HMAC-SHA256(key, "voter:round:channel:address"), hex: one person's mark in one round.

    Kept on a response after its identity is erased, so the same address answering the same
    round again replaces it instead of counting twice; a different value in every round, and
    nothing without the key links it back to the address.
    """
    raw = key.encode() if isinstance(key, str) else key
    message = f"voter:{round_id}:{channel}:{address}".encode()
    return hmac.new(raw, message, hashlib.sha256).hexdigest()
