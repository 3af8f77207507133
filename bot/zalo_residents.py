"""Simulated residents answering on Zalo through the OA sandbox (`ykien demo`, benchmarks).

Each follows the OA, sends the commune's join code or their household's code, picks the village
by button, answers every question by pressing a button or typing the digit the question asks
for, types or skips the comment, confirms the review and reads the thank-you. Like a person,
they only read what the OA sent them; every wait is on the sandbox's own notice that a message
went out to them (ZaloSandbox.wait_for), never a sleep.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from bot.simulate import Persona
from bot.zalo_sandbox import SentMessage, ZaloSandbox
from handlers.views import labels
from surveys.env import Env
from surveys.zalo_tokens import ZaloStatus, connect

_QUESTION = re.compile(r"Câu (\d+)/(\d+)")
_VILLAGE_LIST = "Gõ số thứ tự thôn"
_THANKS = "Cảm ơn bạn đã góp ý"
_SCALE_HINT = "Gõ 1-5"
PATIENCE = 30.0  # seconds a simulated resident waits for one reply before giving up


@dataclass
class ZaloTally:
    answers: int = 0  # answers (and skips) the OA acknowledged as saved ("Đã lưu")
    changed: int = 0  # answers changed from the review ("Đã sửa thành")
    finished: bool = False  # the thank-you came
    events: int = 0  # follows, texts and presses sent to the OA


def _prompt(message: SentMessage) -> bool:
    """A message that waits for the resident: buttons, a question, a numbered village list,
    or the thank-you (the end)."""
    text = message.text
    return bool(
        message.buttons or _QUESTION.search(text) or _VILLAGE_LIST in text or _THANKS in text
    )


class ZaloResident:
    """One Zalo user of the sandbox's OA, stepping through the conversation."""

    def __init__(self, zalo: ZaloSandbox, user_id: str, name: str) -> None:
        self.zalo, self.user_id, self.name = zalo, user_id, name
        self.tally = ZaloTally()

    async def _next_prompt(self, since: int) -> SentMessage:
        def found(messages: list[SentMessage]) -> SentMessage | None:
            return next((m for m in messages[since:] if _prompt(m)), None)

        return await self.zalo.wait_for(self.user_id, found, timeout=PATIENCE)

    def _seen(self) -> int:
        return len(self.zalo.messages_to(self.user_id))

    async def follow(self) -> SentMessage:
        """Follows the OA; the greeting that asks for a code."""
        since = self._seen()
        self.zalo.follow(self.user_id, self.name)
        self.tally.events += 1

        def greeting(messages: list[SentMessage]) -> SentMessage | None:
            return messages[since] if len(messages) > since else None

        return await self.zalo.wait_for(self.user_id, greeting, timeout=PATIENCE)

    async def write(self, text: str) -> SentMessage:
        """Types ``text``; the next message that waits for them."""
        since = self._seen()
        self.zalo.write(self.user_id, text)
        self.tally.events += 1
        return await self._next_prompt(since)

    async def press(self, title: str) -> SentMessage:
        """Presses the newest button titled ``title``; the next message that waits for them."""
        since = self._seen()
        self.zalo.press(self.user_id, title)
        self.tally.events += 1
        return await self._next_prompt(since)


def _scale_digit(rng: random.Random, persona: Persona) -> str:
    if rng.random() < persona.dont_know:
        return "0"
    if rng.random() < persona.satisfaction:
        return str(rng.choice((4, 5, 5)))
    return str(rng.choice((1, 2, 3, 3)))


async def _answer(
    resident: ZaloResident,
    screen: SentMessage,
    rng: random.Random,
    persona: Persona,
    typed: dict[int, str],
) -> SentMessage:
    """One answer to the question on ``screen``, by button or typed as the question asks;
    ``typed`` remembers the digits typed on scale questions, by question number."""
    shown = screen.labels()
    if labels.SKIP in shown:  # the comment
        if persona.comment:
            return await resident.write(persona.comment)
        return await resident.press(labels.SKIP)
    if labels.YESNO[1] in shown:
        yes = rng.random() < persona.satisfaction
        return await resident.press(labels.YESNO[1] if yes else labels.YESNO[0])
    if shown:
        return await resident.press(rng.choice(shown))
    asked = _QUESTION.search(screen.text)
    if _SCALE_HINT in screen.text and asked:
        digit = typed[int(asked[1])] = _scale_digit(rng, persona)
        return await resident.write(digit)
    return await resident.write("1")  # "Gõ số của câu trả lời": the first option


def _saved(message: SentMessage, prefix: str = "Đã lưu:") -> bool:
    return message.text.startswith(prefix)


async def zalo_journey(
    zalo: ZaloSandbox,
    user_id: str,
    code: str,
    rng: random.Random,
    persona: Persona,
    *,
    name: str = "Người dân",
) -> ZaloTally:
    """Follow, code, village, the round, the review, the thanks; what the OA acknowledged."""
    resident = ZaloResident(zalo, user_id, name)
    tally = resident.tally
    await resident.follow()
    screen = await resident.write(code)
    if _VILLAGE_LIST in screen.text:
        screen = await resident.write("1")
    elif labels.START_SURVEY not in screen.labels():  # the villages, by button
        screen = await resident.press(rng.choice(screen.labels()))
    screen = await resident.press(labels.START_SURVEY)
    typed: dict[int, str] = {}
    while _QUESTION.search(screen.text) and labels.DONE not in screen.labels():
        if persona.leaves_after is not None and tally.answers >= persona.leaves_after:
            return tally
        screen = await _answer(resident, screen, rng, persona, typed)
        tally.answers += _saved(screen)
    if persona.changes_one and typed and labels.DONE in screen.labels():
        number = rng.choice(sorted(typed))  # a scale answer, changed to another value
        screen = await resident.write(f"sửa {number}")
        other = rng.choice([d for d in "123450" if d != typed[number]])
        screen = await resident.write(other)
        tally.changed += _saved(screen, "Đã sửa thành:")
    if labels.DONE in screen.labels():
        screen = await resident.press(labels.DONE)
    tally.finished = _THANKS in screen.text
    return tally


async def connect_sandbox(env: Env, zalo: ZaloSandbox, commune: int | None = None) -> ZaloStatus:
    """The sandbox's OA connected as `ykien zalo connect [--commune]` stores it: credentials and
    first tokens (the demo, the benchmark and the tests)."""
    access, refresh = zalo.authorise()
    return await connect(
        env, oa_id=zalo.oa_id, app_id=zalo.app_id, app_secret=zalo.app_secret,
        oa_secret=zalo.oa_secret, access_token=access, refresh_token=refresh,
        commune_code=commune,
    )  # fmt: skip
