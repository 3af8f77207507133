"""In-process front: a PTB ``BaseRequest`` that answers from the sandbox core.

PTB builds the full request (URL, ``RequestData``, timeouts) and parses our bytes
with its own error mapping, so everything above the socket (``Bot``, ``Application``,
``RetryAfter``/``Forbidden``/``BadRequest`` mapping) is the real code path.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.sandbox.errors import SandboxNetworkError
from bot.sandbox.store import UploadedFile

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput
    from telegram.ext import Application

    from bot.sandbox.core import Sandbox


def split_api_url(url: str) -> tuple[str | None, str]:
    """``…/bot<token>/<method>`` → ``(token, method)``; token is None if not recognisable."""
    head, _, method = url.rpartition("/")
    segment = head.rpartition("/")[2]
    token = segment.removeprefix("bot") if segment.startswith("bot") else None
    return token, method.split("?", 1)[0]


def _upload(field: tuple[Any, ...]) -> UploadedFile:
    filename, content, mime_type = field[0], field[1], field[2]
    if hasattr(content, "read"):  # PTB >= 21.5 may hand over an open file
        content = content.read()
    data = content.encode() if isinstance(content, str) else bytes(content)
    return UploadedFile.from_field(filename, data, mime_type)


class SandboxRequest(BaseRequest):
    """Answers PTB's requests from a :class:`Sandbox`, with no sockets involved.

    ``read_timeout`` is honoured like HTTPXRequest does (``TimedOut`` when the core takes
    longer), which matters for getUpdates long polls.
    """

    __slots__ = ("_closed", "_read_timeout", "sandbox")

    def __init__(self, sandbox: Sandbox, read_timeout: float | None = 5.0) -> None:
        self.sandbox = sandbox
        self._read_timeout = read_timeout
        self._closed = False

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout, added by PTB to getUpdates' long-poll timeout."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open; re-opens after :meth:`shutdown` so an app can restart."""
        self._closed = False

    async def shutdown(self) -> None:
        """Refuse further requests, as a closed HTTP client would."""
        self._closed = True

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route one Bot API call to the core and encode its answer like Telegram."""
        if self._closed:
            raise RuntimeError("This SandboxRequest is not initialized!")
        token, api_method = split_api_url(url)
        if token is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return 404, json.dumps(body).encode()
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if request_data is not None:
            params = json.loads(json.dumps(request_data.parameters, default=str))
            if request_data.contains_files:
                files = {k: _upload(v) for k, v in request_data.multipart_data.items()}
        timeout = _timeout(read_timeout, self._read_timeout)
        try:
            async with asyncio.timeout(timeout):
                status, body = await self.sandbox.call(api_method, params, files, token=token)
        except TimeoutError as exc:
            raise TimedOut(f"sandbox: {api_method} took longer than {timeout}s") from exc
        except SandboxNetworkError as exc:
            raise NetworkError(f"sandbox: injected network failure in {api_method}") from exc
        return status, json.dumps(body).encode()


def _timeout(given: object, default: float | None) -> float | None:
    """PTB passes a number, None (no limit) or a DefaultValue sentinel (use ours)."""
    if given is None:
        return None
    if isinstance(given, int | float) and not isinstance(given, bool):
        return float(given)
    return default


async def process_pending(sandbox: Sandbox, app: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Feed queued updates to ``app.process_update`` in order until none are left.

    Returns how many were processed.  Handlers that send more messages never create
    updates, so this terminates; non-blocking handlers need ``sandbox.wait_for``.
    """
    count = 0
    while updates := sandbox.take_updates():
        for raw in updates:
            await app.process_update(Update.de_json(raw, app.bot))
            count += 1
    return count
