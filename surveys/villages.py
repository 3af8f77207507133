"""Staff manage their commune's villages in chat: every step checks the role again."""

from __future__ import annotations

from storage import communes as communes_db
from storage import residents as residents_db
from storage.records import ChatState, Commune, Village
from surveys.access import AccessService, Action, Actor, Scope
from surveys.env import Env

ADD_STATE = "role_village_add"  # ref: the commune whose village name is being typed
NAME_MAX = 60


def clean_name(text: str) -> str | None:
    """One line, spaces collapsed, 1..NAME_MAX characters; None otherwise."""
    if "\n" in text.strip():
        return None
    name = " ".join(text.split())
    return name if 0 < len(name) <= NAME_MAX and name.isprintable() else None


class VillageService:
    def __init__(self, env: Env, access: AccessService) -> None:
        self.env = env
        self.access = access

    async def manageable(self, user_id: int) -> list[int] | None:
        """Communes where the user may manage villages; None means every commune."""
        return await self.access.communes(user_id, Action.MANAGE_VILLAGES)

    async def open(self, user_id: int, commune_code: int) -> tuple[Commune, list[Village]] | None:
        """The commune and its villages (None if no such commune); raises Forbidden (audited)
        outside the user's scope."""
        await self.access.require(Actor(user_id), Action.MANAGE_VILLAGES, Scope(commune_code))
        commune = await communes_db.get_commune(self.env.db.conn, commune_code)
        if commune is None:
            return None
        return commune, await communes_db.list_villages(self.env.db.conn, commune_code)

    async def begin_add(self, user_id: int, commune_code: int) -> Commune | None:
        opened = await self.open(user_id, commune_code)
        if opened is None:
            return None
        commune = opened[0]
        async with self.env.db.transaction() as conn:
            await residents_db.set_chat_state(
                conn, user_id, ChatState(ADD_STATE, commune_code), self.env.now()
            )
        return commune

    async def pending(self, user_id: int) -> int | None:
        state = await residents_db.get_chat_state(self.env.db.conn, user_id)
        return state.ref if state is not None and state.state == ADD_STATE else None

    async def add(self, user_id: int, commune_code: int, name: str) -> bool:
        """Adds the village (False if it existed) and ends the step; checked and audited."""
        await self.access.require(Actor(user_id), Action.MANAGE_VILLAGES, Scope(commune_code))
        async with self.env.db.transaction() as conn:
            added = await communes_db.insert_village(conn, commune_code, name)
            await residents_db.clear_chat_state(conn, user_id)
        await self.access.audit(
            Actor(user_id),
            Action.MANAGE_VILLAGES,
            Scope(commune_code),
            detail=f"add village {name}" if added else f"village exists {name}",
        )
        return added
