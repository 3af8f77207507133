"""Questions the FAQ could not answer, sent to the resident's commune and answered by its staff.

States of a staff member's chat: `faq_reply` (ref: the question being answered) while they type;
`faq_draft` (ref: the question) while they type the FAQ entry's question in their own words: an
entry made from a resident's question is a draft until staff rewrite it (without names, ID or
phone numbers, which are flagged), so the published FAQ never carries the resident's text.
A question is answered once. Staff see the resident's village, never their Telegram or Zalo
id: the address is read only to deliver the answer, through the outbox port of the channel the
resident uses (as broadcasts choose it: Zalo if they wrote to the OA in the last 7 days, else
Telegram); an answer Zalo refuses outside its window waits for the resident's next write.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import aiosqlite

from storage import answer_delivery as answers_db
from storage import deliveries as ddb
from storage import faq as faq_db
from storage import residents as residents_db

# QuestionRow is re-exported for handlers, which may not import storage.
from storage.faq import FaqEntryRow, QuestionRow
from storage.records import ChatState
from surveys.access import AccessService, Action, Actor, Forbidden, Scope
from surveys.env import Env
from surveys.faq_content import FaqFileError, parse_entry
from surveys.faq_match import MatchConfidence
from surveys.faq_service import FaqService, staff_entry
from surveys.outbox import Outbox, Reached
from surveys.personal_data import flags

__all__ = ["MAX_REPLY", "QuestionOutcome", "QuestionRow", "QuestionService", "Queued", "Result"]

REPLY_STATE = "faq_reply"
DRAFT_STATE = "faq_draft"
OVERDUE_AFTER = timedelta(hours=48)
QUEUE_LIMIT = 10
MAX_REPLY = 900  # an answer may become an FAQ entry, which has this limit


class QuestionOutcome(StrEnum):
    SENT = "sent"  # handed to the commune / answer delivered
    READY = "ready"  # the staff member may type the answer now
    ADDED = "added"  # became an FAQ entry
    UNKNOWN = "unknown"  # no such question (forged or stale button)
    NOT_YOURS = "not_yours"
    NOT_JOINED = "not_joined"  # the resident has no commune to send it to
    ALREADY = "already"  # already sent / answered / in the FAQ
    NOT_ANSWERED = "not_answered"
    FORBIDDEN = "forbidden"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_AN_ENTRY = "not_an_entry"  # fails the FAQ's checks (e.g. a question over 300 characters)
    LIMIT = "limit"  # the resident sent the day's allowance of questions already
    MARKED = "marked"  # the sender is marked as spam: their questions are no longer shown
    DRAFT = "draft"  # an FAQ entry drafted: staff now type its question in their own words
    FLAGGED = "flagged"  # the typed question holds ID-like or phone numbers: type it again


@dataclass(frozen=True)
class Result:
    outcome: QuestionOutcome
    question: QuestionRow | None = None
    entry_id: str = ""
    flags: tuple[str, ...] = ()  # ID-like and phone numbers found (surveys.personal_data)


@dataclass(frozen=True)
class Queued:
    question: QuestionRow
    overdue: bool


class QuestionService:
    def __init__(
        self, env: Env, access: AccessService, faq: FaqService, outbox: Outbox | None = None
    ) -> None:
        self.env = env
        self.access = access
        self.faq = faq
        self.outbox = outbox or Outbox()

    @property
    def _conn(self) -> aiosqlite.Connection:
        return self.env.db.conn

    async def send(self, person_id: int, ask_id: int) -> Result:
        """Puts the resident's unanswered question in their commune's queue."""
        ask = await faq_db.get_ask(self._conn, ask_id)
        if ask is None:
            return Result(QuestionOutcome.UNKNOWN)
        if ask.resident_id != person_id:
            return Result(QuestionOutcome.NOT_YOURS)
        resident = await residents_db.get(self._conn, person_id)
        if resident is None or resident.commune_code is None:
            return Result(QuestionOutcome.NOT_JOINED)
        if await faq_db.sent_since(self._conn, resident.id, self._day_start()) >= self.limit:
            await self.access.count_resident("questions.send", "limit")
            return Result(QuestionOutcome.LIMIT)
        async with self.env.db.transaction() as conn:
            qid = await faq_db.insert_question(
                conn, ask_id, resident.commune_code, resident.id, ask.text, self.env.now()
            )
        if qid is None:
            return Result(QuestionOutcome.ALREADY)
        return Result(QuestionOutcome.SENT, await faq_db.get_question(self._conn, qid))

    async def queue(self, actor: Actor) -> list[Queued] | None:
        """Open questions of the communes this person answers for; None if they answer none."""
        communes = await self._communes(actor)
        if communes == []:
            return None
        found = await faq_db.open_questions(self._conn, communes, QUEUE_LIMIT)
        now = self.env.now()
        return [Queued(q, now - q.asked_at > OVERDUE_AFTER) for q in found]

    @property
    def limit(self) -> int:
        return self.env.settings.questions_per_day

    async def waiting(self, actor: Actor) -> int:
        """How many questions wait in the person's communes (the queue shows QUEUE_LIMIT)."""
        communes = await self._communes(actor)
        return 0 if communes == [] else await faq_db.count_open(self._conn, communes)

    async def _question_for(
        self, actor: Actor, question_id: int, action: Action
    ) -> QuestionRow | Result:
        """The question, or the refusal: no such question, or outside the person's scope."""
        question = await faq_db.get_question(self._conn, question_id)
        if question is None:
            return Result(QuestionOutcome.UNKNOWN)
        if not await self._permitted(actor, action, Scope(commune=question.commune_code)):
            return Result(QuestionOutcome.FORBIDDEN)
        return question

    async def mark_spam(self, actor: Actor, question_id: int) -> Result:
        """Marks the question's sender as spam: none of their questions is shown any more."""
        found = await self._question_for(actor, question_id, Action.ANSWER_QUESTIONS)
        if isinstance(found, Result):
            return found
        question, scope = found, Scope(commune=found.commune_code)
        by, now = _chat(actor), self.env.now()
        async with self.env.db.transaction() as conn:
            marked = await faq_db.mark_spam(conn, question.resident_id, by, now)
        if not marked:
            return Result(QuestionOutcome.ALREADY, question)
        await self.access.audit(
            actor, Action.ANSWER_QUESTIONS, scope, detail=f"spam question {question.id}"
        )
        return Result(QuestionOutcome.MARKED, question)

    async def spam_marks(self) -> list[tuple[int, int | None, str, int, str]]:
        """(mark id, commune, marked at, questions hidden, by) for the operator."""
        return await faq_db.spam_marks(self._conn)

    async def unmark_spam(self, actor: Actor, mark_id: int) -> bool:
        """The operator lifts a mark: the sender's questions are shown again."""
        await self.access.require(actor, Action.ANSWER_QUESTIONS, Scope())
        async with self.env.db.transaction() as conn:
            lifted = await faq_db.unmark_spam(conn, mark_id)
        if lifted:
            await self.access.audit(
                actor, Action.ANSWER_QUESTIONS, Scope(), detail=f"unmark spam {mark_id}"
            )
        return lifted

    async def _communes(self, actor: Actor) -> list[int] | None:
        """The communes whose questions the actor answers; None means every commune."""
        if actor.person_id is None:
            return None
        return await self.access.communes(actor.person_id, Action.ANSWER_QUESTIONS)

    def _day_start(self) -> datetime:
        tz = self.env.settings.timezone
        return datetime.combine(self._today(), time(), tz)

    async def begin_reply(self, actor: Actor, question_id: int) -> Result:
        found = await self._question_for(actor, question_id, Action.ANSWER_QUESTIONS)
        if isinstance(found, Result):
            return found
        question = found
        if question.answer is not None:
            return Result(QuestionOutcome.ALREADY, question)
        async with self.env.db.transaction() as conn:
            await residents_db.set_chat_state(
                conn, _chat(actor), ChatState(REPLY_STATE, question_id), self.env.now()
            )
        return Result(QuestionOutcome.READY, question)

    async def reply(self, actor: Actor, state: ChatState, text: str) -> Result | None:
        """The typed answer to the question being answered (or the wording of a drafted entry),
        as the chat's pending step `state` says; None when it holds neither."""
        if state.state not in (REPLY_STATE, DRAFT_STATE):
            return None
        answer = text.strip()
        if not answer:
            return Result(QuestionOutcome.EMPTY)
        if state.state == DRAFT_STATE:
            return await self._publish(actor, state.ref, " ".join(answer.split()))
        if len(answer) > MAX_REPLY:
            return Result(QuestionOutcome.TOO_LONG)
        question = await faq_db.get_question(self._conn, state.ref)
        if question is None:
            return Result(QuestionOutcome.UNKNOWN)
        scope = Scope(commune=question.commune_code)
        if not await self._permitted(actor, Action.ANSWER_QUESTIONS, scope):
            async with self.env.db.transaction() as conn:
                await residents_db.clear_chat_state(conn, _chat(actor))
            return Result(QuestionOutcome.FORBIDDEN)
        async with self.env.db.transaction() as conn:
            stored = await faq_db.answer_question(
                conn, question.id, answer, _chat(actor), self.env.now()
            )
            await residents_db.clear_chat_state(conn, _chat(actor))
        if not stored:
            return Result(QuestionOutcome.ALREADY, question)
        await self.access.audit(
            actor, Action.ANSWER_QUESTIONS, scope, detail=f"question {question.id}"
        )
        return Result(QuestionOutcome.SENT, await faq_db.get_question(self._conn, question.id))

    async def deliver(self, question: QuestionRow) -> Reached:
        """Sends a stored answer to the resident on their channel; recorded when it arrives.
        OUTSIDE_WINDOW: Zalo refused it (window or quota); it is sent at their next write."""
        found = await ddb.reply_address(self._conn, question.resident_id, self.env.now())
        if found is None:
            return Reached.NO_ADDRESS
        channel, address = found
        send = self.outbox.answers.get(channel)
        if send is None:
            return Reached.FAILED
        reached = await send(address, question)
        if reached is Reached.SENT:
            async with self.env.db.transaction() as conn:
                await answers_db.mark_delivered(conn, question.id, self.env.now())
        return reached

    async def deliver_waiting(self, person_id: int) -> int:
        """Sends the person's answers that have not reached them yet; how many did now."""
        sent = 0
        for question_id in await answers_db.waiting_answers(self._conn, person_id):
            question = await faq_db.get_question(self._conn, question_id)
            if question is not None and await self.deliver(question) is Reached.SENT:
                sent += 1
        return sent

    async def to_faq(self, actor: Actor, question_id: int) -> Result:
        """Starts a draft FAQ entry from an answered question: staff type its question next."""
        found = await self._question_for(actor, question_id, Action.MANAGE_FAQ)
        if isinstance(found, Result):
            return found
        question = found
        if question.answer is None:
            return Result(QuestionOutcome.NOT_ANSWERED, question)
        if question.entry_id is not None:
            return Result(QuestionOutcome.ALREADY, question, question.entry_id)
        async with self.env.db.transaction() as conn:
            await residents_db.set_chat_state(
                conn, _chat(actor), ChatState(DRAFT_STATE, question_id), self.env.now()
            )
        return Result(QuestionOutcome.DRAFT, question, flags=tuple(flags(question.text)))

    async def _publish(self, actor: Actor, question_id: int, text: str) -> Result:
        """The staff member's wording of a drafted entry: checked, flagged, then published."""
        question = await faq_db.get_question(self._conn, question_id)
        if question is None or question.answer is None:
            await self._drop_state(actor)
            return Result(QuestionOutcome.UNKNOWN)
        scope = Scope(commune=question.commune_code)
        if not await self._permitted(actor, Action.MANAGE_FAQ, scope):
            await self._drop_state(actor)
            return Result(QuestionOutcome.FORBIDDEN)
        if question.entry_id is not None:
            await self._drop_state(actor)
            return Result(QuestionOutcome.ALREADY, question, question.entry_id)
        found = tuple(flags(text))
        if found:
            return Result(QuestionOutcome.FLAGGED, question, flags=found)
        entry_id = f"xa-{question.commune_code}-{question.id}"
        category = await self._category_for(text)
        entry = staff_entry(entry_id, category, text, question.answer, self._today())
        try:  # the same checks as a content file, with fewer phrasings required
            categories = {c.id for c in await self.faq.categories()}
            parse_entry(_as_table(entry), "staff", categories, origin="staff", min_questions=1)
        except FaqFileError:
            return Result(QuestionOutcome.NOT_AN_ENTRY, question)
        await self.faq.add(entry)
        async with self.env.db.transaction() as conn:
            await faq_db.link_question_entry(conn, question.id, entry_id)
            await residents_db.clear_chat_state(conn, _chat(actor))
        await self.access.audit(actor, Action.MANAGE_FAQ, scope, detail=entry_id)
        return Result(QuestionOutcome.ADDED, question, entry_id)

    async def _drop_state(self, actor: Actor) -> None:
        async with self.env.db.transaction() as conn:
            await residents_db.clear_chat_state(conn, _chat(actor))

    async def _permitted(self, actor: Actor, action: Action, scope: Scope) -> bool:
        """The one access check (surveys.access); a refusal is audited by it."""
        try:
            await self.access.require(actor, action, scope)
        except Forbidden:
            return False
        return True

    async def _category_for(self, text: str) -> str:
        """The category of the closest existing entry, else the first category."""
        match = (await self.faq.matcher()).match(text)
        if match.verdict is not MatchConfidence.NONE and match.best is not None:
            entry = await self.faq.entry(match.best.entry_id)
            if entry is not None:
                return entry.category
        categories = await self.faq.categories()
        return next((c.id for c in categories if c.id == "dvc"), categories[0].id)

    def _today(self) -> date:
        return self.env.now().astimezone(self.env.settings.timezone).date()


def _chat(actor: Actor) -> int:
    """Answering is done in a chat (the staff member is who answered, and where the next
    typed text comes from); the operator has no chat."""
    assert actor.person_id is not None, "a chat step of a person"
    return actor.person_id


def _as_table(entry: FaqEntryRow) -> dict[str, object]:
    """The entry as a content file's [[entry]] table (origin is not a file field)."""
    table = {**asdict(entry), "questions": list(entry.questions)}
    del table["origin"]
    return table
