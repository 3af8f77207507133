"""A stand-in for the Zalo Official Account API, for tests, the demo and benchmarks.

A real aiohttp server on 127.0.0.1 (:class:`ZaloSandboxServer`) in front of one in-memory
OA (:class:`ZaloSandbox`): OAuth v4 refresh with single-use refresh tokens, access tokens
that expire (-216), consultation messages within the 7-day window (-230 outside) with the
8 free replies in 48 h, button templates, user detail, image upload; simulated users whose
follows, messages and button presses reach the bot as signed webhooks; faults on purpose.
A simulated person waits for the bot's reply with ``ZaloSandbox.wait_for`` (woken by each
message sent to them, no polling).
Its clock is injectable (``bot.sandbox.FakeClock`` works). Endpoints it does not fake answer
501 and are logged and listed in ``ZaloSandbox.unimplemented``.
"""

from bot.zalo_sandbox.core import ZaloSandbox
from bot.zalo_sandbox.errors import ZaloError
from bot.zalo_sandbox.events import SIGNATURE_HEADER, Event, signature
from bot.zalo_sandbox.http import ZaloSandboxServer
from bot.zalo_sandbox.state import Follower, SentMessage

__all__ = [
    "SIGNATURE_HEADER",
    "Event",
    "Follower",
    "SentMessage",
    "ZaloError",
    "ZaloSandbox",
    "ZaloSandboxServer",
    "signature",
]
