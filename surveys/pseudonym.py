"""A keyed pseudonym for a resident: the same person gets the same name in every log and
export of one deployment, and nobody without the key can link it back to the person."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

LENGTH = 16  # hex characters (64 bits): short enough to read, far from colliding in a province


def pseudonym(key: str | bytes, user_id: int) -> str:
    """HMAC-SHA256(key, decimal id), hex, first LENGTH characters: a person id (exports,
    surveys.privacy) or a Telegram id (the log filter, which sees only the update)."""
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


def voter_keys(
    key: str | bytes, round_id: int, addresses: Iterable[tuple[str, int | str]]
) -> list[str]:
    """The person's marks in one round, one per address they can be reached at (paper sheets
    excluded: the household pick keeps them to one voice), in a fixed order.

    A person is one voice whichever channel they answer through: their response is one row,
    it carries the first of these keys, and a detached (erased) response with any of them is
    replaced when they answer the round again (storage.privacy.claim_round).
    """
    return sorted(
        voter_key(key, round_id, channel, address)
        for channel, address in addresses
        if channel != "paper"
    )
