"""Signing in to the dashboard: a one-time link from chat or the command line, then a session.

A link is a bearer secret of 32 random bytes (256 bits), valid ten minutes and once; a session
lasts a working day. The database keeps only their SHA-256, so a copy of it signs nobody in.
A session belongs to a role holder (grants are keyed by the person, surveys.access) and ends
when the role it was made for is revoked, or when its holder holds no role any more: every
request asks again (`holder`), so a revocation takes effect on the next page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from storage import dashboard as dashboard_db
from storage.dashboard import Holder
from storage.records import Grant
from surveys import bearer
from surveys.access import AccessService, Actor, Scope
from surveys.env import Env

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=10)  # a working day at the office
SIGN_IN = "dashboard.signin"
SIGN_OUT = "dashboard.signout"
LINK = "dashboard.link"


class SignInError(StrEnum):
    UNKNOWN = "unknown"  # no such link (mistyped, or never made)
    USED = "used"
    EXPIRED = "expired"
    NO_ROLE = "no_role"  # the role the link or session was made for is gone
    UNKNOWN_ROLE = "unknown_role"  # `ykien dashboard link --role-id` of no active role
    SIGNED_OUT = "signed_out"  # no session, or it ended or expired


class SignInRefused(Exception):
    def __init__(self, error: SignInError) -> None:
        super().__init__(error.value)
        self.error = error


@dataclass(frozen=True)
class Session:
    actor: Actor
    holder: Holder


class SignInService:
    def __init__(self, env: Env, access: AccessService) -> None:
        self.env = env
        self.access = access

    async def chat_link(self, actor: Actor) -> str:
        """A sign-in secret for a person with a role (their /dashboard); raises SignInRefused
        (NO_ROLE) for anyone else, counted as a resident's action, not audited one by one."""
        assert actor.person_id is not None, "a chat link is a person's"
        if not await self.access.grants(actor.person_id):
            await self.access.count_resident(LINK, "refused")
            raise SignInRefused(SignInError.NO_ROLE)
        secret = await self._new_link(actor.person_id, None)
        await self.access.audit(actor, LINK, Scope(), detail="chat")
        return secret

    async def role_link(self, grant_id: int) -> tuple[str, Grant]:
        """The operator's link for one active role (`ykien dashboard link --role-id`)."""
        grant = next((g for g in await self.access.all_grants() if g.id == grant_id), None)
        if grant is None:
            raise SignInRefused(SignInError.UNKNOWN_ROLE)
        secret = await self._new_link(grant.resident_id, grant.id)
        scope = Scope(grant.commune_code, grant.province_code)
        await self.access.audit(Actor.operator(), LINK, scope, detail=f"role {grant.id}")
        return secret, grant

    async def check_link(self, secret: str) -> None:
        """Raises SignInRefused unless the link can still sign in (reading changes nothing:
        a chat's link preview fetching the page must not use the link up)."""
        await self._usable(secret)

    async def redeem(self, secret: str) -> str:
        """Uses the link once and opens a session; its token (the browser's cookie)."""
        holder = await self._usable(secret)
        token = secrets.token_urlsafe(32)
        now = self.env.now()
        session = Holder(holder.person_id, holder.grant_id, now + SESSION_TTL)
        async with self.env.db.transaction() as conn:
            if not await dashboard_db.use_link(conn, bearer.stored(secret), now):
                raise SignInRefused(SignInError.USED)  # another browser was quicker
            await dashboard_db.insert_session(conn, bearer.stored(token), session, now)
        await self.access.audit(Actor(holder.person_id), SIGN_IN, Scope())
        return token

    async def session(self, token: str) -> Session:
        """The signed-in person, while the session lasts and the role stands."""
        holder = await dashboard_db.live_session(
            self.env.db.conn, bearer.stored(token), self.env.now()
        )
        if holder is None:
            raise SignInRefused(SignInError.SIGNED_OUT)
        if not await self._holds(holder):
            raise SignInRefused(SignInError.NO_ROLE)
        return Session(Actor(holder.person_id), holder)

    async def sign_out(self, token: str) -> None:
        async with self.env.db.transaction() as conn:
            holder = await dashboard_db.live_session(conn, bearer.stored(token), self.env.now())
            ended = await dashboard_db.end_session(conn, bearer.stored(token), self.env.now())
        if ended and holder is not None:
            await self.access.audit(Actor(holder.person_id), SIGN_OUT, Scope())

    async def _new_link(self, person_id: int, grant_id: int | None) -> str:
        secret = secrets.token_urlsafe(32)
        now = self.env.now()
        async with self.env.db.transaction() as conn:
            await dashboard_db.insert_link(
                conn, bearer.stored(secret), person_id, grant_id, now, now + LINK_TTL
            )
        return secret

    async def _usable(self, secret: str) -> Holder:
        link = await dashboard_db.get_link(self.env.db.conn, bearer.stored(secret))
        if link is None:
            raise SignInRefused(SignInError.UNKNOWN)
        if link.used_at is not None:
            raise SignInRefused(SignInError.USED)
        if link.holder.expires_at <= self.env.now():
            raise SignInRefused(SignInError.EXPIRED)
        if not await self._holds(link.holder):
            raise SignInRefused(SignInError.NO_ROLE)
        return link.holder

    async def _holds(self, holder: Holder) -> bool:
        grants = await self.access.grants(holder.person_id)
        if holder.grant_id is None:
            return bool(grants)
        return any(g.id == holder.grant_id for g in grants)
