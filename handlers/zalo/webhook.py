"""The Zalo webhook: Zalo's signature is checked before the event is read, then it is queued.

``X-ZEvent-Signature: mac=<hex>``, hex = SHA-256 of app_id + raw body + timestamp + the OA
secret key (a plain hash, not an HMAC: zalo.md). The timestamp is read from the body, so the
body is decoded as JSON first, but nothing of it is used until the signature matched (compared
in constant time) and the body names our app. A bad or missing signature answers 403 and
queues nothing; a verified event is handed to ``accept`` (the database queue) and answered
200, within Zalo's 2 s: the work on it happens after.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web

from handlers.zalo.events import Ignored, MalformedEvent, ZaloEvent, parse

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_BODY = 64 * 1024  # a text event is well under 10 KB


class Rejection(StrEnum):
    UNSIGNED = "unsigned"  # no signature header, or not mac=<hex>
    NOT_JSON = "not_json"  # nothing a signature could be checked against
    BAD_SIGNATURE = "bad_signature"  # the hash does not match: forged, or another OA's secret
    OTHER_APP = "other_app"  # well signed, but for another app


@dataclass(frozen=True)
class WebhookKeys:
    app_id: str
    oa_secret: str = field(repr=False)


def verify(raw: bytes, header: str | None, keys: WebhookKeys) -> dict[str, Any] | Rejection:
    """The body, once its signature is Zalo's; else why it was refused."""
    if header is None or not header.startswith("mac="):
        return Rejection.UNSIGNED
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return Rejection.NOT_JSON
    if not isinstance(body, dict):
        return Rejection.NOT_JSON
    stamp = body.get("timestamp")
    stamp_bytes = str(stamp).encode() if isinstance(stamp, str | int) else b""
    digest = hashlib.sha256(
        keys.app_id.encode() + raw + stamp_bytes + keys.oa_secret.encode()
    ).hexdigest()
    if not hmac.compare_digest(digest.encode(), header[4:].strip().lower().encode()):
        return Rejection.BAD_SIGNATURE
    if str(body.get("app_id", "")) != keys.app_id:
        return Rejection.OTHER_APP
    return body


Accept = Callable[[ZaloEvent], Awaitable[None]]


def webhook_handler(
    keys: WebhookKeys, accept: Accept
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler for the OA's webhook URL."""

    async def handle(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        raw = await request.read()
        verified = verify(raw, request.headers.get(SIGNATURE_HEADER), keys)
        if isinstance(verified, Rejection):
            log.warning("Zalo webhook: refused a request (%s)", verified)
            return web.Response(status=403)
        try:
            event = parse(verified)
        except MalformedEvent as exc:
            # Signed by Zalo: refusing it would only make Zalo retry and then disable the hook.
            log.warning("Zalo webhook: ignored an event we cannot read (%s)", exc)
            event = Ignored(str(verified.get("event_name", "")))
        if not isinstance(event, Ignored):
            await accept(event)
        return web.Response(status=200)

    return handle
