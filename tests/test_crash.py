"""kill -9 in the middle of a survey: the bot (its own process) restarts, and the resident
continues at the next unanswered question with no acknowledged answer lost."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer, SimUser
from storage import responses as responses_db
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, resident_of

SCALE_4 = "4 · Hài lòng"
WAIT = 20.0  # a safety net for a slow machine; every wait ends on a sandbox event


async def _prepare(db_path: Path) -> str:
    services = await Services.open(str(db_path))
    try:
        await services.rounds.open(
            COMMUNE, SURVEY, closes_at=services.env.now() + timedelta(days=7)
        )
        token = await services.residents.join_token(COMMUNE)
    finally:
        await services.close()
    assert token is not None
    return token


async def _stored(db_path: Path) -> dict[str, int | None]:
    services = await Services.open(str(db_path))
    try:
        rounds = await services.rounds.list_for_commune(COMMUNE)
        resident = await resident_of(services, 501)
        response = await responses_db.find(services.db.conn, rounds[0].round.id, resident.id)
        answers = await responses_db.list_answers(services.db.conn, response.id)
    finally:
        await services.close()
    return {a.question_id: a.value_int for a in answers}


async def _question(sandbox: Sandbox, user: SimUser, since: int):
    return await sandbox.wait_for(
        lambda: next(
            (m for m in user.messages[since:] if m.text.startswith("Câu ") and m.buttons), None
        ),
        timeout=WAIT,
        what="the next question",
    )


async def _tap(sandbox: Sandbox, user: SimUser, label: str):
    since = len(user.messages)
    user.press(user.messages[-1], label)
    return await _question(sandbox, user, since)


async def test_kill_9_mid_survey_then_resume(tmp_path: Path) -> None:
    db_path = tmp_path / "ykien.db"
    token = await _prepare(db_path)
    sandbox = Sandbox()
    async with SandboxServer(sandbox) as server:
        bot = BotProcess(sandbox, server.api_url, db_path)
        await bot.start()
        lan = sandbox.user(501, "Lan")
        lan.start(f"j{token}")
        offer = await sandbox.wait_for(
            lambda: next((m for m in lan.messages if "Bắt đầu khảo sát" in m.labels()), None),
            timeout=WAIT,
        )
        since = len(lan.messages)
        lan.press(offer, "Bắt đầu khảo sát")
        await _question(sandbox, lan, since)
        for _ in range(4):
            await _tap(sandbox, lan, SCALE_4)
        # Tap question 5, and kill the bot the moment Telegram shows the acknowledgement.
        acked = len(lan.callback_answers)
        lan.press(lan.messages[-1], "5 · Rất hài lòng")
        await sandbox.wait_for(lambda: len(lan.callback_answers) > acked, timeout=WAIT)
        await bot.kill()
        assert lan.callback_answers[-1].startswith("Đã lưu")

        # The resident asks to continue while the bot is down: Telegram keeps the update.
        since = len(lan.messages)
        lan.send("/survey")
        restarted = BotProcess(sandbox, server.api_url, db_path)
        await restarted.start()
        question = await _question(sandbox, lan, since)
        await restarted.stop()

    stored = await _stored(db_path)
    acknowledged = ["duong", "dien", "thuy_loi", "truong_hoc", "y_te"]
    assert [stored[q] for q in acknowledged] == [4, 4, 4, 4, 5]
    # The next question asked is the first one without a stored answer.
    assert question.text.startswith(f"Câu {len(stored) + 1}/13")
