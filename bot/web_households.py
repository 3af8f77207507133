"""Simulated households answering the web e-sheet over real HTTP (`ykien demo`).

Each is one browser (its own cookie jar) that opens its card's link, reads the CSRF token off
the page like any form, taps one button per question and sends the sheet, as a person would.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import aiohttp

from surveys.model import QuestionKind, Survey

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class WebTally:
    answers: int = 0
    submitted: bool = False


def _value(question_kind: QuestionKind, rng: random.Random, satisfaction: float) -> str:
    if question_kind is QuestionKind.YESNO:
        return "1" if rng.random() < satisfaction else "0"
    if rng.random() < 0.05:
        return "0"  # không biết
    return str(rng.choice((4, 5)) if rng.random() < satisfaction else rng.choice((1, 2, 3)))


async def household(link: str, survey: Survey, rng: random.Random, satisfaction: float) -> WebTally:
    """One household's sheet from its card's link to the thank-you page."""
    tally = WebTally()
    base = link.split("/x/", 1)[0]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        found = _CSRF.search(await (await http.get(link)).text())
        if found is None:
            return tally
        csrf = found[1]
        await (await http.post(f"{base}/s/start", data={"csrf": csrf})).read()
        for index, question in enumerate(survey.questions):
            form = {"csrf": csrf}
            if question.kind is QuestionKind.TEXT:
                form["skip"] = "1"
            elif question.kind is QuestionKind.CHOICE:
                form["value"] = rng.choice(question.choices).code
            else:
                form["value"] = _value(question.kind, rng, satisfaction)
            reply = await http.post(f"{base}/s/q/{index}", data=form)
            await reply.read()
            tally.answers += reply.status == 200
        reply = await http.post(f"{base}/s/submit", data={"csrf": csrf})
        tally.submitted = reply.status == 200 and "Cảm ơn" in await reply.text()
    return tally
