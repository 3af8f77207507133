"""The bot's HTTP client for Bot API calls: python-telegram-bot's request interface on aiohttp.

Measured with benchmarks/broadcast.py, httpx/httpcore spent most of the bot's CPU per message
(scanning the connection pool, socket attribute look-ups on every request), which capped a
broadcast far below 1,000 messages/s on two cores; aiohttp (already a dependency: the sandbox's
HTTP front) does the same call for a fraction of that. PTB still builds every request and maps
every answer (RetryAfter, Forbidden, BadRequest), so only the socket layer changes.
"""

from __future__ import annotations

import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session with a bounded connection pool."""

    __slots__ = ("_pool", "_read_timeout", "_session", "_timeouts")

    def __init__(
        self,
        connection_pool_size: int = 16,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 10.0,
    ) -> None:
        self._pool = connection_pool_size
        self._read_timeout = read_timeout
        self._timeouts = (write_timeout, connect_timeout, pool_timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

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
        """One call; a timeout is TimedOut and any other transport failure NetworkError,
        as PTB's own HTTPXRequest reports them."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        default_write, default_connect, default_pool = self._timeouts
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, default_write)
        # aiohttp has no separate write timeout: a request may take connect + write + read.
        total = None if read is None or write is None else read + write
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=_given(pool_timeout, default_pool),
            sock_connect=_given(connect_timeout, default_connect),
            sock_read=read,
        )
        try:
            body = _body(request_data)
            headers = _JSON if isinstance(body, bytes) else None
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    """A JSON body (one C-accelerated dumps, cheaper than url-encoding the text on every
    call); multipart when files are uploaded, which Telegram does not take as JSON."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return json.dumps(request_data.json_parameters).encode()
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
