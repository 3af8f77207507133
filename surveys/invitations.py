"""One-time invitations that make someone commune staff or an officer, and role menus.

The link carries `i<token>`; only the SHA-256 of the token is stored, so a copy of the database
cannot be turned into working links. An invitation is used once, expires, and can be revoked;
using it grants the role, marks it used and audits it in one transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from storage import access as access_db
from storage import communes as communes_db
from storage import invitations as invitations_db
from storage import people as people_db
from storage.invitations import Invitation
from storage.people import Who
from surveys import bearer
from surveys.access import AccessService, Action, Actor, Role, Scope
from surveys.env import Env

INVITE_PREFIX = "i"
_TOKEN_BYTES = 16
_PAYLOAD = re.compile(r"^i([A-Za-z0-9_-]{22})$")  # token_urlsafe(16) is 22 characters
MAX_DAYS = 90


def invite_payload(token: str) -> str:
    return f"{INVITE_PREFIX}{token}"


def parse_invite_payload(payload: str) -> str | None:
    """The token of an invitation payload, or None if the payload is not shaped like one."""
    match = _PAYLOAD.fullmatch(payload)
    return match[1] if match else None


class Redeem(StrEnum):
    GRANTED = "granted"
    UNKNOWN = "unknown"  # no such invitation (mistyped, forged)
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Redeemed:
    outcome: Redeem
    invitation: Invitation | None = None
    places: tuple[str, ...] = ()  # commune or province names the role covers


@dataclass(frozen=True)
class Issued:
    invitation: Invitation
    link: str


class InviteRefused(Exception):
    """Bad invitation parameters: `reason` names the template branch."""

    def __init__(self, reason: str, value: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


class InvitationService:
    def __init__(self, env: Env, access: AccessService) -> None:
        self.env = env
        self.access = access

    async def issue(
        self,
        role: Role,
        *,
        communes: list[int] | None = None,
        province: int | None = None,
        days: int = 7,
        by: Actor | None = None,
    ) -> Issued:
        """Creates an invitation; raises InviteRefused for unknown places or bad durations,
        Forbidden (audited) unless `by` (default: the operator) may manage roles there."""
        conn = self.env.db.conn
        communes = sorted(set(communes or []))
        places = [Scope(code) for code in communes] or [Scope(province=province)]
        for place in places:
            await self.access.require(by or Actor.operator(), Action.MANAGE_ROLES, place)
        if role not in (Role.STAFF, Role.OFFICER):
            raise InviteRefused("bad_role", role)
        if not 1 <= days <= MAX_DAYS:
            raise InviteRefused("bad_days", days)
        if (province is None) == (not communes) or (role is Role.STAFF and province is not None):
            raise InviteRefused("bad_scope")
        for code in communes:
            if await communes_db.get_commune(conn, code) is None:
                raise InviteRefused("unknown_commune", code)
        if province is not None and await communes_db.get_province(conn, province) is None:
            raise InviteRefused("unknown_province", province)
        self.env.bot_username()  # raises BotUnknown before an invitation without a link is stored
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        now = self.env.now()
        actor = by or Actor.operator()
        async with self.env.db.transaction() as conn:
            invitation_id = await invitations_db.insert(
                conn,
                token_hash=bearer.stored(token),
                role=role.value,
                province_code=province,
                communes=communes,
                now=now,
                expires_at=now + timedelta(days=days),
            )
            await access_db.append_audit(
                conn,
                at=now,
                actor=actor.label,
                action=Action.MANAGE_ROLES.value,
                commune_code=communes[0] if len(communes) == 1 else None,
                province_code=province,
                outcome="ok",
                detail=f"invite {invitation_id} {role} {','.join(map(str, communes))}".strip(),
            )
            invitation = await invitations_db.get(conn, invitation_id)
        assert invitation is not None
        link = self.env.start_link(invite_payload(token))
        return Issued(invitation, link)

    async def redeem(self, who: Who, token: str) -> Redeemed:
        """Grants the invitation's role to the person, once; anything else changes nothing."""
        now = self.env.now()
        async with self.env.db.transaction() as conn:
            invitation = await invitations_db.by_token_hash(conn, bearer.stored(token))
            if invitation is None:
                return Redeemed(Redeem.UNKNOWN)
            if invitation.revoked_at is not None:
                return Redeemed(Redeem.REVOKED, invitation)
            if invitation.used_at is not None:
                return Redeemed(Redeem.USED, invitation)
            if invitation.expires_at <= now:
                return Redeemed(Redeem.EXPIRED, invitation)
            scopes: list[tuple[int | None, int | None]] = (
                [(None, invitation.province_code)]
                if invitation.province_code is not None
                else [(code, None) for code in invitation.communes]
            )
            person_id = await people_db.ensure(conn, who, now)
            grant_ids = [
                await access_db.insert_grant(
                    conn,
                    person_id,
                    invitation.role,
                    commune_code=commune,
                    province_code=province,
                    granted_by=f"invitation:{invitation.id}",
                    now=now,
                )
                for commune, province in scopes
            ]
            used = await invitations_db.mark_used(conn, invitation.id, person_id, grant_ids[0], now)
            assert used  # checked above inside the same write transaction
            for (commune, province), grant_id in zip(scopes, grant_ids, strict=True):
                await access_db.append_audit(
                    conn,
                    at=now,
                    actor=Actor(person_id).label,
                    action=Action.MANAGE_ROLES.value,
                    commune_code=commune,
                    province_code=province,
                    outcome="ok",
                    detail=f"accept invitation {invitation.id} grant {grant_id}",
                )
            places = await self._places(invitation)
        return Redeemed(Redeem.GRANTED, invitation, places)

    async def _places(self, invitation: Invitation) -> tuple[str, ...]:
        conn = self.env.db.conn
        if invitation.province_code is not None:
            province = await communes_db.get_province(conn, invitation.province_code)
            return (province.name,) if province else ()
        found = [await communes_db.get_commune(conn, code) for code in invitation.communes]
        return tuple(f"{c.name}, {c.province_name}" for c in found if c is not None)

    async def list_all(self) -> list[Invitation]:
        return await invitations_db.list_all(self.env.db.conn)

    async def revoke(self, invitation_id: int, *, by: Actor | None = None) -> Invitation | None:
        """Revokes an unused invitation; None when there is no such unused one. Raises
        Forbidden (audited) unless `by` (default: the operator) may manage roles everywhere."""
        await self.access.require(by or Actor.operator(), Action.MANAGE_ROLES, Scope())
        now = self.env.now()
        async with self.env.db.transaction() as conn:
            if not await invitations_db.revoke(conn, invitation_id, now):
                return None
            await access_db.append_audit(
                conn,
                at=now,
                actor=(by or Actor.operator()).label,
                action=Action.MANAGE_ROLES.value,
                commune_code=None,
                province_code=None,
                outcome="ok",
                detail=f"revoke invitation {invitation_id}",
            )
            return await invitations_db.get(conn, invitation_id)

    async def mark_menu_dirty(self, person_id: int) -> None:
        async with self.env.db.transaction() as conn:
            await invitations_db.mark_menu_dirty(conn, person_id, self.env.now())

    async def menus_to_redo(self) -> list[int]:
        return await invitations_db.menu_dirty(self.env.db.conn)

    async def menu_done(self, person_id: int) -> None:
        async with self.env.db.transaction() as conn:
            await invitations_db.clear_menu_dirty(conn, person_id)
