"""Who may do what, where: the one access check every handler and command-line action uses.

A person holds any number of grants: staff of a commune, officer of a province or of one
commune (several grants make a list), administrator. Each action names the roles that may
perform it; a grant covers a scope (a commune, or a province) by its own commune or province.
Every refusal is written to the audit log, and callers record what they did with `audit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage import access as access_db
from storage import communes as communes_db
from storage import invitations as invitations_db
from storage import people as people_db
from storage.records import AuditEntry, Grant
from surveys.env import Env


class Role(StrEnum):
    STAFF = "staff"
    OFFICER = "officer"
    ADMIN = "admin"


class Action(StrEnum):
    MANAGE_ROUNDS = "rounds.manage"  # open, schedule, cancel, close rounds; broadcasts
    VIEW_PROGRESS = "rounds.progress"
    SEND_REMINDERS = "rounds.remind"
    ANSWER_QUESTIONS = "questions.answer"  # the commune's queue of residents' questions
    MANAGE_FAQ = "faq.manage"  # turn an answer into an FAQ entry
    MANAGE_VILLAGES = "villages.manage"
    ENTER_SHEETS = "sheets.enter"  # paper sheets and household codes
    VIEW_SUMMARY = "summary.view"
    EXPORT = "summary.export"  # reports and spreadsheets
    MANAGE_ROLES = "roles.manage"


_STAFF_AND_UP = frozenset({Role.STAFF, Role.ADMIN})
_READERS = frozenset({Role.STAFF, Role.OFFICER, Role.ADMIN})

WHO_MAY: dict[Action, frozenset[Role]] = {
    Action.MANAGE_ROUNDS: _STAFF_AND_UP,
    Action.VIEW_PROGRESS: frozenset({Role.STAFF, Role.OFFICER, Role.ADMIN}),
    Action.SEND_REMINDERS: _STAFF_AND_UP,
    Action.ANSWER_QUESTIONS: _STAFF_AND_UP,
    Action.MANAGE_FAQ: _STAFF_AND_UP,
    Action.MANAGE_VILLAGES: _STAFF_AND_UP,
    Action.ENTER_SHEETS: _STAFF_AND_UP,
    Action.VIEW_SUMMARY: _READERS,  # staff see their own commune's results too
    Action.EXPORT: _READERS,
    Action.MANAGE_ROLES: frozenset({Role.ADMIN}),
}


@dataclass(frozen=True)
class Scope:
    """Where an action applies: one commune, one province, or everywhere (both None)."""

    commune: int | None = None
    province: int | None = None


@dataclass(frozen=True)
class Actor:
    """A person (residents.id, whatever channel they came through), or the operator at the
    command line (who holds the database)."""

    person_id: int | None

    @classmethod
    def operator(cls) -> Actor:
        return cls(None)

    @property
    def label(self) -> str:
        return "cli" if self.person_id is None else f"person:{self.person_id}"


class Forbidden(Exception):
    """Raised by `require`; the refusal is already in the audit log."""

    def __init__(self, action: Action, scope: Scope) -> None:
        super().__init__(f"{action.value} refused")
        self.action = action
        self.scope = scope


class AccessService:
    def __init__(self, env: Env) -> None:
        self._env = env

    async def grants(self, person_id: int) -> list[Grant]:
        conn = self._env.db.conn
        found = await access_db.active_grants(conn, person_id)
        # administrators are configured by Telegram id (YKIEN_ADMIN_IDS)
        telegram = await people_db.telegram_id(conn, person_id)
        if telegram is not None and telegram in self._env.settings.admin_ids:
            found.append(_configured_admin(person_id, self._env))
        return found

    async def roles(self, person_id: int) -> set[Role]:
        return {Role(g.role) for g in await self.grants(person_id)}

    async def allowed(self, actor: Actor, action: Action, scope: Scope) -> bool:
        """The check itself, with no side effect (for menus and listings)."""
        if actor.person_id is None:
            return True
        allowed_roles = WHO_MAY[action]
        grants = [g for g in await self.grants(actor.person_id) if Role(g.role) in allowed_roles]
        if not grants:
            return False
        province = scope.province
        if scope.commune is not None:
            commune = await communes_db.get_commune(self._env.db.conn, scope.commune)
            if commune is None:
                return any(g.role == Role.ADMIN for g in grants)
            province = commune.province_code
        return any(_covers(g, scope.commune, province) for g in grants)

    async def require(self, actor: Actor, action: Action, scope: Scope) -> None:
        """Raises Forbidden (after auditing the refusal) unless the actor may act here."""
        if not await self.allowed(actor, action, scope):
            if (
                actor.person_id is not None
                and not await self.grants(actor.person_id)
                and not (await access_db.ever_granted(self._env.db.conn, actor.person_id))
            ):
                # A resident trying a staff command: counted per day, not logged one by one
                # (someone whose role was revoked is still audited).
                await self.count_resident(action, "refused")
            else:
                await self.audit(actor, action, scope, outcome="refused")
            raise Forbidden(action, scope)

    async def count_resident(self, action: Action | str, outcome: str) -> None:
        """Counts a resident's action for today (Vietnam time): what residents do is tallied,
        so that no resident can grow the append-only audit log."""
        day = self._env.now().astimezone(self._env.settings.timezone).date().isoformat()
        async with self._env.db.transaction() as conn:
            await access_db.count_resident_action(conn, day, str(action), outcome)

    async def resident_actions(
        self, since: datetime | None = None
    ) -> list[tuple[str, str, str, int]]:
        day = since.astimezone(self._env.settings.timezone).date().isoformat() if since else ""
        return await access_db.resident_actions(self._env.db.conn, day)

    async def communes(self, person_id: int, action: Action) -> list[int] | None:
        """The communes where the user may perform the action; None means every commune."""
        allowed_roles = WHO_MAY[action]
        grants = [g for g in await self.grants(person_id) if Role(g.role) in allowed_roles]
        if any(g.role == Role.ADMIN for g in grants):
            return None
        codes = {g.commune_code for g in grants if g.commune_code is not None}
        conn = self._env.db.conn
        for province in {g.province_code for g in grants if g.province_code is not None}:
            codes.update(
                c.code for c in await communes_db.list_communes(conn, province_code=province)
            )
        return sorted(codes)

    async def grant(
        self,
        person_id: int,
        role: Role,
        *,
        commune: int | None = None,
        province: int | None = None,
        by: Actor | None = None,
    ) -> int:
        actor = by or Actor.operator()
        await self.require(actor, Action.MANAGE_ROLES, Scope(commune, province))
        async with self._env.db.transaction() as conn:
            grant_id = await access_db.insert_grant(
                conn,
                person_id,
                role.value,
                commune_code=commune,
                province_code=province,
                granted_by=actor.label,
                now=self._env.now(),
            )
            await invitations_db.mark_menu_dirty(conn, person_id, self._env.now())
        await self.audit(
            actor, Action.MANAGE_ROLES, Scope(commune, province), detail=f"grant {role} {person_id}"
        )
        return grant_id

    async def revoke(self, grant_id: int, *, by: Actor | None = None) -> Grant | None:
        """Revokes an active grant; None when there is no such active grant. Raises Forbidden
        (audited) unless `by` (default: the operator) may manage roles everywhere."""
        await self.require(by or Actor.operator(), Action.MANAGE_ROLES, Scope())
        async with self._env.db.transaction() as conn:
            grant = await access_db.get_grant(conn, grant_id)
            if grant is None or not await access_db.revoke_grant(conn, grant_id, self._env.now()):
                return None
            await invitations_db.mark_menu_dirty(conn, grant.resident_id, self._env.now())
        scope = Scope(grant.commune_code, grant.province_code)
        await self.audit(
            by or Actor.operator(), Action.MANAGE_ROLES, scope, detail=f"revoke {grant_id}"
        )
        return grant

    async def all_grants(self) -> list[Grant]:
        """Every active grant in the database (configured administrators are not stored)."""
        return await access_db.all_grants(self._env.db.conn)

    async def audit_log(self, since: datetime | None = None) -> list[AuditEntry]:
        return await access_db.audit_entries(self._env.db.conn, since)

    async def audit(
        self,
        actor: Actor,
        action: Action | str,
        scope: Scope,
        *,
        outcome: str = "ok",
        detail: str = "",
        actor_label: str | None = None,
    ) -> None:
        async with self._env.db.transaction() as conn:
            await access_db.append_audit(
                conn,
                at=self._env.now(),
                actor=actor_label or actor.label,
                action=str(action),
                commune_code=scope.commune,
                province_code=scope.province,
                outcome=outcome,
                detail=detail,
            )


def _covers(grant: Grant, commune: int | None, province: int | None) -> bool:
    if grant.role == Role.ADMIN:
        return True
    if commune is None and province is None:
        return False  # only administrators act everywhere
    if grant.commune_code is not None:
        return commune is not None and grant.commune_code == commune
    return grant.province_code is not None and grant.province_code == province


def _configured_admin(person_id: int, env: Env) -> Grant:
    now = env.now()
    return Grant(0, person_id, Role.ADMIN.value, None, None, now, "config", None)
