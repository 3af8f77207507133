"""A Zalo OA's credentials: connecting it, its tokens' rotation, and its status for the operator.

Zalo's refresh token works once: each refresh returns a new pair, and losing the new one
disconnects the OA until someone authorises the app again. So the refresh call runs inside
the write transaction that stores its result (:meth:`ZaloTokens.refresh`): two tasks or two
processes never spend the same refresh token, and a failed store rolls back with nothing
lost but that call. (A crash between Zalo's answer and the commit still loses the pair: no
local order can avoid that; the status then says so and the operator connects again.)
Nothing here logs or returns a secret outside the object that needs it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from storage import access as access_db
from storage import communes as communes_db
from storage import zalo as zalo_db
from storage.zalo import ZaloAccount
from surveys.env import Env

log = logging.getLogger(__name__)
ACCESS_LIFETIME = timedelta(hours=25)  # [S] what Zalo gives an access token
REFRESH_LIFETIME = timedelta(days=90)  # [S] and a refresh token
REFRESH_MARGIN = timedelta(hours=1)  # refresh this long before the access token runs out
# After a failed refresh, none is tried for this long: a broadcast of a thousand messages
# would otherwise make a thousand refresh calls, each holding the write transaction.
REFRESH_PAUSE = timedelta(minutes=1)
_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_TOKEN = re.compile(r"\S{8,4096}")


@dataclass(frozen=True)
class TokenGrant:
    """What a successful refresh returned."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_lifetime: timedelta = ACCESS_LIFETIME


@dataclass(frozen=True)
class RefreshRefused:
    """Zalo refused the refresh (or could not be reached); ``error`` is safe to log and store."""

    error: str


Exchange = Callable[[str, str, str], Awaitable[TokenGrant | RefreshRefused]]
"""(app_id, app_secret, refresh_token) -> the outcome of one OAuth refresh call."""
Mask = Callable[[str], None]
"""Told each secret as it is loaded or made (the process's log filter masks it from then on)."""


class ConnectProblem(StrEnum):
    """Why ``connect`` refused its input (the command line words each in a template)."""

    BAD_OA_ID = "bad_oa_id"
    BAD_APP_ID = "bad_app_id"
    EMPTY_SECRET = "empty_secret"
    BAD_TOKEN = "bad_token"
    UNKNOWN_COMMUNE = "unknown_commune"


