"""The Zalo webhook: Zalo's signature is checked before the event is read, then it is queued.

``X-ZEvent-Signature: mac=<hex>``, hex = SHA-256 of app_id + raw body + timestamp + the OA
secret key (a plain hash, not an HMAC: zalo.md). The timestamp is read from the body, so the
body is decoded as JSON first, but nothing of it is used until the signature matched (compared
in constant time) and the body names our app. The keys are looked up by the app the body
claims (several OAs may be connected): an app none of them belongs to, or a bad or missing
signature, answers 403 and queues nothing; a verified event is handed to ``accept`` (the
database queue) and answered 200, within Zalo's 2 s: the work on it happens after.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from aiohttp import web

from handlers.zalo.events import Ignored, MalformedEvent, ZaloEvent, parse

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_BODY = 64 * 1024  # a text event is well under 10 KB


class Rejection(StrEnum):
    UNSIGNED = "unsigned"  # no signature header, or not mac=<hex>
    NOT_JSON = "not_json"  # nothing a signature could be checked against
    UNKNOWN_APP = "unknown_app"  # the body names an app none of our OAs belongs to
    BAD_SIGNATURE = "bad_signature"  # the hash does not match: forged, or another OA's secret
    OTHER_APP = "other_app"  # well signed, but for another app


class Keys(Protocol):
    """What checks a signature: the app and the OA secret key (one OA, or any of the app's
    when ``oa_id`` is None)."""

    @property
    def app_id(self) -> str: ...
    @property
    def oa_secret(self) -> str: ...
    @property
    def oa_id(self) -> str | None: ...


@dataclass(frozen=True)
class WebhookKeys:
    app_id: str
    oa_secret: str = field(repr=False)
    oa_id: str | None = None


Lookup = Callable[[str], Awaitable[Sequence[Keys]]]
"""app_id (as the unverified body claims it) -> the keys of the OAs of that app ykien holds."""


def _decoded(raw: bytes) -> dict[str, Any] | Rejection:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return Rejection.NOT_JSON
    return body if isinstance(body, dict) else Rejection.NOT_JSON


def _signed(raw: bytes, body: dict[str, Any], header: str, keys: Keys) -> Rejection | None:
    stamp = body.get("timestamp")
    stamp_bytes = str(stamp).encode() if isinstance(stamp, str | int) else b""
    digest = hashlib.sha256(
        keys.app_id.encode() + raw + stamp_bytes + keys.oa_secret.encode()
    ).hexdigest()
    if not hmac.compare_digest(digest.encode(), header[4:].strip().lower().encode()):
        return Rejection.BAD_SIGNATURE
    if str(body.get("app_id", "")) != keys.app_id:
        return Rejection.OTHER_APP
    return None


def verify(raw: bytes, header: str | None, keys: Keys) -> dict[str, Any] | Rejection:
    """The body, once its signature is Zalo's; else why it was refused."""
    if header is None or not header.startswith("mac="):
        return Rejection.UNSIGNED
    body = _decoded(raw)
    if isinstance(body, Rejection):
        return body
    return _signed(raw, body, header, keys) or body


async def verify_any(
    raw: bytes, header: str | None, lookup: Lookup
) -> tuple[dict[str, Any], list[Keys]] | Rejection:
    """The body and the keys it verified against, among the OAs of the app it names.

    The claimed app_id only chooses which keys to try: nothing else of the body is used
    until one of them matched."""
    if header is None or not header.startswith("mac="):
        return Rejection.UNSIGNED
    body = _decoded(raw)
    if isinstance(body, Rejection):
        return body
    candidates = await lookup(str(body.get("app_id", "")))
    if not candidates:
        return Rejection.UNKNOWN_APP
    matched = [k for k in candidates if _signed(raw, body, header, k) is None]
    return (body, matched) if matched else Rejection.BAD_SIGNATURE


def _fixed(keys: WebhookKeys) -> Lookup:
    async def lookup(app_id: str) -> Sequence[Keys]:
        return [keys] if app_id == keys.app_id else []

    return lookup


Accept = Callable[[ZaloEvent], Awaitable[None]]


def webhook_handler(
    keys: WebhookKeys | Lookup, accept: Accept
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler for the OAs' webhook URL: one OA's keys, or a lookup by app."""
    lookup = _fixed(keys) if isinstance(keys, WebhookKeys) else keys

    async def handle(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        try:  # its own limit, whatever the server's (the e-sheet's is 32 KB)
            raw = await request.clone(client_max_size=MAX_BODY).read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        verified = await verify_any(raw, request.headers.get(SIGNATURE_HEADER), lookup)
        if isinstance(verified, Rejection):
            log.warning("Zalo webhook: refused a request (%s)", verified)
            return web.Response(status=403)
        body, matched = verified
        try:
            event = parse(body)
        except MalformedEvent as exc:
            # Signed by Zalo: refusing it would only make Zalo retry and then disable the hook.
            log.warning("Zalo webhook: ignored an event we cannot read (%s)", exc)
            event = Ignored(str(body.get("event_name", "")))
        ours = {k.oa_id for k in matched}
        if not isinstance(event, Ignored) and None not in ours and event.oa_id not in ours:
            log.warning("Zalo webhook: ignored an event for OA %s, not connected", event.oa_id)
            event = Ignored(event.__class__.__name__)
        if not isinstance(event, Ignored):
            await accept(event)
        return web.Response(status=200)

    return handle
