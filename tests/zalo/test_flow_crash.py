"""kill -9 of the process running the Zalo worker, between an answer's commit and its event's
mark, with more events queued: a new worker handles every event, the interrupted one again
(its answer stays one answer), and none is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.zalo_residents import connect_sandbox
from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer
from handlers.zalo.client import ClientSettings
from handlers.zalo.clients import ZaloClients
from handlers.zalo.inbox import queue_into
from handlers.zalo.webhook import WebhookKeys, webhook_handler
from handlers.zalo.worker import ZaloWorker
from storage.responses import list_answers
from surveys.people import Channel, zalo_address
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY

LAN = "8801234567890123456"
COMMENT = "Cần thêm đèn đường ở thôn"
ROOT = Path(__file__).resolve().parents[2]
SEND = "/v3.0/oa/message/cs"
WAIT = 20.0  # a safety net for a slow machine; every wait ends on what the sandbox saw


async def _until(check: object, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not check():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("case", ["digits", "comment"])
async def test_kill_9_between_the_answer_and_its_mark(db_path: Path, case: str) -> None:
    services = await Services.open(str(db_path))
    zalo = ZaloSandbox()
    zalo.webhook.retry_delays = (0.0,) * 5
    env = services.env
    await connect_sandbox(env, zalo, COMMUNE)
    await services.rounds.open(COMMUNE, SURVEY, closes_at=env.now() + timedelta(days=7))
    token = await services.residents.join_token(COMMUNE)
    assert token is not None

    async with ZaloSandboxServer(zalo) as server:
        app = web.Application()
        keys = WebhookKeys(zalo.app_id, zalo.oa_secret)
        app.router.add_post("/zalo/webhook", webhook_handler(keys, queue_into(env)))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        zalo.webhook.register(f"http://127.0.0.1:{runner.addresses[0][1]}/zalo/webhook")
        settings = ClientSettings(api_url=server.url, oauth_url=server.url, rate=1000.0)
        clients = ZaloClients(env, settings)
        here = ZaloWorker(services, clients)
        try:
            # joined and at question 1, handled here
            zalo.follow(LAN)
            zalo.write(LAN, token)
            await zalo.webhook.flush()
            await here.drain()
            zalo.press(LAN, "Bắt đầu khảo sát")
            await zalo.webhook.flush()
            await here.drain()
            if case == "digits":  # six answers queued, for the worker of the other process
                queued = list("543210")
            else:  # at the comment: the comment, then a change of question 2
                for digit in "444444444441":
                    zalo.write(LAN, digit)
                await zalo.webhook.flush()
                await here.drain()
                queued = [COMMENT, "sửa 2", "2"]
            for text in queued:
                zalo.write(LAN, text)
            await zalo.webhook.flush()
            sent = len(zalo.sent)
            zalo.drop_next(1, SEND)  # its first reply is lost: the client waits to retry

            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.zalo.worker_process", str(db_path), server.url,
                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            try:
                assert proc.stdout is not None
                assert (await asyncio.wait_for(proc.stdout.readline(), WAIT)).strip() == b"ready"
                # the first answer is committed before its reply; the reply's connection dropped
                await _until(lambda: zalo._drop_next.get(SEND) == 0, "the dropped reply")
            finally:
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
            assert len(zalo.sent) == sent  # nothing went out before the kill
            person = await services.people.find(Channel.ZALO, zalo_address(zalo.oa_id, LAN))
            rows = await env.db.conn.execute_fetchall(
                "SELECT id FROM responses WHERE resident_id = ?", (person,)
            )
            before = {a.question_id: a for a in await list_answers(env.db.conn, rows[0][0])}
            unmarked = await env.db.conn.execute_fetchall(
                "SELECT count(*) FROM zalo_inbox WHERE handled_at IS NULL"
            )
            assert unmarked[0][0] == len(queued)  # the interrupted event is still queued

            # a new process (here: a new worker) handles them all, the first one again
            assert await ZaloWorker(services, clients).drain() == len(queued)
            stored = {a.question_id: a for a in await list_answers(env.db.conn, rows[0][0])}
            replies = zalo.texts_to(LAN)[-len(queued) :]
            if case == "digits":
                assert [(q, a.value_int) for q, a in before.items()] == [("duong", 5)]
                order = ("duong", "dien", "thuy_loi", "truong_hoc", "y_te", "van_hoa")
                assert [stored[q].value_int for q in order] == [5, 4, 3, 2, 1, 0]
                assert len(stored) == 6
                assert replies[0].startswith("Câu này đã được ghi nhận: 5 · Rất hài lòng")
                assert all(r.startswith("Đã lưu") for r in replies[1:])
            else:
                assert before["gop_y"].value_text == COMMENT and len(before) == 13
                assert stored["gop_y"].value_text == COMMENT and len(stored) == 13
                assert stored["dien"].value_int == 2
                assert replies[0].startswith(f"Câu này đã được ghi nhận: {COMMENT}")
                asks = await env.db.conn.execute_fetchall("SELECT count(*) FROM faq_asks")
                assert asks[0][0] == 0  # the replayed comment is no question for the FAQ
            handled = await env.db.conn.execute_fetchall(
                "SELECT count(*) FROM zalo_inbox WHERE handled_at IS NULL OR body <> ''"
            )
            assert handled[0][0] == 0
        finally:
            await zalo.webhook.stop()
            await runner.cleanup()
            await clients.close()
            await services.close()
    assert zalo.unimplemented == []
