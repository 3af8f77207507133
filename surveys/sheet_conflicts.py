"""A chat answer that came after a household's paper sheet: held for staff, never counted
silently in place of the sheet.

Anyone holding a household code can answer for the household, so a paper sheet the village
front committee collected must not be replaced by whoever opens the link later. Such a chat
response is held (storage migration 0016) while the paper sheet keeps counting; staff keep the
paper sheet or take the chat answer (`/conflicts`, `ykien sheets decide`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage import households as households_db
from storage import surveys as surveys_db
from storage.records import Round
from surveys.access import AccessService, Action, Actor, Forbidden, Scope
from surveys.env import Env
from surveys.households import find


class Keep(StrEnum):
    PAPER = "paper"  # the paper sheet keeps counting; the chat answers are set aside
    CHAT = "chat"  # the chat answer counts; the paper sheet is set aside


class Decided(StrEnum):
    DONE = "done"
    NOT_WAITING = "not_waiting"  # no held answer for this household in the round
    UNKNOWN = "unknown"  # no such round, or no such household (or one the person does not serve)


@dataclass(frozen=True)
class Decision:
    outcome: Decided
    code: str
    round_id: int
    keep: Keep
    decided: int = 0  # held responses decided


class ConflictService:
    def __init__(self, env: Env, access: AccessService) -> None:
        self.env = env
        self.access = access

    async def held(self, round_id: int) -> list[tuple[str, int]]:
        """(household code, chat answers waiting) in the round."""
        return await households_db.held(self.env.db.conn, round_id)

    async def held_in(
        self, person_id: int, commune_code: int
    ) -> list[tuple[Round, list[tuple[str, int]]]]:
        """The commune's rounds with held answers; raises Forbidden (audited) outside the scope."""
        await self.access.require(Actor(person_id), Action.ENTER_SHEETS, Scope(commune_code))
        rounds = await surveys_db.list_rounds(self.env.db.conn, commune_code=commune_code)
        found = [(r, await self.held(r.id)) for r in rounds]
        return [(r, h) for r, h in found if h]

    async def decide(self, actor: Actor, round_id: int, code: str, keep: Keep) -> Decision:
        """Ends a held conflict; a code outside the actor's communes is answered as unknown."""
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
            decided = await households_db.decide(
                conn, round_id, household.id, keep_paper=keep is Keep.PAPER
            )
        if not decided:
            return Decision(Decided.NOT_WAITING, household.code, round_id, keep)
        await self.access.audit(
            actor,
            Action.ENTER_SHEETS,
            scope,
            detail=f"conflict {household.code} round {round_id} keep {keep}",
        )
        return Decision(Decided.DONE, household.code, round_id, keep, decided)
