"""The Zalo OA API client: the calls ykien makes, paced, retried, and typed in every outcome.

- Every call waits for the pacing limiter (``rate`` calls per second; Zalo's limit is about
  20/s [S], the default stays well under it).
- A network error or an HTTP 5xx is retried ``retries`` times with doubling pauses (through
  the injected ``sleep``), then reported FAILED. A retried send may reach Zalo twice if only
  its answer was lost, as with any chat API.
- Error -216 (access token invalid or expired) refreshes the token and resends once; an
  access token about to run out is refreshed before the call.
- Zalo answers errors with HTTP 200 and a code; sends map them to :class:`SendStatus`.
Tokens and message texts are never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
from aiolimiter import AsyncLimiter

from handlers.views.media import PLAIN_LIMIT
from handlers.zalo.buttons import Button, template
from handlers.zalo.outcomes import CallFailure, SendOutcome, SendStatus, UserDetail
from surveys.zalo_tokens import Exchange, RefreshRefused, TokenGrant

log = logging.getLogger(__name__)
API_URL = "https://openapi.zalo.me"
OAUTH_URL = "https://oauth.zaloapp.com"
TOKEN_EXPIRED = -216
OUTSIDE_WINDOW = frozenset({-230, 230})  # the API sends -230; zalo.md and some docs write 230
QUOTA_EXHAUSTED = frozenset({-211})  # [S]
MAX_TEXT = PLAIN_LIMIT  # 2,000 characters, the limit the views split plain text at
RETRY_STATUSES = frozenset({500, 502, 503, 504})  # not 501: what is not there stays not there


class Credentials(Protocol):
    """Where the client gets its tokens (surveys.zalo_tokens.ZaloTokens)."""

    async def access_token(self) -> str | None: ...

    async def refresh_due(self) -> bool: ...

    async def refresh(self, exchange: Exchange, *, seen: str | None) -> str | None: ...


@dataclass(frozen=True)
class ClientSettings:
    api_url: str = API_URL
    oauth_url: str = OAUTH_URL
    rate: float = 10.0  # calls per second
    retries: int = 4  # after the first attempt, on network errors and 5xx
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    timeout: float = 10.0  # seconds for one call


@dataclass(frozen=True)
class _Answer:
    """Zalo's JSON answer, or (body None) why none came."""

    body: dict[str, Any] | None
    detail: str = ""
    network: bool = False  # no answer at all after every retry (not a refusal)

    @property
    def code(self) -> int | None:
        """Zalo's error code (0: success); None without an answer or with an unreadable code."""
        if self.body is None:
            return None
        try:
            return int(self.body.get("error", 0) or 0)
        except (TypeError, ValueError):
            return None


