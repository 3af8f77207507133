"""A stand-in for the Telegram Bot API, for tests and demos.

One in-memory core (:class:`Sandbox`: chats, messages, updates, simulated users,
failure injection) with two fronts that the real python-telegram-bot talks to:

* **in-process** — :class:`SandboxRequest` plugs into ``ApplicationBuilder.request()``;
  no sockets, updates are fed with ``take_updates()`` / :func:`process_pending`.
* **HTTP** — :class:`SandboxServer` serves ``/bot<token>/<method>`` on 127.0.0.1 for
  ``ApplicationBuilder.base_url(server.api_url)``, so polling, multipart uploads and
  connection failures go through PTB's real HTTP stack; it can also run as its own
  process (``python -m bot.sandbox``) with a small JSON control API under ``/sandbox/``.
"""

from bot.sandbox.clock import FakeClock
from bot.sandbox.core import Sandbox
from bot.sandbox.errors import ApiError, SandboxNetworkError
from bot.sandbox.http import SandboxServer, serve
from bot.sandbox.request import SandboxRequest, process_pending
from bot.sandbox.store import UploadedFile
from bot.sandbox.users import SimGroup, SimMessage, SimUser

__all__ = [
    "ApiError",
    "FakeClock",
    "Sandbox",
    "SandboxNetworkError",
    "SandboxRequest",
    "SandboxServer",
    "SimGroup",
    "SimMessage",
    "SimUser",
    "UploadedFile",
    "process_pending",
    "serve",
]
