"""Connecting an OA and reading its status: bad input changes nothing, states follow the
clock and the last refresh, and no secret is in a status, a repr or the log."""

from __future__ import annotations

import logging

import pytest

from bot.log_filter import Redact
from bot.sandbox import FakeClock
from bot.zalo_sandbox import ZaloSandbox
from handlers.zalo.client import ZaloClient
from storage import access as access_db
from storage import zalo as zalo_db
from surveys.env import Env
from surveys.zalo_tokens import (
    ConnectProblem,
    ConnectRefused,
    TokenState,
    ZaloTokens,
    connect,
    statuses,
)
from tests.zalo.conftest import USER

GOOD = {
    "oa_id": "579745863508352884",
    "app_id": "1234567890123456789",
    "app_secret": "app-secret",
    "oa_secret": "oa-secret",
    "access_token": "access-token-1",
    "refresh_token": "refresh-token-1",
}


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("oa_id", "", ConnectProblem.BAD_OA_ID),
        ("oa_id", "oa id with spaces", ConnectProblem.BAD_OA_ID),
        ("app_id", "x" * 65, ConnectProblem.BAD_APP_ID),
        ("oa_secret", "  ", ConnectProblem.EMPTY_SECRET),
        ("refresh_token", "short", ConnectProblem.BAD_TOKEN),
        ("access_token", "two words here", ConnectProblem.BAD_TOKEN),
    ],
)
async def test_bad_input_is_refused_and_stores_nothing(
    zenv: Env, field: str, value: str, problem: ConnectProblem
) -> None:
    with pytest.raises(ConnectRefused) as refused:
        await connect(zenv, **{**GOOD, field: value})
    assert refused.value.problem is problem
    assert await zalo_db.list_accounts(zenv.db.conn) == []
    assert await access_db.audit_entries(zenv.db.conn, "") == []


async def test_status_follows_the_clock_and_keeps_secrets_out(zenv: Env, zclock: FakeClock) -> None:
    status = await connect(zenv, **GOOD)
    assert status.state is TokenState.CONNECTED
    [audit] = await access_db.audit_entries(zenv.db.conn, "")
    assert "zalo_connect" in repr(audit)
    zclock.advance(26 * 3600)
    [later] = await statuses(zenv)
    assert later.state is TokenState.ACCESS_EXPIRED
    zclock.advance(91 * 86400)
    [gone] = await statuses(zenv)
    assert gone.state is TokenState.DISCONNECTED
    [account] = await zalo_db.list_accounts(zenv.db.conn)
    for secret in ("app-secret", "oa-secret", "access-token-1", "refresh-token-1"):
        assert secret not in repr(gone) and secret not in repr(account)


async def test_refreshing_and_sending_log_no_secret(
    zenv: Env,
    zalo: ZaloSandbox,
    client: ZaloClient,
    connected: ZaloTokens,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Through the process's log filter (bot.log_filter), at DEBUG, which withholds the
    libraries' arguments (aiosqlite logs every query's parameters): none of our own lines
    names a token or a secret, and no message text is logged."""
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(Redact((), "k" * 64))
    zalo.follow(USER)
    before = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert before is not None
    zalo.tokens.access.clear()
    assert (await client.send_text(USER, "nội dung riêng")).sent
    after = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert after is not None
    secrets = {before.access_token, before.refresh_token, after.access_token, after.refresh_token}
    secrets |= {zalo.app_secret, zalo.oa_secret}
    assert "tokens refreshed" in caplog.text
    assert [s for s in secrets if s in caplog.text] == []
    assert "nội dung riêng" not in caplog.text
    [status] = await statuses(zenv)
    assert status.state is TokenState.CONNECTED and status.refreshed_at is not None