class ZaloClient:
    """One OA's API client over an aiohttp session (its own unless one is given)."""

    def __init__(
        self,
        credentials: Credentials,
        settings: ClientSettings | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.credentials = credentials
        self.settings = settings or ClientSettings()
        self._session = session
        self._own_session = session is None
        self._sleep = sleep
        self._limiter = AsyncLimiter(self.settings.rate, 1.0)

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> ZaloClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- what ykien calls --------------------------------------------------------------------

    async def send_text(self, user_id: str, text: str) -> SendOutcome:
        """A consultation message (the window rules apply: see SendStatus)."""
        return await self._send(user_id, {"text": _checked(text)})

    async def send_buttons(self, user_id: str, text: str, buttons: list[Button]) -> SendOutcome:
        """A text with ``oa.query.hide`` buttons; a press comes back as the payload."""
        return await self._send(user_id, {"text": _checked(text), "attachment": template(buttons)})

    async def send_image(self, user_id: str, attachment_id: str) -> SendOutcome:
        """An image uploaded with :meth:`upload_image` (a chart)."""
        element = {"media_type": "image", "attachment_id": attachment_id}
        attachment = {
            "type": "template",
            "payload": {"template_type": "media", "elements": [element]},
        }
        return await self._send(user_id, {"attachment": attachment})

    async def user_detail(self, user_id: str) -> UserDetail | CallFailure:
        params = {"data": json.dumps({"user_id": user_id})}
        answer = await self._authorised("GET", "/v3.0/oa/user/detail", params=params)
        if answer.code != 0 or answer.body is None:
            return _failure(answer)
        data = answer.body.get("data") or {}
        return UserDetail(
            user_id=str(data.get("user_id", user_id)),
            display_name=str(data.get("display_name", "")),
            follower=bool(data.get("user_is_follower", False)),
        )

    async def upload_image(
        self, content: bytes, filename: str, content_type: str
    ) -> str | CallFailure:
        """The attachment id Zalo gives an uploaded PNG or JPEG."""

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("file", content, filename=filename, content_type=content_type)
            return data

        answer = await self._authorised("POST", "/v2.0/oa/upload/image", form=form)
        if answer.code != 0 or answer.body is None:
            return _failure(answer)
        attachment = (answer.body.get("data") or {}).get("attachment_id")
        if not isinstance(attachment, str) or not attachment:
            return CallFailure(0, "no attachment_id in Zalo's answer")
        return attachment

    async def refresh(self) -> bool:
        """Refreshes the tokens now, whatever their age (for a scheduled job); False if refused."""
        return await self.credentials.refresh(self.exchange, seen=None) is not None

    # -- the machinery -----------------------------------------------------------------------

    async def _send(self, user_id: str, message: dict[str, Any]) -> SendOutcome:
        body = {"recipient": {"user_id": user_id}, "message": message}
        answer = await self._authorised("POST", "/v3.0/oa/message/cs", json_body=body)
        code = answer.code
        if answer.body is None:
            return SendOutcome(SendStatus.FAILED, detail=answer.detail, network=answer.network)
        detail = str(answer.body.get("message", ""))
        if code == 0:
            message_id = str((answer.body.get("data") or {}).get("message_id", ""))
            return SendOutcome(SendStatus.SENT, message_id=message_id)
        if code in OUTSIDE_WINDOW:
            return SendOutcome(SendStatus.OUTSIDE_WINDOW, error=code, detail=detail)
        if code in QUOTA_EXHAUSTED:
            return SendOutcome(SendStatus.QUOTA, error=code, detail=detail)
        log.warning("Zalo send failed: error %s (%s)", code, detail)
        return SendOutcome(SendStatus.FAILED, error=code, detail=detail)

    async def _authorised(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        form: Callable[[], aiohttp.FormData] | None = None,
    ) -> _Answer:
        """One API call with the access token; on -216, refresh and call once more."""
        creds = self.credentials
        token = await creds.access_token()
        if token is not None and await creds.refresh_due():
            token = await creds.refresh(self.exchange, seen=token) or token
        if token is None:
            return _Answer(None, "the OA is not connected (ykien zalo connect)")
        url = self.settings.api_url + path
        answer = await self._call(method, url, token, json_body, params, form)
        if answer.code != TOKEN_EXPIRED:
            return answer
        fresh = await creds.refresh(self.exchange, seen=token)
        if fresh is None:
            return answer
        return await self._call(method, url, fresh, json_body, params, form)

    async def _call(
        self,
        method: str,
        url: str,
        token: str | None,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        form: Callable[[], Any] | None = None,  # called per attempt: a FormData is single-use
        headers: dict[str, str] | None = None,
        retries: int | None = None,
    ) -> _Answer:
        """Retries on the network and on a server in trouble; Zalo's own answers (HTTP 200 with
        an error code) come back as they are."""
        sent_headers = dict(headers or {})
        if token is not None:
            sent_headers["access_token"] = token
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        why = ""
        tries = 1 + (self.settings.retries if retries is None else retries)
        for attempt in range(tries):
            if attempt:
                await self._sleep(self.settings.backoff * 2 ** (attempt - 1))
            async with self._limiter:
                try:
                    async with self._http().request(
                        method, url, json=json_body, params=params,
                        data=None if form is None else form(), headers=sent_headers,
                        timeout=timeout,
                    ) as resp:  # fmt: skip
                        if resp.status in RETRY_STATUSES:
                            why = f"HTTP {resp.status}"
                            continue
                        status, text = resp.status, await resp.text()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    why = type(exc).__name__
                    continue
            try:
                body = json.loads(text)
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return _Answer(None, f"HTTP {status} without a JSON object")
            return _Answer(body)
        log.warning("Zalo unreachable: %s after %d attempts", why, tries)
        return _Answer(None, f"network: {why} after {tries} attempts", network=True)

    async def exchange(
        self, app_id: str, app_secret: str, refresh_token: str
    ) -> TokenGrant | RefreshRefused:
        """One OAuth v4 refresh call: the new pair, or why not (no token in the reason).

        Tried once: it runs inside the write transaction that stores its result (pauses there
        would hold up every other write), and a refresh token that reached Zalo is spent, so
        sending it again could only be refused. The send that needed it reports FAILED; the
        next call tries a refresh again."""
        form = {"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"}
        answer = await self._call(
            "POST", self.settings.oauth_url + "/v4/oa/access_token", None,
            form=lambda: form, headers={"secret_key": app_secret}, retries=0,
        )  # fmt: skip
        body = answer.body
        if body is None:
            return RefreshRefused(answer.detail)
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            return RefreshRefused(f"error {body.get('error')} {body.get('error_name', '')}".strip())
        try:
            lifetime = timedelta(seconds=int(body.get("expires_in", 0)))
        except (TypeError, ValueError):
            lifetime = timedelta(0)
        grant = TokenGrant(access, refresh)
        return TokenGrant(access, refresh, lifetime) if lifetime > timedelta(0) else grant


def _checked(text: str) -> str:
    if not text.strip() or len(text) > MAX_TEXT:
        raise ValueError(f"a Zalo text has 1-{MAX_TEXT} characters")
    return text


def _failure(answer: _Answer) -> CallFailure:
    if answer.body is None:
        return CallFailure(None, answer.detail)
    return CallFailure(answer.code, str(answer.body.get("message", "")))
