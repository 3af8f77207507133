"""Staff manage their commune's villages in chat: every step checks the role again."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import aiosqlite

from storage import communes as communes_db
from storage import residents as residents_db
from storage import villages as villages_db
from storage.records import ChatState, Commune, Village
from surveys.access import AccessService, Action, Actor, Scope
from surveys.env import Env
from surveys.text import same_key

ADD_STATE = "role_village_add"  # ref: the commune whose village name is being typed
NAME_MAX = 60


def clean_name(text: str) -> str | None:
    """One line, NFC, spaces collapsed, 1..NAME_MAX characters; None otherwise."""
    if "\n" in text.strip():
        return None
    name = " ".join(unicodedata.normalize("NFC", text).split())
    return name if 0 < len(name) <= NAME_MAX and name.isprintable() else None


def awaited_commune(state: ChatState) -> int | None:
    """The commune whose new village's name the chat's pending step awaits, or None."""
    return state.ref if state.state == ADD_STATE else None


class VillageRefused(Exception):
    """reason: bad_name, unknown_village, exists, has_answers, has_households, has_broadcasts."""

    def __init__(self, reason: str, value: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


def match(villages: Sequence[Village], name: str) -> Village | None:
    """The village called `name` in any Unicode form, case or spacing (the exact spelling
    first, should a database from before this rule hold two spellings)."""
    exact = next((v for v in villages if v.name == name), None)
    wanted = same_key(name)
    return exact or next((v for v in villages if same_key(v.name) == wanted), None)


def _named(villages: Sequence[Village], name: str) -> Village | None:
    """By name, or by the id `village list` prints (to tell apart two old identical names)."""
    found = match(villages, name)
    if found is None and name.strip().isdecimal():
        found = next((v for v in villages if v.id == int(name)), None)
    return found


async def find(env: Env, commune_code: int, name: str) -> Village | None:
    return match(await communes_db.list_villages(env.db.conn, commune_code), name)


async def add_names(env: Env, commune_code: int, names: Sequence[str]) -> list[tuple[str, bool]]:
    """Adds villages; returns (stored name, added). A name already there in another form is
    not added again, so residents never see two identical buttons. Raises VillageRefused."""
    cleaned = []
    for raw in names:
        name = clean_name(raw)
        if name is None:
            raise VillageRefused("bad_name", raw)
        cleaned.append(name)
    async with env.db.transaction() as conn:
        return await _insert_new(conn, commune_code, cleaned)


async def _insert_new(
    conn: aiosqlite.Connection, commune_code: int, names: Sequence[str]
) -> list[tuple[str, bool]]:
    done: list[tuple[str, bool]] = []
    known = list(await communes_db.list_villages(conn, commune_code))
    for name in names:
        existing = match(known, name)
        if existing is not None:
            done.append((existing.name, False))
            continue
        await communes_db.insert_village(conn, commune_code, name)
        known.append(Village(0, commune_code, name))
        done.append((name, True))
    return done


async def rename(env: Env, commune_code: int, old: str, new: str) -> tuple[Village, str]:
    """Renames a village (its answers and household codes follow it); returns it and the new
    name. Raises VillageRefused."""
    name = clean_name(new)
    if name is None:
        raise VillageRefused("bad_name", new)
    async with env.db.transaction() as conn:
        villages = await communes_db.list_villages(conn, commune_code)
        village = _named(villages, old)
        if village is None:
            raise VillageRefused("unknown_village", old)
        clash = match(villages, name)
        if clash is not None and clash.id != village.id:
            raise VillageRefused("exists", clash.name)
        await villages_db.rename(conn, village.id, name)
    return village, name


async def remove(env: Env, commune_code: int, name: str) -> tuple[Village, int]:
    """Removes a village nothing counted refers to; returns it and how many residents who had
    picked it will be asked again. Raises VillageRefused while it has answers, household codes
    or broadcasts."""
    async with env.db.transaction() as conn:
        village = _named(await communes_db.list_villages(conn, commune_code), name)
        if village is None:
            raise VillageRefused("unknown_village", name)
        use = await villages_db.usage(conn, village.id)
        for reason, count in (
            ("has_answers", use.responses),
            ("has_households", use.households),
            ("has_broadcasts", use.broadcasts),
        ):
            if count:
                raise VillageRefused(reason, count)
        await villages_db.delete(conn, village.id)
    return village, use.residents


class VillageService:
    """Staff's and the operator's village use cases: each takes the actor first, checks the
    role in the commune again (refusals audited by surveys.access) and audits what changed."""

    def __init__(self, env: Env, access: AccessService) -> None:
        self.env = env
        self.access = access

    async def manageable(self, actor: Actor) -> list[int] | None:
        """Communes where the actor may manage villages; None means every commune. Raises
        Forbidden (audited) for someone who may manage none."""
        if actor.person_id is None:
            return None
        found = await self.access.communes(actor.person_id, Action.MANAGE_VILLAGES)
        if found == []:
            await self.access.require(actor, Action.MANAGE_VILLAGES, Scope())
        return found

    async def open(self, actor: Actor, commune_code: int) -> tuple[Commune, list[Village]] | None:
        """The commune and its villages (None if no such commune); raises Forbidden (audited)
        outside the actor's scope."""
        await self.access.require(actor, Action.MANAGE_VILLAGES, Scope(commune_code))
        commune = await communes_db.get_commune(self.env.db.conn, commune_code)
        if commune is None:
            return None
        return commune, await communes_db.list_villages(self.env.db.conn, commune_code)

    async def begin_add(self, actor: Actor, commune_code: int) -> Commune | None:
        """The actor's next typed text names a new village of the commune (a chat step)."""
        opened = await self.open(actor, commune_code)
        if opened is None:
            return None
        commune = opened[0]
        async with self.env.db.transaction() as conn:
            await residents_db.set_chat_state(
                conn, _chat(actor), ChatState(ADD_STATE, commune_code), self.env.now()
            )
        return commune

    async def add(self, actor: Actor, commune_code: int, name: str) -> tuple[str, bool]:
        """Adds the village (False if it existed, in any spelling: its stored name is given)
        and ends the step; checked and audited. `name` comes from clean_name."""
        await self.access.require(actor, Action.MANAGE_VILLAGES, Scope(commune_code))
        async with self.env.db.transaction() as conn:
            [(name, added)] = await _insert_new(conn, commune_code, [name])
            if actor.person_id is not None:
                await residents_db.clear_chat_state(conn, actor.person_id)
        await self._audit(
            actor, commune_code, f"add village {name}" if added else f"village exists {name}"
        )
        return name, added

    async def add_names(
        self, actor: Actor, commune_code: int, names: Sequence[str]
    ) -> list[tuple[str, bool]]:
        """Adds several villages (see add_names); raises VillageRefused or Forbidden."""
        await self.access.require(actor, Action.MANAGE_VILLAGES, Scope(commune_code))
        done = await add_names(self.env, commune_code, names)
        added = [name for name, new in done if new]
        if added:
            await self._audit(actor, commune_code, "add villages " + ", ".join(added))
        return done

    async def rename(
        self, actor: Actor, commune_code: int, old: str, new: str
    ) -> tuple[Village, str]:
        """Renames a village (see rename); raises VillageRefused or Forbidden."""
        await self.access.require(actor, Action.MANAGE_VILLAGES, Scope(commune_code))
        village, name = await rename(self.env, commune_code, old, new)
        await self._audit(actor, commune_code, f"rename village {village.id} {name}")
        return village, name

    async def remove(self, actor: Actor, commune_code: int, name: str) -> tuple[Village, int]:
        """Removes a village nothing counted refers to (see remove); raises VillageRefused or
        Forbidden."""
        await self.access.require(actor, Action.MANAGE_VILLAGES, Scope(commune_code))
        village, residents = await remove(self.env, commune_code, name)
        await self._audit(actor, commune_code, f"remove village {village.id} {village.name}")
        return village, residents

    async def _audit(self, actor: Actor, commune_code: int, detail: str) -> None:
        await self.access.audit(actor, Action.MANAGE_VILLAGES, Scope(commune_code), detail=detail)


def _chat(actor: Actor) -> int:
    """A typed village name is a chat step of a person; the operator has no chat."""
    assert actor.person_id is not None, "a chat step of a person"
    return actor.person_id
