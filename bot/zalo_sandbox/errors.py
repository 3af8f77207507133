"""Zalo's error answers: HTTP 200 with ``{"error": <code>, "message": ...}``, never a status.

The codes the sandbox uses, with the strength of the evidence for each (see zalo.md). The
client keeps its own list: the two are written separately, so a wrong code in one shows up
as a failing test instead of agreeing with itself.
"""

from __future__ import annotations

from typing import Any

INVALID_PARAMS = -201  # a missing or malformed field
EXCEEDS_LIMIT = -210  # text over 2,000 characters, too many buttons, a file too big
QUOTA_EXHAUSTED = -211  # the OA's quota of proactive messages is used up [S]
NOT_FOLLOWER = -213  # the user unfollowed the OA (or never followed it)
TOKEN_INVALID = -216  # the access token is unknown or expired [C]
OUTSIDE_WINDOW = -230  # no interaction in the past 7 days (zalo.md writes 230; the API sends -230)
INVALID_REFRESH = -14014  # OAuth: the refresh token is unknown, expired or already used
INVALID_APP = -14002  # OAuth: wrong app_id or secret_key
NOT_IMPLEMENTED = -9999  # the sandbox's own: an endpoint or option it does not fake


class ZaloError(Exception):
    """One error answer; raised from any depth of the sandbox, turned into JSON by the front."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class SandboxDown(Exception):
    """The sandbox is down (injected): the connection is dropped without an answer."""
