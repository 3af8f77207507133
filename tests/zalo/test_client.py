"""The Zalo client against the OA sandbox over real HTTP: windows, tokens, faults, outcomes."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.sandbox import FakeClock
from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer
from handlers.zalo.buttons import Button
from handlers.zalo.client import ClientSettings, ZaloClient
from handlers.zalo.outcomes import CallFailure, SendStatus, UserDetail
from storage import zalo as zalo_db
from surveys.env import Env
from surveys.zalo_tokens import TokenState, ZaloTokens, statuses
from tests.zalo.conftest import USER, Pauses

HOUR = 3600.0
DAY = 24 * HOUR


async def test_text_and_buttons_reach_a_follower(client: ZaloClient, zalo: ZaloSandbox) -> None:
    zalo.follow(USER, "Lò Văn Minh")
    sent = await client.send_text(USER, "Xin chào")
    assert sent.status is SendStatus.SENT and sent.message_id
    buttons = [Button("Hài lòng", "yk:ans:1:5"), Button("Không hài lòng", "yk:ans:1:1")]
    asked = await client.send_buttons(USER, "Câu 1", buttons)
    assert asked.sent
    assert zalo.texts_to(USER) == ["Xin chào", "Câu 1"]
    assert zalo.messages_to(USER)[1].labels() == ["Hài lòng", "Không hài lòng"]
    pressed = zalo.press(USER, "Không hài lòng")
    assert pressed.body["message"]["text"] == "yk:ans:1:1"


async def test_outside_the_7_day_window_is_error_230(
    client: ZaloClient, zalo: ZaloSandbox, zclock: FakeClock
) -> None:
    zalo.follow(USER)
    zclock.advance(7 * DAY + 1)
    outcome = await client.send_text(USER, "Mời tham gia khảo sát")
    assert outcome.status is SendStatus.OUTSIDE_WINDOW and outcome.error == -230
    assert zalo.sent == []
    zalo.write(USER, "chào xã")  # writing again opens the window
    assert (await client.send_text(USER, "Mời tham gia khảo sát")).sent


async def test_eight_free_replies_in_48_hours_then_the_quota(
    client: ZaloClient, zalo: ZaloSandbox, zclock: FakeClock
) -> None:
    zalo.follow(USER)
    zalo.write(USER, "1")
    for n in range(9):
        assert (await client.send_text(USER, f"trả lời {n}")).sent
    assert [m.free for m in zalo.sent] == [True] * 8 + [False]  # the ninth took quota
    zalo.write(USER, "2")  # a new message: eight free replies again
    assert (await client.send_text(USER, "tiếp")).sent and zalo.sent[-1].free
    zclock.advance(48 * HOUR + 1)  # within 7 days, past 48 h: every message takes quota
    assert (await client.send_text(USER, "nhắc")).sent and not zalo.sent[-1].free
    zalo.exhaust_quota()
    outcome = await client.send_text(USER, "nhắc lần nữa")
    assert outcome.status is SendStatus.QUOTA and outcome.error == -211
    assert len(zalo.sent) == 11


async def test_expired_token_mid_send_refreshes_and_resends_once(
    zenv: Env, zalo: ZaloSandbox, client: ZaloClient, zclock: FakeClock
) -> None:
    zalo.follow(USER)
    before = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert before is not None
    zalo.tokens.access[before.access_token] = zclock() + HOUR  # Zalo ends it before 25 h
    zclock.advance(2 * HOUR)
    outcome = await client.send_text(USER, "Câu hỏi tiếp theo")
    assert outcome.sent
    assert zalo.tokens.refreshes == 1 and len(zalo.sent) == 1
    after = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert after is not None and after.refresh_token != before.refresh_token
    assert after.access_token in zalo.tokens.access
    assert before.refresh_token in zalo.tokens.used_refresh


async def test_a_token_about_to_expire_is_refreshed_before_the_call(
    zenv: Env, zalo: ZaloSandbox, client: ZaloClient, zclock: FakeClock
) -> None:
    zalo.follow(USER)
    zclock.advance(24.5 * HOUR)  # ykien's token has 30 minutes left
    zalo.write(USER, "còn đây")
    assert (await client.send_text(USER, "ok")).sent
    assert zalo.tokens.refreshes == 1


async def test_a_used_refresh_token_is_refused_and_the_status_says_so(
    zenv: Env, zalo: ZaloSandbox, client: ZaloClient, zserver: ZaloSandboxServer
) -> None:
    stored = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert stored is not None
    assert await client.refresh()
    # The spent refresh token, replayed by hand, is refused by Zalo's rule.
    form = {"refresh_token": stored.refresh_token, "app_id": zalo.app_id}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{zserver.url}/v4/oa/access_token",
            data={**form, "grant_type": "refresh_token"},
            headers={"secret_key": zalo.app_secret},
        ) as resp,
    ):
        answer = await resp.json()
    assert answer["error"] == -14014 and "access_token" not in answer
    # Another process spends the current refresh token behind ykien's back: ykien's next
    # refresh is refused, recorded for `ykien zalo status`, and the send reports failure.
    current = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert current is not None
    zalo.oauth(
        {"refresh_token": current.refresh_token, "app_id": zalo.app_id,
         "grant_type": "refresh_token"},
        zalo.app_secret,
    )  # fmt: skip
    zalo.tokens.access.clear()  # and Zalo has ended every access token
    zalo.follow(USER)
    outcome = await client.send_text(USER, "x")
    assert outcome.status is SendStatus.FAILED and outcome.error == -216
    assert zalo.sent == []
    after = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert after is not None and after.refresh_token == current.refresh_token
    assert after.refresh_failed_at is not None and after.refresh_error is not None
    assert "-14014" in after.refresh_error


async def test_sandbox_down_for_30_s_then_the_client_reports_failed(
    client: ZaloClient, zalo: ZaloSandbox, pauses: Pauses
) -> None:
    zalo.follow(USER)
    zalo.go_down(30)
    outcome = await client.send_text(USER, "x")
    assert outcome.status is SendStatus.FAILED and outcome.detail.startswith("network:")
    assert outcome.network  # no answer at all: the delivery engine retries it later
    assert pauses.taken == [1.0, 2.0, 4.0, 8.0] and zalo.sent == []


async def test_sandbox_down_briefly_the_retries_get_through(
    client: ZaloClient, zalo: ZaloSandbox, pauses: Pauses
) -> None:
    zalo.follow(USER)
    zalo.go_down(5)
    assert (await client.send_text(USER, "x")).sent
    assert pauses.taken == [1.0, 2.0, 4.0] and len(zalo.sent) == 1


async def test_send_errors_are_failed_with_zalo_s_code(
    client: ZaloClient, zalo: ZaloSandbox
) -> None:
    zalo.follow(USER)
    zalo.fail_next_send(-201)
    outcome = await client.send_text(USER, "x")
    assert (outcome.status, outcome.error) == (SendStatus.FAILED, -201)
    zalo.unfollow(USER)
    outcome = await client.send_text(USER, "x")
    assert (outcome.status, outcome.error) == (SendStatus.FAILED, -213)
    assert zalo.sent == []


async def test_user_detail_and_an_image_upload(client: ZaloClient, zalo: ZaloSandbox) -> None:
    zalo.follow(USER, "Lò Thị Hoa")
    detail = await client.user_detail(USER)
    assert detail == UserDetail(USER, "Lò Thị Hoa", follower=True)
    missing = await client.user_detail("404")
    assert isinstance(missing, CallFailure) and missing.error == -201
    attachment = await client.upload_image(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "c.png", "image/png")
    assert isinstance(attachment, str) and attachment in zalo.uploads
    assert (await client.send_image(USER, attachment)).sent
    assert zalo.sent[-1].attachment_id == attachment
    too_big = await client.upload_image(b"0" * (1024 * 1024 + 1), "c.png", "image/png")
    assert isinstance(too_big, CallFailure) and too_big.error == -210


async def test_not_connected_sends_nothing(
    zenv: Env, zalo: ZaloSandbox, zserver: ZaloSandboxServer
) -> None:
    settings = ClientSettings(api_url=zserver.url, oauth_url=zserver.url)
    async with ZaloClient(ZaloTokens(zenv, "unknown-oa"), settings) as lone:
        outcome = await lone.send_text(USER, "x")
    assert outcome.status is SendStatus.FAILED and "not connected" in outcome.detail


async def test_concurrent_expired_sends_spend_the_refresh_token_once(
    zenv: Env, zalo: ZaloSandbox, client: ZaloClient
) -> None:
    """Ten sends find the token expired at once: one refresh, the others use its result."""
    users = [f"{USER}{n}" for n in range(10)]
    for user in users:
        zalo.follow(user)
    zalo.tokens.access.clear()
    outcomes = await asyncio.gather(*(client.send_text(u, "Câu 1") for u in users))
    assert all(o.sent for o in outcomes)
    assert zalo.tokens.refreshes == 1 and len(zalo.sent) == 10


async def test_a_refused_early_refresh_keeps_the_valid_token(
    zenv: Env, zalo: ZaloSandbox, client: ZaloClient, zclock: FakeClock
) -> None:
    zalo.follow(USER)
    zclock.advance(24.5 * HOUR)  # due for a refresh, still valid for 30 minutes
    zalo.write(USER, "1")
    zalo.app_secret = "rotated by the OA admin"  # the refresh is refused
    assert (await client.send_text(USER, "vẫn gửi được")).sent
    [status] = await statuses(zenv)
    assert status.state is TokenState.REFRESH_FAILED and "-14002" in (status.refresh_error or "")


async def test_an_unfaked_call_is_not_retried(
    zalo: ZaloSandbox, zserver: ZaloSandboxServer, pauses: Pauses, connected: ZaloTokens
) -> None:
    settings = ClientSettings(api_url=zserver.url + "/v9", oauth_url=zserver.url, rate=1000.0)
    async with ZaloClient(connected, settings, sleep=pauses) as wrong:
        outcome = await wrong.send_text(USER, "x")
    assert (outcome.status, outcome.error) == (SendStatus.FAILED, -9999)
    assert pauses.taken == [] and zalo.unimplemented == ["POST /v9/v3.0/oa/message/cs"]
    zalo.unimplemented.clear()


async def test_a_lost_refresh_is_tried_once_and_a_minute_later_again(
    zenv: Env, zalo: ZaloSandbox, client: ZaloClient, pauses: Pauses, zclock: FakeClock
) -> None:
    """The refresh runs in the write transaction: no pauses there, one attempt."""
    zalo.follow(USER)
    before = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert before is not None
    zalo.tokens.access.clear()
    zalo.drop_next(1, path="/v4/oa/access_token")  # the send gets -216, the refresh is lost
    outcome = await client.send_text(USER, "x")
    assert outcome.status is SendStatus.FAILED and outcome.error == -216
    assert pauses.taken == [] and zalo.sent == []
    [status] = await statuses(zenv)
    assert status.state is TokenState.REFRESH_FAILED and "network" in (status.refresh_error or "")
    zclock.advance(61)
    assert (await client.send_text(USER, "x")).sent
    after = await zalo_db.get_account(zenv.db.conn, zalo.oa_id)
    assert after is not None and after.refresh_token != before.refresh_token
    [status] = await statuses(zenv)
    assert status.state is TokenState.CONNECTED and status.refresh_error is None


async def test_after_a_refused_refresh_zalo_is_not_asked_again_for_a_minute(
    zenv: Env, zalo: ZaloSandbox, client: ZaloClient, zclock: FakeClock
) -> None:
    users = [f"{USER}{n}" for n in range(20)]
    for user in users:
        zalo.follow(user)
    zalo.tokens.access.clear()
    zalo.app_secret = "changed in the Zalo console"
    outcomes = [await client.send_text(u, "Mời tham gia") for u in users]
    assert {o.status for o in outcomes} == {SendStatus.FAILED} and zalo.tokens.asked == 1
    zalo.app_secret = "sandbox-app-secret"  # fixed
    zclock.advance(61)
    assert (await client.send_text(users[0], "Mời tham gia")).sent
    assert zalo.tokens.asked == 2 and zalo.tokens.refreshes == 1
