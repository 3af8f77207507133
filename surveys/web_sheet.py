"""A household answering on the web: its code opens a browser session, then the same answering
service as the chat stores each answer (surveys.answering), one tap per question.

The household's answerer is one stand-in member per household (storage.web.web_member: the
person at the address ('web', household id), its responses recorded as channel 'web'), shared
by every browser that opened its code, so coming back to the link continues (or changes) the
same response. Wrong codes count per browser and per commune in the database; reaching a limit
locks code entry for a while (see README "The web e-sheet"). Once staff keep the household's
sheet on another channel (surveys.sheet_conflicts), the web sheet is shut for the round: its
pages say which sheet counts and every answer, comment or submit is refused.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from storage import communes as communes_db
from storage import conflicts as conflicts_db
from storage import surveys as surveys_db
from storage import web as web_db
from storage.households import Household
from storage.records import Commune, Round, Village
from surveys import bearer, flow
from surveys.answering import AnsweringService, AnswerOutcome, Result, Step
from surveys.env import Env
from surveys.households import find
from surveys.model import QuestionKind
from surveys.round_labels import RoundLabel
from surveys.rounds import round_labels
from surveys.sheet_entry import clean_code

BROWSER_LIMIT = 5  # wrong codes from one browser per window before it is locked
COMMUNE_LIMIT = 50  # wrong codes for one commune per window before its code entry is locked
WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
SESSION_DAYS = 90  # a browser unused this long forgets its household
HELD = "conflict"  # responses.hold: after the household's paper sheet, waiting for staff
SET_ASIDE = "set_aside"  # responses.hold when staff counted the household's other sheet


class Opened(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # no household of this commune (and village) has the code
    LOCKED = "locked"  # too many wrong codes from this browser or for this commune
    UNKNOWN_COMMUNE = "unknown_commune"


class SheetState(StrEnum):
    NO_SESSION = "no_session"  # the browser has not opened a household code
    NO_ROUND = "no_round"  # the commune never opened a round
    NOT_YET = "not_yet"  # a round is scheduled, not open yet
    CLOSED = "closed"  # the last round is over
    CONSENT = "consent"  # open round, not started: the notice and "Bắt đầu"
    ANSWERING = "answering"
    DONE = "done"  # every question has an answer or a skip
    SET_ASIDE = "set_aside"  # staff counted the household's other sheet: this one is shut


# The states that accept nothing: no open round, or a sheet staff set aside (its pages say why).
SHUT = (SheetState.CLOSED, SheetState.NOT_YET, SheetState.NO_ROUND, SheetState.SET_ASIDE)


@dataclass(frozen=True)
class Sheet:
    """What the household's pages show."""

    state: SheetState
    household: Household | None = None
    commune: Commune | None = None
    round: Round | None = None
    label: RoundLabel | None = None
    step: Step | None = None
    submitted: bool = False
    held: bool = False  # a paper sheet counts; this web sheet waits for staff
    counted: str | None = None  # SET_ASIDE: the channel of the sheet that counts instead


@dataclass(frozen=True)
class Entered:
    outcome: Opened
    locked_until: datetime | None = None


