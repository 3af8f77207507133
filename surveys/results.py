"""Results as someone asks for them, from any channel: a commune's report, a province's table,
the national table, for viewing (VIEW_SUMMARY) or as a report or spreadsheet (EXPORT).

Each use case takes the actor first, checks access (refusals audited by surveys.access) and
writes the audit of what was seen before computing it. SummaryService underneath computes the
figures, unchecked, for the scheduler's result broadcasts and the demo.
"""

from __future__ import annotations

from surveys.access import AccessService, Action, Actor, Role, Scope
from surveys.summaries import (
    CommuneReport,
    NationalRow,
    ProvinceReport,
    SummaryService,
    Target,
)


class ResultService:
    def __init__(self, access: AccessService, summaries: SummaryService) -> None:
        self.access = access
        self.summaries = summaries

    async def default_target(self, actor: Actor) -> Target | None:
        """The place of an officer's only grant (what a bare /summary shows); None otherwise."""
        if actor.person_id is None:
            return None
        grants = [g for g in await self.access.grants(actor.person_id) if g.role == Role.OFFICER]
        return await self.summaries.target_of(grants[0]) if len(grants) == 1 else None

    async def report(
        self, actor: Actor, target: Target, action: Action = Action.VIEW_SUMMARY
    ) -> CommuneReport | ProvinceReport:
        """The commune's report or the province's table; raises Forbidden or SummaryRefused."""
        if target.commune is not None:
            return await self.commune(actor, target.commune.code, action=action)
        assert target.province is not None
        return await self.province(actor, target.province.code, action=action)

    async def commune(
        self,
        actor: Actor,
        code: int,
        round_id: int | None = None,
        *,
        action: Action = Action.VIEW_SUMMARY,
    ) -> CommuneReport:
        await self._open(actor, action, Scope(commune=code))
        return await self.summaries.commune(code, round_id)

    async def province(
        self, actor: Actor, code: int, *, action: Action = Action.VIEW_SUMMARY
    ) -> ProvinceReport:
        await self._open(actor, action, Scope(province=code))
        return await self.summaries.province(code)

    async def national(
        self, actor: Actor, *, action: Action = Action.VIEW_SUMMARY
    ) -> list[NationalRow]:
        """Every province: administrators and the operator only."""
        await self._open(actor, action, Scope())
        return await self.summaries.national()

    async def _open(self, actor: Actor, action: Action, scope: Scope) -> None:
        """The one access check, then the audit of what is about to be seen."""
        await self.access.require(actor, action, scope)
        await self.access.audit(actor, action, scope)
