"""A household that answered one round through two channels (paper, Telegram chat, the web
e-sheet, Zalo): listed for staff with which answer counts and why, and staff's decision.

The household counts once whatever the channel (the view household_pick): its latest complete
response counts -- "phiếu hoàn thành sau cùng được tính", the latest by its last answer given
or changed. One exception: anyone holding a household code can answer for the household, so a
paper sheet the village front committee collected must not be replaced by whoever opens the
link later; an answer on any other channel that comes after a complete paper sheet is held
(migration 0018) while the paper sheet keeps counting. Staff end either case by keeping one
channel: its responses count (the latest of them), the others' are set aside
(`/conflicts`, `ykien sheets decide`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage import conflicts as conflicts_db
from storage import households as households_db
from storage import surveys as surveys_db
from storage.conflicts import ChannelResponse
from storage.records import Round
from surveys.access import AccessService, Action, Actor, Forbidden, Scope
from surveys.env import Env
from surveys.households import find


class Keep(StrEnum):
    """The channel whose answer staff keep (responses.channel)."""

    PAPER = "paper"
    CHAT = "chat"  # Telegram
    WEB = "web"
    ZALO = "zalo"


class Decided(StrEnum):
    DONE = "done"
    NOT_WAITING = "not_waiting"  # nothing to decide for this household in the round
    NO_CHANNEL = "no_channel"  # something to decide, but no answer on the channel to keep
    UNKNOWN = "unknown"  # no such round, or no such household (or one the person does not serve)


class Why(StrEnum):
    """Why the counted answer is the one that counts."""

    LATEST = "latest"  # the household's complete answer changed last
    PAPER_FIRST = "paper_first"  # later answers are held: the paper sheet counts until decided
    DECIDED = "decided"  # staff kept this channel and set the others aside
    NONE = "none"  # nothing counts (a kept answer is not finished yet)


class Status(StrEnum):
    COUNTED = "counted"
    HELD = "held"  # came after the paper sheet: waits for staff
    SET_ASIDE = "set_aside"  # staff kept another channel
    OLDER = "older"  # complete, but another complete answer changed later


@dataclass(frozen=True)
class ChannelAnswer:
    channel: Keep
    completed_at: datetime | None  # None: held while still being answered
    updated_at: datetime
    status: Status

    @property
    def changed_after(self) -> bool:
        """Answers were changed after completing (the pick goes by the last change)."""
        return self.completed_at is not None and self.updated_at > self.completed_at


@dataclass(frozen=True)
class Conflict:
    code: str
    round_id: int
    answers: list[ChannelAnswer]  # by completion
    why: Why
    choices: list[Keep]  # channels staff may keep now; empty: nothing to decide

    @property
    def counted(self) -> ChannelAnswer | None:
        return next((a for a in self.answers if a.status is Status.COUNTED), None)

    @property
    def waiting(self) -> bool:
        return bool(self.choices)


Listed = list[tuple[Round, list[Conflict]]]  # a commune's rounds with such households


@dataclass(frozen=True)
class Decision:
    outcome: Decided
    code: str
    round_id: int
    keep: Keep
    decided: int = 0  # responses set aside


def _status(r: ChannelResponse) -> Status:
    if r.counted:
        return Status.COUNTED
    if r.hold == "conflict":
        return Status.HELD
    return Status.SET_ASIDE if r.hold == "set_aside" else Status.OLDER


def judge(round_id: int, rows: list[ChannelResponse]) -> Conflict:
    """One household's responses in a round (storage.conflicts) as staff see them: what counts,
    why, and what may still be decided -- a held answer, or complete answers not set aside on
    two channels."""
    answers = [
        ChannelAnswer(Keep(r.channel), r.completed_at, r.updated_at, _status(r)) for r in rows
    ]
    held = any(a.status is Status.HELD for a in answers)
    # Staff may keep a channel with a complete answer not set aside; an answer held while still
    # being answered is listed, and can be set aside, but not taken before it is finished.
    eligible = {
        a.channel
        for a in answers
        if a.status is not Status.SET_ASIDE and a.completed_at is not None
    }
    open_ = held or len(eligible) > 1
    counted = next((a for a in answers if a.status is Status.COUNTED), None)
    if counted is None:
        why = Why.NONE
    elif held and counted.channel is Keep.PAPER:
        why = Why.PAPER_FIRST
    elif not open_ and any(a.status is Status.SET_ASIDE for a in answers):
        why = Why.DECIDED
    else:
        why = Why.LATEST
    choices = [k for k in Keep if k in eligible] if open_ else []
    return Conflict(rows[0].code, round_id, answers, why, choices)


class ConflictService:
    def __init__(self, env: Env, access: AccessService) -> None:
        self.env = env
        self.access = access

    async def listed(self, actor: Actor, round_id: int) -> list[Conflict]:
        """Households of the round answered on two channels or more; raises Forbidden
        (audited) outside the actor's communes (an unknown round: only the operator and
        administrators)."""
        round_ = await surveys_db.get_round(self.env.db.conn, round_id)
        await self.access.require(
            actor, Action.ENTER_SHEETS, Scope(round_.commune_code if round_ else None)
        )
        return await self._listed(round_id)

    async def listed_in(self, actor: Actor, commune_code: int) -> Listed:
        """The commune's rounds with such households; raises Forbidden (audited) outside the
        scope."""
        await self.access.require(actor, Action.ENTER_SHEETS, Scope(commune_code))
        rounds = await surveys_db.list_rounds(self.env.db.conn, commune_code=commune_code)
        found = [(r, await self._listed(r.id)) for r in rounds]
        return [(r, c) for r, c in found if c]

    async def _listed(self, round_id: int) -> list[Conflict]:
        rows = await conflicts_db.answered_twice(self.env.db.conn, round_id)
        households: dict[int, list[ChannelResponse]] = {}
        for row in rows:
            households.setdefault(row.household_id, []).append(row)
        return [judge(round_id, found) for found in households.values()]

    async def held(self, actor: Actor, round_id: int) -> list[tuple[str, int]]:
        """(household code, answers held after its paper sheet) in the round; raises
        Forbidden (audited) as `listed`."""
        round_ = await surveys_db.get_round(self.env.db.conn, round_id)
        scope = Scope(round_.commune_code if round_ else None)
        await self.access.require(actor, Action.ENTER_SHEETS, scope)
        return await households_db.held(self.env.db.conn, round_id)

    async def decide(self, actor: Actor, round_id: int, code: str, keep: Keep) -> Decision:
        """Keeps the household's answer on one channel; a code outside the actor's communes
        is answered as unknown."""
        conn = self.env.db.conn
        round_ = await surveys_db.get_round(conn, round_id)
        household = await find(self.env, code.strip().upper())
        if round_ is None or household is None or household.commune_code != round_.commune_code:
            return Decision(Decided.UNKNOWN, code, round_id, keep)
        scope = Scope(household.commune_code)
        try:
            await self.access.require(actor, Action.ENTER_SHEETS, scope)
        except Forbidden:
            return Decision(Decided.UNKNOWN, code, round_id, keep)
        async with self.env.db.transaction() as conn:
            rows = await conflicts_db.of_household(conn, round_id, household.id)
            choices = judge(round_id, rows).choices if rows else []
            if keep in choices:
                decided = await conflicts_db.keep_channel(conn, round_id, household.id, keep)
        if keep not in choices:
            outcome = Decided.NO_CHANNEL if choices else Decided.NOT_WAITING
            return Decision(outcome, household.code, round_id, keep)
        await self.access.audit(
            actor,
            Action.ENTER_SHEETS,
            scope,
            detail=f"conflict {household.code} round {round_id} keep {keep}",
        )
        return Decision(Decided.DONE, household.code, round_id, keep, decided)
