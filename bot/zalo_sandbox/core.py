"""The fake Official Account: OAuth rotation, the sending windows, uploads, simulated users.

Every rule reads the injected clock (unix seconds), so a test moves past the 48-hour or
7-day window, or past a token's expiry, by advancing it. The HTTP front (``http.py``) turns
these methods' answers and :class:`ZaloError` into Zalo's wire format.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from itertools import count
from typing import Any, TypeVar

from bot.zalo_sandbox import events
from bot.zalo_sandbox.errors import (
    EXCEEDS_LIMIT,
    INVALID_APP,
    INVALID_PARAMS,
    INVALID_REFRESH,
    NOT_FOLLOWER,
    NOT_IMPLEMENTED,
    OUTSIDE_WINDOW,
    QUOTA_EXHAUSTED,
    TOKEN_INVALID,
    SandboxDown,
    ZaloError,
)
from bot.zalo_sandbox.messages import parse_send
from bot.zalo_sandbox.state import Follower, SentMessage, TokenState, Upload
from bot.zalo_sandbox.webhook import WebhookPusher

log = logging.getLogger(__name__)
HOUR = 3600.0
DAY = 24 * HOUR
MAX_IMAGE = 1024 * 1024  # Zalo's limit for an uploaded image [S]
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
T = TypeVar("T")


class ZaloSandbox:
    """One OA of one app, with its followers; the rules of zalo.md, each configurable."""

    def __init__(
        self,
        *,
        app_id: str = "1234567890123456789",
        app_secret: str = "sandbox-app-secret",
        oa_secret: str = "sandbox-oa-secret",
        oa_id: str = "579745863508352884",
        clock: Callable[[], float] | None = None,
        access_ttl: float = 25 * HOUR,
        refresh_ttl: float = 90 * DAY,
        window: float = 7 * DAY,
        reply_window: float = 48 * HOUR,
        free_replies: int = 8,
        quota: int = 2000,
    ) -> None:
        self.app_id, self.app_secret, self.oa_secret, self.oa_id = (
            app_id,
            app_secret,
            oa_secret,
            oa_id,
        )
        self.clock = clock or time.time
        self.access_ttl, self.refresh_ttl = access_ttl, refresh_ttl
        self.window, self.reply_window, self.free_replies = window, reply_window, free_replies
        self.quota_left = quota
        self.tokens = TokenState()
        self.followers: dict[str, Follower] = {}
        self.sent: list[SentMessage] = []
        self._sent_to: dict[str, list[SentMessage]] = {}  # by user: messages_to without a scan
        self._waiting: dict[str, list[asyncio.Future[None]]] = {}  # by user: wait_for()
        self.uploads: dict[str, Upload] = {}
        self.unimplemented: list[str] = []  # what was asked and not faked: tests assert it empty
        self.webhook = WebhookPusher(self)
        self.down_until = 0.0  # while the clock is before this, every connection is dropped
        self._drop_next: dict[str, int] = {}  # path ('' = any) -> calls to drop
        self._send_errors: deque[int] = deque()
        self._ids = count(1)

    # -- faults -----------------------------------------------------------------------------

    def go_down(self, seconds: float) -> None:
        """Drop every connection for ``seconds`` of the injected clock."""
        self.down_until = self.clock() + seconds

    def drop_next(self, calls: int = 1, path: str = "") -> None:
        """The next ``calls`` API calls (to ``path`` only, if given) lose their connection."""
        self._drop_next[path] = self._drop_next.get(path, 0) + calls

    def fail_next_send(self, code: int, calls: int = 1) -> None:
        """The next ``calls`` sends answer error ``code`` (any Zalo code)."""
        self._send_errors.extend([code] * calls)

    def exhaust_quota(self) -> None:
        """The OA's quota of messages outside the free replies is used up."""
        self.quota_left = 0

    def check_up(self, path: str) -> None:
        """Called by the front before each API call: raises when the call must find no server."""
        if self.clock() < self.down_until:
            raise SandboxDown("down")
        for key in (path, ""):
            if self._drop_next.get(key):
                self._drop_next[key] -= 1
                raise SandboxDown("dropped")

    def not_implemented(self, what: str) -> ZaloError:
        """Loud failure: logged, remembered for the test's teardown, answered as an error."""
        self.unimplemented.append(what)
        log.error("zalo sandbox: not implemented: %s", what)
        return ZaloError(NOT_IMPLEMENTED, f"zalo sandbox does not implement {what}")

    # -- OAuth -------------------------------------------------------------------------------

    def authorise(self) -> tuple[str, str]:
        """What an OA admin gets by authorising the app: a first access and refresh token."""
        return self._issue()

    def _issue(self) -> tuple[str, str]:
        n, now = next(self._ids), self.clock()
        access, refresh = f"access-{n}-{self.app_id[-4:]}", f"refresh-{n}-{self.app_id[-4:]}"
        self.tokens.access[access] = now + self.access_ttl
        self.tokens.refresh[refresh] = now + self.refresh_ttl
        return access, refresh

    def oauth(self, form: Mapping[str, str], secret_key: str | None) -> dict[str, Any]:
        """POST /v4/oa/access_token: a refresh token buys a new pair, once."""
        self.tokens.asked += 1
        grant = form.get("grant_type")
        if grant != "refresh_token":
            raise self.not_implemented(f"OAuth grant_type={grant!r}")
        if form.get("app_id") != self.app_id or secret_key != self.app_secret:
            return {"error": INVALID_APP, "error_name": "Invalid app_id or secret_key"}
        token = form.get("refresh_token", "")
        expiry = self.tokens.refresh.pop(token, None)
        if token in self.tokens.used_refresh or expiry is None or expiry <= self.clock():
            reason = "already used" if token in self.tokens.used_refresh else "invalid or expired"
            return {"error": INVALID_REFRESH, "error_name": f"Refresh token {reason}"}
        self.tokens.used_refresh.add(token)
        access, refresh = self._issue()
        self.tokens.refreshes += 1
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": str(int(self.access_ttl)),
        }

    def _check_token(self, token: str | None) -> None:
        expiry = self.tokens.access.get(token or "")
        if expiry is None or expiry <= self.clock():
            raise ZaloError(TOKEN_INVALID, "Access token is invalid or has expired")

    # -- the OA API ---------------------------------------------------------------------------

    def send(self, token: str | None, body: object) -> dict[str, Any]:
        """POST /v3.0/oa/message/cs: a consultation message, within the user's window."""
        self._check_token(token)
        request = parse_send(body, self)
        follower = self.followers.get(request.user_id)
        if follower is None:
            raise ZaloError(INVALID_PARAMS, "user_id is invalid")
        if self._send_errors:
            code = self._send_errors.popleft()
            raise ZaloError(code, f"injected send error {code}")
        if not follower.following:
            raise ZaloError(NOT_FOLLOWER, "User has not followed the OA")
        now = self.clock()
        since = None if follower.last_interaction is None else now - follower.last_interaction
        if since is None or since > self.window:
            raise ZaloError(
                OUTSIDE_WINDOW, "User has not interacted with Zalo OA in the past 7 days"
            )
        free = since <= self.reply_window and follower.free_replies_left > 0
        if free:
            follower.free_replies_left -= 1
        elif self.quota_left <= 0:
            raise ZaloError(QUOTA_EXHAUSTED, "The OA has used up its quota of messages")
        else:
            self.quota_left -= 1
        message = SentMessage(
            message_id=self._msg_id(),
            user_id=follower.user_id,
            text=request.text,
            buttons=request.buttons,
            attachment_id=request.attachment_id,
            free=free,
            at=now,
        )
        self._record(message)
        data = {"message_id": message.message_id, "user_id": follower.user_id}
        return {"error": 0, "message": "Success", "data": data}

    def user_detail(self, token: str | None, data: str | None) -> dict[str, Any]:
        """GET /v3.0/oa/user/detail?data={"user_id": ...}: the display name, follower or not."""
        self._check_token(token)
        try:
            query = _json_object(data)
        except ValueError:
            raise ZaloError(INVALID_PARAMS, "data must be a JSON object") from None
        follower = self.followers.get(str(query.get("user_id", "")))
        if follower is None:
            raise ZaloError(INVALID_PARAMS, "user_id is invalid")
        detail = {
            "user_id": follower.user_id,
            "display_name": follower.display_name,
            "user_is_follower": follower.following,
        }
        return {"error": 0, "message": "Success", "data": detail}

    def upload_image(
        self, token: str | None, filename: str, content_type: str, size: int
    ) -> dict[str, Any]:
        """POST /v2.0/oa/upload/image: an attachment id for a PNG or JPEG up to 1 MB."""
        self._check_token(token)
        if content_type not in IMAGE_TYPES:
            raise ZaloError(INVALID_PARAMS, "Only jpg and png images are accepted")
        if size == 0 or size > MAX_IMAGE:
            raise ZaloError(EXCEEDS_LIMIT, "The image must be between 1 byte and 1 MB")
        upload = Upload(f"img-{next(self._ids)}", filename, content_type, size)
        self.uploads[upload.attachment_id] = upload
        return {"error": 0, "message": "Success", "data": {"attachment_id": upload.attachment_id}}

    # -- simulated users ------------------------------------------------------------------------

    def _interacted(self, user_id: str) -> Follower:
        follower = self.followers.get(user_id)
        if follower is None:
            raise KeyError(f"no Zalo user {user_id!r} (call follow() first)")
        follower.last_interaction = self.clock()
        follower.free_replies_left = self.free_replies
        return follower

    def _msg_id(self) -> str:
        return f"{next(self._ids):032x}"

    def follow(self, user_id: str, name: str = "Người dân") -> events.Event:
        """The user follows the OA (a follow counts as an interaction) [S]."""
        follower = self.followers.setdefault(user_id, Follower(user_id, name))
        follower.following = True
        self._interacted(user_id)
        return self.webhook.queue_event(
            events.follow(self.app_id, self.oa_id, user_id, following=True, now=self.clock())
        )

    def unfollow(self, user_id: str) -> events.Event:
        self.followers[user_id].following = False
        return self.webhook.queue_event(
            events.follow(self.app_id, self.oa_id, user_id, following=False, now=self.clock())
        )

    def write(self, user_id: str, text: str) -> events.Event:
        """The user sends ``text``: their windows start again."""
        self._interacted(user_id)
        event = events.user_text(
            self.app_id, self.oa_id, user_id, text, self._msg_id(), self.clock()
        )
        return self.webhook.queue_event(event)

    def send_sticker(self, user_id: str) -> events.Event:
        self._interacted(user_id)
        event = events.user_sticker(self.app_id, self.oa_id, user_id, self._msg_id(), self.clock())
        return self.webhook.queue_event(event)

    def press(self, user_id: str, title: str) -> events.Event:
        """Presses the button ``title`` on the newest message to the user that has one.

        An ``oa.query.*`` button sends its payload back as the user's text, as on Zalo."""
        for message in reversed(self.messages_to(user_id)):
            button = next((b for b in message.buttons if b["title"] == title), None)
            if button is None:
                continue
            if not str(button["type"]).startswith("oa.query."):
                raise ValueError(f"button {title!r} opens {button['type']}, it sends nothing")
            return self.write(user_id, str(button["payload"]))
        raise ValueError(f"no message to {user_id!r} has a button {title!r}")

    def messages_to(self, user_id: str) -> list[SentMessage]:
        return list(self._sent_to.get(user_id, ()))

    def _record(self, message: SentMessage) -> None:
        """Keeps a sent message and wakes whoever waits for one to that user."""
        self.sent.append(message)
        self._sent_to.setdefault(message.user_id, []).append(message)
        for waiter in self._waiting.pop(message.user_id, []):
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(
        self,
        user_id: str,
        found: Callable[[list[SentMessage]], T | None],
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - a simulated person's patience
    ) -> T:
        """``found(messages to the user)`` once it is not None: looked at now and again each
        time the OA sends the user a message (no polling); TimeoutError after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (result := found(self._sent_to.get(user_id, []))) is None:
            waiter = loop.create_future()
            self._waiting.setdefault(user_id, []).append(waiter)
            left = deadline - loop.time()
            try:
                await asyncio.wait_for(waiter, max(left, 0.0))
            except TimeoutError:
                raise TimeoutError(
                    f"no awaited message to Zalo user {user_id} within {timeout:g} s"
                ) from None
        return result

    def texts_to(self, user_id: str) -> list[str]:
        return [m.text for m in self.messages_to(user_id)]


def _json_object(data: str | None) -> dict[str, Any]:
    value = json.loads(data or "")
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value
