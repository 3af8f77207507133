"""Staff type a paper sheet in chat: the household code, one tap per question, then confirm.

Nothing is stored until the confirmation: the answers wait in the staff member's chat state,
and the sheet is then stored by SheetService.enter exactly like a CSV row. Every step checks
the role again, and every button carries the entry's random token and the question's index,
so a forged, stale or replayed press is refused and changes nothing.
States (ref: the household id; data: JSON):
  sheet_code     waiting for the typed household code (ref 0)
  sheet_replace  the household already has a paper sheet in the round: replace or cancel
  sheet_answers  answering: {"t": token, "round": id, "code": code, "values": {...}, "replace"}
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from enum import StrEnum

from storage import communes as communes_db
from storage import households as households_db
from storage import residents as residents_db
from storage import surveys as surveys_db
from storage.records import ChatState, Commune, Round
from surveys.access import AccessService, Action, Actor, Forbidden, Scope
from surveys.env import Env
from surveys.flow import comment_ok, parse_button_value
from surveys.households import ALPHABET, CODE_LENGTHS, find
from surveys.model import Question, QuestionKind, Survey
from surveys.round_labels import RoundLabel
from surveys.rounds import round_labels
from surveys.sheets import RowError, SheetService

CODE_STATE, REPLACE_STATE, ANSWERS_STATE = "sheet_code", "sheet_replace", "sheet_answers"
STATES = (CODE_STATE, REPLACE_STATE, ANSWERS_STATE)
TOKEN_HEX = 8


class SheetEntryOutcome(StrEnum):
    ASK_CODE = "ask_code"
    BAD_CODE = "bad_code"  # not shaped like a household code
    UNKNOWN = "unknown"  # no household has this code
    NO_ROUND = "no_round"
    EXISTS = "exists"  # already a paper sheet in this round: replace or cancel
    QUESTION = "question"
    SUMMARY = "summary"
    SAVED = "saved"
    CANCELLED = "cancelled"
    INVALID = "invalid"  # forged, stale or replayed button
    BUTTON_EXPECTED = "button_expected"
    BAD_COMMENT = "bad_comment"
    REFUSED = "refused"  # the sheet failed the import rules at confirmation (e.g. round closed)


@dataclass(frozen=True)
class Entry:
    outcome: SheetEntryOutcome
    code: str = ""
    token: str = ""
    commune: Commune | None = None
    round: Round | None = None
    label: RoundLabel | None = None  # the round's "Đợt N năm YYYY"
    survey: Survey | None = None
    values: dict[str, str] = field(default_factory=dict)
    replaced: bool = False
    conflict: tuple[int, int] | None = None  # (chat answers, paper sheets) when both exist
    error: RowError | None = None
    then: SheetEntryOutcome | None = None  # with BUTTON_EXPECTED: the step shown again

    @property
    def index(self) -> int | None:
        """The next question to answer, None when every question has an answer or a skip."""
        assert self.survey is not None
        return next(
            (i for i, q in enumerate(self.survey.questions) if q.id not in self.values), None
        )

    def answers(self) -> list[tuple[Question, int | str | None]]:
        """Each question with the value it will be stored as (None: skipped)."""
        assert self.survey is not None
        shown: list[tuple[Question, int | str | None]] = []
        for q in self.survey.questions:
            raw = self.values.get(q.id, "")
            if not raw:
                shown.append((q, None))
            else:
                shown.append(
                    (q, raw if q.kind is QuestionKind.TEXT else parse_button_value(q, raw))
                )
        return shown


def clean_code(text: str) -> str | None:
    """A typed household code, forgiving case, spaces and dashes; None if it cannot be one."""
    code = "".join(ch for ch in text.upper() if ch not in " -.\t")
    ok = len(code) in CODE_LENGTHS and all(ch in ALPHABET for ch in code)
    return code if ok else None


class SheetEntryService:
    def __init__(self, env: Env, access: AccessService, sheets: SheetService) -> None:
        self.env = env
        self.access = access
        self.sheets = sheets

    async def begin(self, actor: Actor) -> Entry:
        """Starts an entry (dropping any earlier one); raises Forbidden (audited) without a role."""
        await self.may_enter(actor)
        await self._set(actor, ChatState(CODE_STATE, 0))
        return Entry(SheetEntryOutcome.ASK_CODE)

    async def typed(self, actor: Actor, state: ChatState, text: str) -> Entry | None:
        """Typed text while an entry is pending (`state`, the chat's pending step; None when
        it is not an entry's): the household code or a comment."""
        if state.state not in STATES:
            return None
        if state.state == CODE_STATE:
            return await self.household(actor, text)
        entry = await self._entry(state)
        if state.state == REPLACE_STATE:
            return _with(entry, SheetEntryOutcome.BUTTON_EXPECTED, then=SheetEntryOutcome.EXISTS)
        if entry.index is None:
            return _with(entry, SheetEntryOutcome.BUTTON_EXPECTED, then=SheetEntryOutcome.SUMMARY)
        assert entry.survey is not None
        question = entry.survey.questions[entry.index]
        if question.kind is not QuestionKind.TEXT:
            return _with(entry, SheetEntryOutcome.BUTTON_EXPECTED, then=SheetEntryOutcome.QUESTION)
        if not comment_ok(text):
            return _with(entry, SheetEntryOutcome.BAD_COMMENT, then=SheetEntryOutcome.QUESTION)
        return await self._answer(actor, state, entry, question, text.strip())

    async def household(self, actor: Actor, text: str) -> Entry:
        """The typed code: checks it, the role in its commune, the open round, an earlier sheet."""
        await self.may_enter(actor)
        code = clean_code(text)
        if code is None:
            return Entry(SheetEntryOutcome.BAD_CODE, code=text.strip()[:20])
        conn = self.env.db.conn
        household = await find(self.env, code)
        if household is None:
            return Entry(SheetEntryOutcome.UNKNOWN, code=code)
        scope = Scope(household.commune_code)
        try:
            await self.access.require(actor, Action.ENTER_SHEETS, scope)
        except Forbidden:
            # the same answer as no such code: a code is a secret, its existence too
            return Entry(SheetEntryOutcome.UNKNOWN, code=code)
        commune = await communes_db.get_commune(conn, household.commune_code)
        rounds = await surveys_db.open_rounds(conn, household.commune_code, self.env.now())
        if not rounds:
            await self._clear(actor)
            return Entry(SheetEntryOutcome.NO_ROUND, code=code, commune=commune)
        data = {"t": secrets.token_hex(TOKEN_HEX // 2), "round": rounds[0].id, "code": code}
        if await self.sheets.has_sheet(rounds[0].id, household):
            state = ChatState(REPLACE_STATE, household.id, data=json.dumps(data | {"values": {}}))
            await self._set(actor, state)
            return _with(await self._entry(state), SheetEntryOutcome.EXISTS)
        state = ChatState(ANSWERS_STATE, household.id, data=json.dumps(data | {"values": {}}))
        await self._set(actor, state)
        return _with(await self._entry(state), SheetEntryOutcome.QUESTION)

    async def press(self, actor: Actor, op: str, token: str, index: int, value: str) -> Entry:
        """A button of the entry: a (answer), s (skip), r (replace), ok (save), x (cancel)."""
        state = await residents_db.get_chat_state(self.env.db.conn, _chat(actor))
        if state is None or state.state not in (REPLACE_STATE, ANSWERS_STATE):
            return Entry(SheetEntryOutcome.INVALID)
        entry = await self._entry(state)
        if token != entry.token:
            return Entry(SheetEntryOutcome.INVALID)
        if op == "x":
            await self._clear(actor)
            return _with(entry, SheetEntryOutcome.CANCELLED)
        if op == "r" and state.state == REPLACE_STATE:
            await self.may_enter(actor, entry)
            data = json.loads(state.data) | {"replace": True}
            answering = ChatState(ANSWERS_STATE, state.ref, data=json.dumps(data))
            await self._set(actor, answering)
            return _next(await self._entry(answering))
        if state.state != ANSWERS_STATE:
            return Entry(SheetEntryOutcome.INVALID)
        if op == "ok":
            return (
                await self._save(actor, state, entry)
                if entry.index is None
                else Entry(SheetEntryOutcome.INVALID)
            )
        if op not in ("a", "s") or index != entry.index:
            return Entry(SheetEntryOutcome.INVALID)
        assert entry.survey is not None
        question = entry.survey.questions[index]
        if op == "s":
            return (
                await self._answer(actor, state, entry, question, "")
                if question.optional
                else Entry(SheetEntryOutcome.INVALID)
            )
        if question.kind is QuestionKind.TEXT or parse_button_value(question, value) is None:
            return Entry(SheetEntryOutcome.INVALID)
        return await self._answer(actor, state, entry, question, value)

    async def communes(self, actor: Actor) -> list[int] | None:
        """Communes where the actor may enter sheets; None means every commune."""
        if actor.person_id is None:
            return None
        return await self.access.communes(actor.person_id, Action.ENTER_SHEETS)

    async def _answer(
        self, actor: Actor, state: ChatState, entry: Entry, question: Question, value: str
    ) -> Entry:
        await self.may_enter(actor, entry)
        data = json.loads(state.data)
        data["values"][question.id] = value
        updated = ChatState(ANSWERS_STATE, state.ref, data=json.dumps(data))
        await self._set(actor, updated)
        return _next(await self._entry(updated))

    async def _save(self, actor: Actor, state: ChatState, entry: Entry) -> Entry:
        assert entry.round is not None
        await self.may_enter(actor, entry)
        household = await households_db.by_code(self.env.db.conn, entry.code)
        assert household is not None
        if not entry.replaced and await self.sheets.has_sheet(entry.round.id, household):
            # another staff member stored this household's sheet meanwhile: ask again
            replace = ChatState(REPLACE_STATE, state.ref, data=state.data)
            await self._set(actor, replace)
            return _with(entry, SheetEntryOutcome.EXISTS)
        row = {"round": str(entry.round.id), "household": entry.code} | entry.values
        round_now = await surveys_db.get_round(self.env.db.conn, entry.round.id)
        if round_now is None or not round_now.is_open(self.env.now()):
            await self._clear(actor)
            return _with(entry, SheetEntryOutcome.REFUSED, error=RowError(0, "round_closed"))
        result = await self.sheets.enter(row)
        await self._clear(actor)
        if isinstance(result, RowError):
            return _with(entry, SheetEntryOutcome.REFUSED, error=result)
        detail = f"sheet {entry.code} round {entry.round.id}" + (
            " replaced" if entry.replaced else ""
        )
        await self.access.audit(
            actor, Action.ENTER_SHEETS, Scope(household.commune_code), detail=detail
        )
        both = [c for c in await self.sheets.conflicts(entry.round.id) if c[0] == entry.code]
        return _with(entry, SheetEntryOutcome.SAVED, conflict=both[0][1:] if both else None)

    async def may_enter(self, actor: Actor, entry: Entry | None = None) -> None:
        """Raises Forbidden (audited) unless the actor may still enter sheets (there)."""
        if entry is not None and entry.commune is not None:
            scope = Scope(entry.commune.code)
            await self.access.require(actor, Action.ENTER_SHEETS, scope)
        elif await self.communes(actor) == []:
            await self.access.require(actor, Action.ENTER_SHEETS, Scope())

    async def _entry(self, state: ChatState) -> Entry:
        data = json.loads(state.data)
        conn = self.env.db.conn
        round_ = await surveys_db.get_round(conn, int(data["round"]))
        assert round_ is not None
        return Entry(
            SheetEntryOutcome.QUESTION,
            code=data["code"],
            token=data["t"],
            commune=await communes_db.get_commune(conn, round_.commune_code),
            round=round_,
            label=(await round_labels(self.env, [round_.commune_code]))[round_.id],
            survey=await self.sheets.survey(round_.survey_id),
            values=dict(data["values"]),
            replaced=bool(data.get("replace")),
        )

    async def _set(self, actor: Actor, state: ChatState) -> None:
        async with self.env.db.transaction() as conn:
            await residents_db.set_chat_state(conn, _chat(actor), state, self.env.now())

    async def _clear(self, actor: Actor) -> None:
        async with self.env.db.transaction() as conn:
            await residents_db.clear_chat_state(conn, _chat(actor))


def _chat(actor: Actor) -> int:
    """A sheet typed in chat is a chat step of a person; the operator imports files instead."""
    assert actor.person_id is not None, "a chat step of a person"
    return actor.person_id


def _with(entry: Entry, outcome: SheetEntryOutcome, **changes: object) -> Entry:
    # replace() checks the field names at run time; mypy cannot match **changes to them
    return replace(entry, outcome=outcome, **changes)  # type: ignore[arg-type]


def _next(entry: Entry) -> Entry:
    step = SheetEntryOutcome.QUESTION if entry.index is not None else SheetEntryOutcome.SUMMARY
    return _with(entry, step)
