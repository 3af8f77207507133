"""Simulated residents walking the real chat flow against the sandbox (demo and benchmarks).

They only read what the bot sent and press what is on screen, like a person would; every wait
is on sandbox events, never a sleep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.sandbox import Sandbox, SimMessage, SimUser
from handlers.views import labels


@dataclass(frozen=True)
class Persona:
    """How one simulated resident behaves."""

    satisfaction: float  # chance of a 4-5 on a scale question, and of "Có" overall
    dont_know: float = 0.05
    leaves_after: int | None = None  # stop after this many answers (None: finish)
    changes_one: bool = False  # change one answer from the review
    comment: str | None = None  # typed comment, or skip it


@dataclass
class Tally:
    answers: int = 0  # button taps and comments acknowledged by the bot
    finished: bool = False


async def _next_with_buttons(sandbox: Sandbox, user: SimUser, since: int) -> SimMessage:
    """The first message with buttons that the bot sent after message id `since`."""

    def found() -> SimMessage | None:
        return next((m for m in sandbox.messages_after(user.id, since) if m.buttons), None)

    return await sandbox.wait_for(
        found, timeout=30.0, what=f"buttons for user {user.id}", chat=user.id
    )


def _scale_label(rng: random.Random, persona: Persona) -> str:
    roll = rng.random()
    if roll < persona.dont_know:
        value = 0
    elif rng.random() < persona.satisfaction:
        value = rng.choice((4, 5, 5))
    else:
        value = rng.choice((1, 2, 3, 3))
    return labels.SCALE[value]


def _pick(message: SimMessage, rng: random.Random, persona: Persona) -> str | None:
    """The label to press on a question message, or None when it asks for typed text."""
    shown = message.labels()
    if labels.SKIP in shown:
        return None
    if labels.YESNO[1] in shown:
        return labels.YESNO[1] if rng.random() < persona.satisfaction else labels.YESNO[0]
    if labels.SCALE[4] in shown:
        return _scale_label(rng, persona)
    return rng.choice(shown)


async def _press(sandbox: Sandbox, user: SimUser, message: SimMessage, label: str) -> SimMessage:
    since = sandbox.last_message_id(user.id)
    user.press(message, label)
    return await _next_with_buttons(sandbox, user, since)


async def journey(
    sandbox: Sandbox, user: SimUser, payload: str, rng: random.Random, persona: Persona
) -> Tally:
    """Join by link, pick a village, answer the round; returns what the bot acknowledged."""
    tally = Tally()
    since = sandbox.last_message_id(user.id)
    user.start(payload)
    screen = await _next_with_buttons(sandbox, user, since)
    if labels.START_SURVEY not in screen.labels():  # the village question comes first
        screen = await _press(sandbox, user, screen, rng.choice(screen.labels()))
    screen = await _press(sandbox, user, screen, labels.START_SURVEY)
    edit_prefix = labels.EDIT.split("{", 1)[0]  # "Sửa câu ": the review screen has been reached
    while not any(label.startswith(edit_prefix) for label in screen.labels()):
        if persona.leaves_after is not None and tally.answers >= persona.leaves_after:
            return tally
        label = _pick(screen, rng, persona)
        if label is None and persona.comment:
            since = sandbox.last_message_id(user.id)
            user.send(persona.comment)
            screen = await _next_with_buttons(sandbox, user, since)
        else:
            screen = await _press(sandbox, user, screen, label or labels.SKIP)
        tally.answers += 1
    if persona.changes_one:
        number = rng.randint(1, 11)
        question = await _press(sandbox, user, screen, labels.EDIT.format(number=number))
        popups = len(user.callback_answers)
        user.press(question, _scale_label(rng, persona))
        # A new value brings the review back; the same value only gets its pop-up.
        await sandbox.wait_for(
            lambda: len(user.callback_answers) > popups, timeout=30.0, chat=user.id
        )
        tally.answers += 1
    tally.finished = True
    return tally
