"""Errors the sandbox core raises; each front turns them into Bot API answers.

Keeping them as exceptions lets method code bail out from any depth with the exact
Telegram wording, while the fronts stay oblivious to which method failed and why.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class SandboxNetworkError(Exception):
    """An injected transport failure: no answer at all reaches the bot."""


def bad_request(detail: str) -> ApiError:
    """400 with Telegram's ``Bad Request: `` prefix, the most common failure."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """403 with Telegram's ``Forbidden: `` prefix (blocked bot, kicked, ...)."""
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 exactly as Telegram sends it; PTB turns it into ``RetryAfter``."""
    seconds = max(1, int(retry_after))
    return ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)


def chat_not_found() -> ApiError:
    """The answer for unknown or deleted chats."""
    return bad_request("chat not found")
