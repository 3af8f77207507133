"""A resident answering a round: one stored answer per tap, the next question derived from them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import partial

from storage import people as people_db
from storage import privacy as privacy_db
from storage import residents as residents_db
from storage import responses as responses_db
from storage import surveys as surveys_db
from storage.people import Address, Who
from storage.records import Answer, ChatState, Resident, Response, Round
from surveys import flow
from surveys.definitions import survey_from_dict
from surveys.env import Env
from surveys.model import Question, QuestionKind, Survey
from surveys.pseudonym import voter_keys
from surveys.rounds import current_round

EDIT_COMMENT = "edit_comment"


class AnswerOutcome(StrEnum):
    STORED = "stored"  # a new answer was committed
    CHANGED = "changed"  # an earlier answer to the question was replaced
    UNCHANGED = "unchanged"  # the same answer again (a replayed tap): nothing changes
    NOT_JOINED = "not_joined"  # the person has not joined a commune
    NO_ROUND = "no_round"  # the commune has no round open now
    UNKNOWN = "unknown"  # no such response, question or value: tampered or out of range
    NOT_YOURS = "not_yours"  # the response belongs to someone else
    CLOSED = "closed"  # the round no longer accepts answers
    NOT_YET = "not_yet"  # a question after the next unanswered one
    BUTTON_EXPECTED = "button_expected"  # an answer typed (e.g. "4") while a button question waits
    ASIDE = "aside"  # other text while a button question waits: a question, the survey stays
    TOO_LONG = "too_long"  # a comment over the limit
    EMPTY = "empty"  # a comment with nothing in it


@dataclass(frozen=True)
class Step:
    """Where a resident stands in a round: `index` is the question to ask, None when done."""

    round: Round
    survey: Survey
    response: Response
    answers: dict[str, Answer]
    index: int | None

    @classmethod
    def at(
        cls, round_: Round, survey: Survey, response: Response, answers: Iterable[Answer]
    ) -> Step:
        """The step `answers` leave the response at: the next question to ask."""
        by_question = {a.question_id: a for a in answers}
        return cls(round_, survey, response, by_question, flow.next_index(survey, by_question))

    @property
    def question(self) -> Question | None:
        return None if self.index is None else self.survey.questions[self.index]

    @property
    def done(self) -> bool:
        return self.index is None


@dataclass(frozen=True)
class Result:
    outcome: AnswerOutcome
    step: Step | None = None  # what to show next, on success or to re-ask
    question: Question | None = None  # the question the input was about
    index: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome in (
            AnswerOutcome.STORED,
            AnswerOutcome.CHANGED,
            AnswerOutcome.UNCHANGED,
        )


class AnsweringService:
    def __init__(self, env: Env) -> None:
        self.env = env
        self._surveys: dict[str, Survey] = {}  # definitions never change once stored

    async def survey(self, survey_id: str) -> Survey | None:
        if survey_id in self._surveys:
            return self._surveys[survey_id]
        return await self.env.db.read(self.survey_in, survey_id)

    def survey_in(self, conn: sqlite3.Connection, survey_id: str) -> Survey | None:
        """`survey` inside work run in the database thread (a tap's one trip)."""
        if survey_id not in self._surveys:
            row = surveys_db.get_survey_in(conn, survey_id)
            if row is None:
                return None
            self._surveys[survey_id] = survey_from_dict(json.loads(row.definition))
        return self._surveys[survey_id]

    async def _resident(self, person_id: int) -> Resident | None:
        resident = await residents_db.get(self.env.db.conn, person_id)
        return resident if resident and resident.commune_code is not None else None

    async def open_round(self, commune_code: int) -> Round | None:
        """The commune's current round when it is open: the one a resident answers."""
        round_ = await current_round(self.env, commune_code)
        return round_ if round_ is not None and round_.is_open(self.env.now()) else None

    async def _step(self, round_: Round, response: Response) -> Step:
        survey = await self.survey(round_.survey_id)
        assert survey is not None
        answers = await responses_db.list_answers(self.env.db.conn, response.id)
        return Step.at(round_, survey, response, answers)

    async def current(self, person_id: int, *, channel: str = "chat") -> Result:
        """The step a resident is at in their commune's open round, starting it if needed
        (through `channel`: 'chat', 'web', 'zalo'; recorded on a new response). One trip to
        the database, in the group commit: every resident's first tap of a round comes here."""
        now = self.env.now()
        return await self.env.db.grouped(partial(self._current_in, person_id, channel, now))

    def _current_in(
        self, person_id: int, channel: str, now: datetime, conn: sqlite3.Connection
    ) -> Result:
        resident = residents_db.get_in(conn, person_id)
        if resident is None or resident.commune_code is None:
            return Result(AnswerOutcome.NOT_JOINED)
        round_ = surveys_db.current_round_in(conn, now, resident.commune_code)
        if round_ is None or not round_.is_open(now):  # open_round's rule
            return Result(AnswerOutcome.NO_ROUND)
        response = responses_db.get_or_create_in(conn, round_.id, resident.id, now, channel)
        # one voice per person per round, across /deletedata (storage.privacy.claim_round)
        addresses = people_db.addresses_of_in(conn, person_id)
        keys = voter_keys(
            self.env.pseudonym_key, round_.id, [(a.channel, a.address) for a in addresses]
        )
        privacy_db.claim_round(conn, response.id, round_.id, keys)
        survey = self.survey_in(conn, round_.survey_id)
        assert survey is not None
        step = Step.at(round_, survey, response, responses_db.answers_in(conn, response.id))
        return Result(AnswerOutcome.UNCHANGED, step)

    def _owned_in(
        self, who: Who, response_id: int, conn: sqlite3.Connection, now: datetime
    ) -> Step | Result:
        """A tap's step, or its refusal, from the stored state (in the database thread).
        `who` is the presser: their person id, or an address the same read resolves."""
        presser = who if isinstance(who, Address) else None
        found = responses_db.get_with_owner(conn, response_id, presser)
        if found is None:
            return Result(AnswerOutcome.UNKNOWN)
        round_ = found.round
        person = who if presser is None else found.presser
        if person is None or found.owner != person or found.commune_code != round_.commune_code:
            return Result(AnswerOutcome.NOT_YOURS)
        if not round_.is_open(now):
            return Result(AnswerOutcome.CLOSED)
        survey = self.survey_in(conn, round_.survey_id)
        assert survey is not None
        return Step.at(round_, survey, found.response, found.answers)

    async def _owned(
        self, who: Who, response_id: int, index: int
    ) -> tuple[Result | None, Step | None]:
        """Checks a tap against the stored state; returns a refusal, or the step it acts on."""
        found = await self.env.db.read(partial(self._owned_in, who, response_id), self.env.now())
        if isinstance(found, Result):
            return found, None
        return _reached(found, index)

    async def answer(self, who: Who, response_id: int, index: int, raw: str) -> Result:
        """Stores the value a button stands for; committed before the caller acknowledges it.
        `who`: the presser's person id, or their address (see `_owned_in`). Checked and stored
        in one trip (`tap`)."""
        return await self._tap_owned(who, response_id, index, raw)

    async def skip(self, who: Who, response_id: int, index: int) -> Result:
        """Skips an optional (comment) question (`who` as for `answer`)."""
        return await self._tap_owned(who, response_id, index, None)

    async def _tap_owned(self, who: Who, response_id: int, index: int, raw: str | None) -> Result:
        result = await self.tap(partial(self._owned_in, who, response_id), index, raw)
        assert result is not None  # the read refuses with a Result, never None
        return result

    async def tap(self, read: StepReader, index: int, raw: str | None) -> Result | None:
        """A button (`raw`; None: a skip) on the step `read` finds, checked and stored in one
        grouped trip to the database: the read, the checks and the write share a transaction,
        so nothing can change between the check and the write (a round closing, a sheet set
        aside) and the stored answers need no second read. `read` returns the step, or a refusal,
        or None when it finds nothing to act on (the result is then None)."""
        now = self.env.now()
        return await self.env.db.grouped(partial(self._tap_in, read, index, raw, now))

    def _tap_in(
        self, read: StepReader, index: int, raw: str | None, now: datetime, conn: sqlite3.Connection
    ) -> Result | None:
        step = read(conn, now)  # the same moment as the write
        if step is None or isinstance(step, Result):  # nothing to act on, or a refusal
            return step
        refusal, _ = _reached(step, index)
        if refusal is not None:
            return refusal
        question = step.survey.questions[index]
        if raw is None:  # a skip: optional questions only
            if not question.optional:
                return Result(AnswerOutcome.UNKNOWN)
            value: int | str | None = None
        else:
            value = flow.parse_button_value(question, raw)
            if value is None:
                return Result(AnswerOutcome.UNKNOWN)
        kept = _kept(step, index, value)
        if kept is not None:
            return kept
        survey, response = step.survey, step.response
        answers = responses_db.store_answer(
            conn,
            response.id,
            question.id,
            value,
            now,
            lambda found: response.completed_at is None and flow.is_complete(survey, found),
            known=step.answers,
        )
        return _moved(step, index, value, answers)

    async def revisit(self, person_id: int, response_id: int, index: int) -> Result:
        """Re-asks an answered question so the resident can change it while the round is open."""
        refusal, step = await self._owned(person_id, response_id, index)
        if refusal is not None:
            return refusal
        assert step is not None
        question = step.survey.questions[index]
        if question.kind is QuestionKind.TEXT:
            async with self.env.db.transaction() as conn:
                state = ChatState(EDIT_COMMENT, response_id, question.id)
                await residents_db.set_chat_state(conn, person_id, state, self.env.now())
        # the step just read, at the question asked again (setting the chat state changes no answer)
        return Result(AnswerOutcome.UNCHANGED, replace(step, index=index), question, index)

    async def edit_comment(self, person_id: int, state: ChatState, text: str) -> Result | None:
        """Typed text as the new answer to the comment question the resident chose to change
        (`state`: the chat's pending step, EDIT_COMMENT); None if that response is gone."""
        if state.state != EDIT_COMMENT or not state.question_id:
            return None
        if await self._resident(person_id) is None:
            return None
        response = await responses_db.get(self.env.db.conn, state.ref)
        if response is None:
            return None
        round_ = await surveys_db.get_round(self.env.db.conn, response.round_id)
        assert round_ is not None
        step = await self._step(round_, response)
        index = step.survey.index_of(state.question_id)
        return await self._typed(person_id, step, index, text)

    async def comment(self, person_id: int, text: str) -> Result | None:
        """Typed text as the answer to the question the resident's survey stopped at (a comment
        question takes it); None when no survey of theirs is unfinished."""
        resident = await self._resident(person_id)
        if resident is None:
            return None
        unfinished = await self._unfinished(resident)
        if unfinished is None or unfinished.index is None:
            return None
        at = unfinished.index
        question = unfinished.survey.questions[at]
        if question.kind is not QuestionKind.TEXT:
            typed_answer = flow.looks_like_answer(question, text)
            outcome = AnswerOutcome.BUTTON_EXPECTED if typed_answer else AnswerOutcome.ASIDE
            return Result(outcome, unfinished, question, at)
        return await self._typed(person_id, unfinished, at, text)

    async def in_progress(self, person_id: int) -> Step | None:
        """The resident's unfinished step in their commune's open round (None when they have
        not started, have finished, or no round is open); creates nothing."""
        resident = await self._resident(person_id)
        return None if resident is None else await self._unfinished(resident)

    async def _unfinished(self, resident: Resident) -> Step | None:
        """The resident's step in their commune's open round, if they started and have not
        finished it."""
        if resident.commune_code is None:
            return None
        round_ = await self.open_round(resident.commune_code)
        if round_ is None:
            return None
        response = await responses_db.find(self.env.db.conn, round_.id, resident.id)
        if response is None:
            return None
        step = await self._step(round_, response)
        return None if step.index is None else step

    async def _typed(self, person_id: int, step: Step, index: int, text: str) -> Result:
        question = step.survey.questions[index]
        if not step.round.is_open(self.env.now()):
            return Result(AnswerOutcome.CLOSED, None, question, index)
        if not text.strip():
            return Result(AnswerOutcome.EMPTY, step, question, index)
        if not flow.comment_ok(text):
            return Result(AnswerOutcome.TOO_LONG, step, question, index, {"length": len(text)})
        return await self._store(step, index, text.strip(), clear_state_for=person_id)

    async def _store(
        self, step: Step, index: int, value: int | str | None, *, clear_state_for: int | None = None
    ) -> Result:
        kept = _kept(step, index, value)
        if kept is not None:
            if clear_state_for is not None:  # the same comment retyped: the edit is over
                async with self.env.db.transaction() as conn:
                    await residents_db.clear_chat_state(conn, clear_state_for)
            return kept
        now = self.env.now()
        survey, response = step.survey, step.response
        question_id = survey.questions[index].id

        def complete(answers: dict[str, Answer]) -> bool:
            return response.completed_at is None and flow.is_complete(survey, answers)

        def work(conn: sqlite3.Connection) -> dict[str, Answer]:
            answers = responses_db.store_answer(
                conn, response.id, question_id, value, now, complete
            )
            if clear_state_for is not None:
                residents_db.clear_chat_state_in(conn, clear_state_for)
            return answers

        answers = await self.env.db.grouped(work)  # group commit: every channel's answers
        return _moved(step, index, value, answers)


# Reads a tap's step (or its refusal) in the database thread, at the tap's moment.
StepReader = Callable[[sqlite3.Connection, datetime], Step | Result | None]


def _kept(step: Step, index: int, value: int | str | None) -> Result | None:
    """UNCHANGED when `value` is what question `index` already holds (a replayed tap, a skip
    of a skipped question): nothing to store."""
    question = step.survey.questions[index]
    earlier = step.answers.get(question.id)
    if earlier is None:
        return None
    same = flow.same_value(earlier, value) if value is not None else earlier.skipped
    if not same:
        return None
    return Result(AnswerOutcome.UNCHANGED, step, question, index, {"value": value})


def _moved(step: Step, index: int, value: int | str | None, answers: dict[str, Answer]) -> Result:
    """The result of a stored answer: what comes next, from the answers after the write."""
    question = step.survey.questions[index]
    nxt = Step.at(step.round, step.survey, step.response, answers.values())
    outcome = AnswerOutcome.CHANGED if question.id in step.answers else AnswerOutcome.STORED
    return Result(outcome, nxt, question, index, {"value": value})


def _reached(step: Step, index: int) -> tuple[Result | None, Step | None]:
    """A refusal when question `index` does not exist or comes after the next unanswered one."""
    if not 0 <= index < len(step.survey.questions):
        return Result(AnswerOutcome.UNKNOWN), None
    question = step.survey.questions[index]
    if question.id not in step.answers and index != step.index:
        return Result(AnswerOutcome.NOT_YET, step, question, index), None
    return None, step
