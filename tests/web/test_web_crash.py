"""kill -9 between two web answers: `ykien run --web-listen` (no Telegram) restarts, the answers
given are kept and the household continues at the next question in the same browser."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp

from bot.web_server import free_port
from surveys.access import Actor
from surveys.env import Settings
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY
from tests.web.conftest import _CSRF

WAIT = 20.0  # a safety net; each wait ends on the server's own "listening" line


async def _prepare(db_path: Path) -> str:
    services = await Services.open(str(db_path), settings=Settings(bot_username="ykien_bot"))
    try:
        await services.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
        issued = await services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 1)
        await services.rounds.open(
            COMMUNE, SURVEY, closes_at=services.env.now() + timedelta(days=7)
        )
    finally:
        await services.close()
    return issued.households[0][0].code


async def _start(db_path: Path, port: int) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "YKIEN_TOKEN"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--db", str(db_path), "run",
        "--web-listen", f"127.0.0.1:{port}",
        env={**env, "YKIEN_LOG_LEVEL": "WARNING"},
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    line = await asyncio.wait_for(proc.stderr.readline(), WAIT)
    assert "phiếu web" in line.decode(), line
    return proc


async def _answered(db_path: Path) -> list[str]:
    services = await Services.open(str(db_path))
    try:
        rows = await services.db.conn.execute_fetchall(
            "SELECT question_id FROM answers ORDER BY answered_at"
        )
    finally:
        await services.close()
    return [r[0] for r in rows]


async def test_kill_9_between_two_answers_then_continue(tmp_path: Path) -> None:
    db_path = tmp_path / "web.db"
    code = await _prepare(db_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = await _start(db_path, port)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address host
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        try:
            html = await (await http.get(f"{base}/x/{COMMUNE}/{code}")).text()
            csrf = _CSRF.search(html)[1]  # type: ignore[index]
            html = await (await http.post(f"{base}/s/start", data={"csrf": csrf})).text()
            assert "Câu 1/" in html
            html = await (
                await http.post(f"{base}/s/q/0", data={"csrf": csrf, "value": "4"})
            ).text()
            assert "Câu 2/" in html
            html = await (
                await http.post(f"{base}/s/q/1", data={"csrf": csrf, "value": "5"})
            ).text()
            assert "Câu 3/" in html
        finally:
            proc.send_signal(signal.SIGKILL)  # no shutdown code runs, like a power cut
            await proc.wait()
        assert len(await _answered(db_path)) == 2
        proc = await _start(db_path, port)
        try:
            html = await (await http.get(f"{base}/s")).text()
            assert "Câu 3/" in html  # the same browser continues at the next question
            reply = await http.post(f"{base}/s/q/2", data={"csrf": csrf, "value": "3"})
            assert reply.status == 200 and "Câu 4/" in await reply.text()
        finally:
            proc.send_signal(signal.SIGINT)
            assert await proc.wait() == 0
    assert len(await _answered(db_path)) == 3