class ConnectRefused(Exception):
    def __init__(self, problem: ConnectProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class TokenState(StrEnum):
    CONNECTED = "connected"  # the access token is valid
    ACCESS_EXPIRED = "access_expired"  # refreshed on the next call
    REFRESH_FAILED = "refresh_failed"  # the last refresh was refused: see refresh_error
    DISCONNECTED = "disconnected"  # the refresh token ran out: connect the OA again


@dataclass(frozen=True)
class ZaloStatus:
    """What ``ykien zalo status`` shows of one OA: dates and states, no secret."""

    oa_id: str
    app_id: str
    state: TokenState
    access_expires_at: datetime
    refresh_expires_at: datetime
    connected_at: datetime
    refreshed_at: datetime | None
    refresh_failed_at: datetime | None
    refresh_error: str | None
    commune_code: int | None = None


@dataclass(frozen=True)
class WebhookSecret:
    """What verifies a webhook event for one OA: its app and the OA secret key."""

    oa_id: str
    app_id: str
    oa_secret: str = field(repr=False)


async def connect(
    env: Env,
    *,
    oa_id: str,
    app_id: str,
    app_secret: str,
    oa_secret: str,
    access_token: str,
    refresh_token: str,
    commune_code: int | None = None,
) -> ZaloStatus:
    """Stores an OA's credentials and its first tokens (replacing any earlier ones), audited.

    ``commune_code`` ties the OA to the commune it speaks for; without it a reconnected OA
    keeps the commune it had."""
    if not _ID.fullmatch(oa_id):
        raise ConnectRefused(ConnectProblem.BAD_OA_ID)
    if not _ID.fullmatch(app_id):
        raise ConnectRefused(ConnectProblem.BAD_APP_ID)
    if not app_secret.strip() or not oa_secret.strip():
        raise ConnectRefused(ConnectProblem.EMPTY_SECRET)
    if not (_TOKEN.fullmatch(access_token) and _TOKEN.fullmatch(refresh_token)):
        raise ConnectRefused(ConnectProblem.BAD_TOKEN)
    if (
        commune_code is not None
        and await communes_db.get_commune(env.db.conn, commune_code) is None
    ):
        raise ConnectRefused(ConnectProblem.UNKNOWN_COMMUNE)
    now = env.now()
    account = ZaloAccount(
        oa_id=oa_id,
        app_id=app_id,
        app_secret=app_secret.strip(),
        oa_secret=oa_secret.strip(),
        access_token=access_token,
        refresh_token=refresh_token,
        access_expires_at=now + ACCESS_LIFETIME,
        refresh_expires_at=now + REFRESH_LIFETIME,
        connected_at=now,
    )
    async with env.db.transaction() as conn:
        if commune_code is None:
            earlier = await zalo_db.get_account(conn, oa_id)
            commune_code = None if earlier is None else earlier.commune_code
        account = replace(account, commune_code=commune_code)
        await zalo_db.save_account(conn, account)
        await access_db.append_audit(
            conn, at=now, actor="cli", action="zalo_connect", commune_code=commune_code,
            province_code=None, outcome="ok", detail=f"oa {oa_id}",
        )  # fmt: skip
    return _status(account, now)


async def statuses(env: Env) -> list[ZaloStatus]:
    """Every connected OA, for the operator."""
    now = env.now()
    return [_status(a, now) for a in await zalo_db.list_accounts(env.db.conn)]


async def mask_secrets(env: Env, mask: Mask) -> int:
    """Hands every stored OA's secrets and tokens to ``mask``; the number of OAs."""
    accounts = await zalo_db.list_accounts(env.db.conn)
    for a in accounts:
        for secret in (a.app_secret, a.oa_secret, a.access_token, a.refresh_token):
            mask(secret)
    return len(accounts)


async def webhook_secrets(env: Env, app_id: str) -> list[WebhookSecret]:
    """The OAs of this app that ykien holds, for checking a webhook event's signature."""
    return [
        WebhookSecret(a.oa_id, a.app_id, a.oa_secret)
        for a in await zalo_db.list_accounts(env.db.conn)
        if a.app_id == app_id
    ]


def _status(account: ZaloAccount, now: datetime) -> ZaloStatus:
    if account.refresh_expires_at <= now:
        state = TokenState.DISCONNECTED
    elif account.refresh_failed_at is not None:
        state = TokenState.REFRESH_FAILED
    elif account.access_expires_at <= now:
        state = TokenState.ACCESS_EXPIRED
    else:
        state = TokenState.CONNECTED
    return ZaloStatus(
        oa_id=account.oa_id,
        app_id=account.app_id,
        state=state,
        access_expires_at=account.access_expires_at,
        refresh_expires_at=account.refresh_expires_at,
        connected_at=account.connected_at,
        refreshed_at=account.refreshed_at,
        refresh_failed_at=account.refresh_failed_at,
        refresh_error=account.refresh_error,
        commune_code=account.commune_code,
    )


class ZaloTokens:
    """One OA's tokens as the API client uses them (handlers.zalo.client.Credentials)."""

    def __init__(self, env: Env, oa_id: str, *, mask: Mask | None = None) -> None:
        self.env = env
        self.oa_id = oa_id
        self._mask = mask
        self._account: ZaloAccount | None = None

    def _masked(self, *secrets: str) -> None:
        if self._mask is not None:
            for secret in secrets:
                self._mask(secret)

    async def _load(self) -> ZaloAccount | None:
        if self._account is None:
            account = await zalo_db.get_account(self.env.db.conn, self.oa_id)
            if account is not None:
                self._masked(account.app_secret, account.oa_secret)
                self._masked(account.access_token, account.refresh_token)
            self._account = account
        return self._account

    async def access_token(self) -> str | None:
        """The stored access token; None when the OA was never connected."""
        account = await self._load()
        return None if account is None else account.access_token

    async def refresh_due(self) -> bool:
        """True when the access token runs out within the margin: refresh before using it."""
        account = await self._load()
        if account is None or self._pausing(account):
            return False
        return account.access_expires_at - REFRESH_MARGIN <= self.env.now()

    def _pausing(self, account: ZaloAccount) -> bool:
        failed = account.refresh_failed_at
        return failed is not None and self.env.now() - failed < REFRESH_PAUSE

    async def refresh(self, exchange: Exchange, *, seen: str | None) -> str | None:
        """Spends the stored refresh token and stores the new pair, in one transaction.

        ``seen`` is the access token the caller found stale: when the stored one differs,
        another task or process has refreshed already and its token is returned unspent.
        Returns the access token to use, or None (refused: recorded for the status, logged;
        or refused less than REFRESH_PAUSE ago: Zalo is not asked again yet)."""
        async with self.env.db.transaction() as conn:
            account = await zalo_db.get_account(conn, self.oa_id)
            if account is None:
                return None
            self._masked(account.access_token, account.refresh_token)  # another's rotation
            if seen is not None and account.access_token != seen:
                self._account = account
                return account.access_token
            if self._pausing(account):
                self._account = account
                return None
            outcome = await exchange(account.app_id, account.app_secret, account.refresh_token)
            if isinstance(outcome, TokenGrant):  # masked before anything could log them
                self._masked(outcome.access_token, outcome.refresh_token)
            now = self.env.now()
            if isinstance(outcome, RefreshRefused):
                await zalo_db.record_refresh_failure(conn, self.oa_id, outcome.error, now)
                log.error("Zalo OA %s: token refresh refused (%s)", self.oa_id, outcome.error)
                self._account = None
                return None
            rotated = await zalo_db.rotate_tokens(
                conn,
                self.oa_id,
                used_refresh=account.refresh_token,
                access_token=outcome.access_token,
                refresh_token=outcome.refresh_token,
                access_expires_at=now + outcome.access_lifetime,
                refresh_expires_at=now + REFRESH_LIFETIME,
                now=now,
            )
            assert rotated  # the row was read in this same write transaction
        self._account = None
        log.info("Zalo OA %s: tokens refreshed", self.oa_id)
        return outcome.access_token