class WebSheetService:
    def __init__(self, env: Env, answering: AnsweringService) -> None:
        self.env = env
        self.answering = answering

    async def commune(self, code: int) -> tuple[Commune, list[Village]] | None:
        conn = self.env.db.conn
        commune = await communes_db.get_commune(conn, code)
        if commune is None:
            return None
        return commune, await communes_db.list_villages(conn, code)

    async def enter(
        self, token: str, commune_code: int, typed: str, village_id: int | None = None
    ) -> Entered:
        """Binds the browser to the household of a typed or linked code; a wrong code (another
        commune's or village's too) counts against the browser and the commune."""
        if await communes_db.get_commune(self.env.db.conn, commune_code) is None:
            return Entered(Opened.UNKNOWN_COMMUNE)
        key, now = bearer.stored(token), self.env.now()
        conn = self.env.db.conn
        for scope, name in (("browser", key), ("commune", str(commune_code))):
            until = await web_db.locked_until(conn, scope, name, now)
            if until is not None:
                return Entered(Opened.LOCKED, until)
        code = clean_code(typed)  # the chat's /sheet entry forgives the same typing
        household = await find(self.env, code) if code else None
        right = (
            household is not None
            and household.commune_code == commune_code  # the code itself: constant time
            and (village_id is None or household.village_id == village_id)
        )
        async with self.env.db.transaction() as conn:
            if right and household is not None:
                await web_db.bind_session(conn, key, household.id, now)
                await web_db.drop_sessions_before(conn, now - timedelta(days=SESSION_DAYS))
                return Entered(Opened.OK)
            locks = [
                await web_db.record_failure(
                    conn, scope, name, now, window=WINDOW, limit=limit, lock_for=LOCK_FOR
                )
                for scope, name, limit in (
                    ("browser", key, BROWSER_LIMIT),
                    ("commune", str(commune_code), COMMUNE_LIMIT),
                )
            ]
        until = next((u for u in locks if u is not None), None)
        return Entered(Opened.LOCKED if until else Opened.WRONG, until)

    async def sheet(self, token: str, index: int | None = None, *, labelled: bool = False) -> Sheet:
        """Where the browser's household stands in its commune's round; reads only, in one trip
        to the database thread. `labelled`: with the round's "Đợt N năm YYYY" (one more)."""
        now = self.env.now()
        visit = await self.env.db.read(web_db.visit, bearer.stored(token), now)
        if visit is None:
            return Sheet(SheetState.NO_SESSION)
        household, commune, round_ = visit.household, visit.commune, visit.round
        if round_ is None or not round_.is_open(now):  # answering.open_round's rule
            return await self._not_open(household, commune)
        label = None
        if labelled:
            label = (await round_labels(self.env, [round_.commune_code])).get(round_.id)
        base = Sheet(SheetState.CONSENT, household, commune, round_, label)
        if visit.started is None:
            return base
        if visit.started.hold == SET_ASIDE:
            return replace(
                base, state=SheetState.SET_ASIDE, counted=await self._counted(household, round_)
            )
        survey = await self.answering.survey(round_.survey_id)
        assert survey is not None
        at = Step.at(round_, survey, visit.started.response, visit.started.answers)
        step = at if index is None else replace(at, index=index)  # a question to revisit
        return Sheet(
            SheetState.DONE if at.done else SheetState.ANSWERING,
            household,
            commune,
            round_,
            label,
            step,
            visit.started.submitted,
            visit.started.hold == HELD,
        )

    async def _counted(self, household: Household, round_: Round) -> str | None:
        """The channel of the household's response that counts in the round (None: none)."""
        rows = await conflicts_db.of_household(self.env.db.conn, round_.id, household.id)
        return next((r.channel for r in rows if r.counted), None)

    async def _not_open(self, household: Household, commune: Commune | None) -> Sheet:
        rounds = await surveys_db.list_rounds(self.env.db.conn, commune_code=household.commune_code)
        now = self.env.now()
        later = [r for r in rounds if r.closed_at is None and r.opens_at > now]
        if later:
            soonest = min(later, key=lambda r: r.opens_at)
            return Sheet(SheetState.NOT_YET, household, commune, soonest)
        state = SheetState.CLOSED if rounds else SheetState.NO_ROUND
        return Sheet(state, household, commune, rounds[-1] if rounds else None)

    async def start(self, token: str) -> Sheet:
        """Starts (or finds) the household's web response in the open round."""
        found = await self.sheet(token, labelled=True)
        if found.household is None or found.state in SHUT:  # as it stands: nothing to start
            return found
        async with self.env.db.transaction() as conn:
            member = await web_db.web_member(conn, found.household, self.env.now())
        await self.answering.current(member, channel="web")
        return await self.sheet(token, labelled=True)

    async def _acting(self, token: str) -> tuple[Sheet, int | None, int | None]:
        """The sheet, the member's stand-in id and the response id a POST acts on."""
        sheet = await self.sheet(token)
        if sheet.household is None or sheet.step is None:
            return sheet, None, None
        response = sheet.step.response  # found by the stand-in member: its answerer
        return sheet, response.resident_id, response.id

    def _tapped(self, key: str, conn: sqlite3.Connection, now: datetime) -> Step | None:
        """The step a tap acts on, read in the tap's own transaction (AnsweringService.tap);
        None when there is none to act on (no session, no open round, not started, set aside)."""
        visit = web_db.visit(conn, key, now, False)
        if visit is None or visit.round is None or not visit.round.is_open(now):
            return None
        if visit.started is None or visit.started.hold == SET_ASIDE:  # staff counted another
            return None
        survey = self.answering.survey_in(conn, visit.round.survey_id)
        assert survey is not None
        return Step.at(visit.round, survey, visit.started.response, visit.started.answers)

    async def _tap(self, token: str, index: int, raw: str | None) -> Result:
        read = partial(self._tapped, bearer.stored(token))
        result = await self.answering.tap(read, index, raw)
        return result if result is not None else Result(_refusal(await self.sheet(token)))

    async def answer(self, token: str, index: int, raw: str) -> Result:
        """A tapped button: the same checks as the chat (open round, question reached, value
        one of its buttons). The result's step says what comes next."""
        return await self._tap(token, index, raw)

    async def skip(self, token: str, index: int) -> Result:
        return await self._tap(token, index, None)

    async def comment(self, token: str, index: int, text: str) -> tuple[Sheet, Result]:
        """The comment box: stored through the chat's comment path (its length and emptiness
        rules), by re-asking the question first as the chat's edit does."""
        sheet, member, response = await self._acting(token)
        if member is None or response is None or sheet.step is None:
            return sheet, Result(_refusal(sheet))
        questions = sheet.step.survey.questions
        if not 0 <= index < len(questions) or questions[index].kind is not QuestionKind.TEXT:
            return sheet, Result(AnswerOutcome.UNKNOWN)
        # The chat's rules, checked before the edit state is set, so a refusal stores nothing.
        if not text.strip():
            return sheet, Result(AnswerOutcome.EMPTY, sheet.step, questions[index], index)
        if not flow.comment_ok(text):
            return sheet, Result(AnswerOutcome.TOO_LONG, sheet.step, questions[index], index)
        shown = await self.answering.revisit(member, response, index)
        if not shown.ok:
            return sheet, shown
        result = await self.answering.comment(member, text)
        assert result is not None  # the edit state set just above makes the text the comment
        return sheet, result

    async def submit(self, token: str) -> tuple[Sheet, bool]:
        """The final "Gửi phiếu": recorded once (a replay or a double tap changes nothing);
        True when this call recorded it."""
        sheet = await self.sheet(token)
        if sheet.state is not SheetState.DONE or sheet.step is None:
            return sheet, False
        async with self.env.db.transaction() as conn:
            first = await web_db.submit(conn, sheet.step.response.id, self.env.now())
        return replace(sheet, submitted=True), first  # recorded now or before: no re-read


def _refusal(sheet: Sheet) -> AnswerOutcome:
    # A set-aside sheet is closed to the household: the pages show why (SheetState.SET_ASIDE).
    if sheet.state in SHUT:
        return AnswerOutcome.CLOSED
    return AnswerOutcome.NOT_JOINED if sheet.household is None else AnswerOutcome.NO_ROUND
