"""Residents' questions on Zalo: free text no other step took goes to the same FAQ service as
on Telegram (same answers, same "did you mean", same hand-off to the commune's staff and its
daily limit); the candidates and the hand-off are buttons (at most three plus one)."""

from __future__ import annotations

from handlers.views import labels
from handlers.views.texts import shorten
from handlers.zalo import payloads
from handlers.zalo.buttons import Button
from handlers.zalo.chat import Chat
from surveys.faq_match import MatchConfidence
from surveys.faq_questions import QuestionOutcome
from surveys.faq_service import FeedbackOutcome

_BUTTON_TEXT = 60  # a candidate's phrasing on a button, shortened to stay readable


def _feedback(ask_id: int) -> list[Button]:
    return [
        Button(labels.FAQ_HELPFUL, payloads.faq_feedback(ask_id, helpful=True)),
        Button(labels.FAQ_UNHELPFUL, payloads.faq_feedback(ask_id, helpful=False)),
    ]


def _hand_off(ask_id: int) -> Button:
    return Button(labels.FAQ_SEND_TO_COMMUNE, payloads.faq_hand_off(ask_id))


async def question(chat: Chat) -> bool:
    """The last text step: whatever a resident types that no other step took is a question;
    one half-way through a survey is offered the way back."""
    services = chat.services
    await _answer(chat)
    step = await services.answering.in_progress(chat.person)
    if step is not None and step.index is not None:
        back = [Button(labels.CONTINUE_SURVEY, payloads.start())]
        await chat.say(
            "resident_survey_aside.html",
            back,
            number=step.index + 1,
            total=len(step.survey.questions),
        )
    return True


async def _answer(chat: Chat) -> None:
    services = chat.services
    asked = await services.faq.ask(chat.person, chat.text)
    match = asked.match
    if asked.ask_id is None:
        await chat.say("zalo_faq_empty.html")
        return
    if match.verdict is MatchConfidence.CONFIDENT and match.best is not None:
        entry = asked.entries[match.best.entry_id]
        await chat.say("resident_faq_answer.html", _feedback(asked.ask_id), entry=entry)
        return
    membership = await services.residents.membership(chat.person)
    if match.verdict is MatchConfidence.UNSURE:
        # The entry's first phrasing reads best (the closest one may lack diacritics).
        found = [
            Button(
                shorten(asked.entries[c.entry_id].questions[0], _BUTTON_TEXT),
                payloads.faq_pick(asked.ask_id, c.entry_id),
            )
            for c in match.candidates[:3]
        ]
        if membership is not None:
            found.append(_hand_off(asked.ask_id))
        await chat.say("zalo_faq_unsure.html", found, membership=membership)
        return
    offer = [_hand_off(asked.ask_id)] if membership is not None else []
    await chat.say("zalo_faq_none.html", offer, membership=membership)


async def on_press(chat: Chat, press: payloads.Press) -> None:
    """yk:fp:, yk:fy:, yk:fn:, yk:fh:: checked against the database and the presser."""
    services = chat.services
    ask_id = press.ids[0]
    if press.kind == "fp":
        entry = await services.faq.pick(chat.person, ask_id, press.value)
        if entry is None:
            await chat.say("zalo_faq_invalid.html")
            return
        await chat.say("resident_faq_answer.html", _feedback(ask_id), entry=entry)
    elif press.kind in ("fy", "fn"):
        helpful = press.kind == "fy"
        outcome = await services.faq.feedback(chat.person, ask_id, helpful)
        if outcome is FeedbackOutcome.STORED:
            await chat.say("alert_faq_helpful.html" if helpful else "alert_faq_unhelpful.html")
        elif outcome is FeedbackOutcome.NOT_YOURS:
            await chat.say("alert_faq_not_yours.html")
        else:
            await chat.say("zalo_faq_invalid.html")
    else:
        await _send_to_commune(chat, ask_id)


async def _send_to_commune(chat: Chat, ask_id: int) -> None:
    """The question goes to the commune's staff exactly as from Telegram (faq_questions)."""
    questions = chat.services.questions
    result = await questions.send(chat.person, ask_id)
    templates = {
        QuestionOutcome.SENT: "resident_faq_sent.html",
        QuestionOutcome.LIMIT: "resident_faq_limit.html",
        QuestionOutcome.NOT_JOINED: "zalo_faq_join_first.html",
        QuestionOutcome.ALREADY: "alert_faq_already_sent.html",
        QuestionOutcome.NOT_YOURS: "alert_faq_not_yours.html",
    }
    await chat.say(templates.get(result.outcome, "zalo_faq_invalid.html"), limit=questions.limit)
