"""Residents joining their commune: by link, or by province and a typed name; villages."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

import aiosqlite

from storage import communes as communes_db
from storage import people as people_db
from storage import residents as residents_db
from storage.people import Who
from storage.records import ChatState, Commune, Province, Resident, Village
from surveys import villages as village_rules
from surveys.env import Env
from surveys.text import fold

JOIN_PREFIX = "j"
_JOIN_PAYLOAD = re.compile(r"^j([A-Za-z0-9_-]{8,32})$")
SEARCH_STATE = "search_commune"
MIN_QUERY = 2
VILLAGE_NAME_MAX = 60


def join_payload(token: str) -> str:
    return f"{JOIN_PREFIX}{token}"


def parse_join_payload(payload: str) -> str | None:
    """The token inside a join payload, or None if it is not shaped like one."""
    match = _JOIN_PAYLOAD.fullmatch(payload)
    return match[1] if match else None


@dataclass(frozen=True)
class Membership:
    resident: Resident
    commune: Commune
    villages: list[Village]
    village: Village | None


class SearchOutcome(StrEnum):
    FOUND = "found"  # 1..limit matches, shown as buttons
    NONE = "none"  # nothing matched
    TOO_MANY = "too_many"  # more than the limit: type more of the name
    TOO_SHORT = "too_short"  # fewer than MIN_QUERY letters
    NOT_SEARCHING = "not_searching"  # no province picked: the text is not a commune search


@dataclass(frozen=True)
class SearchResult:
    outcome: SearchOutcome
    query: str
    province: Province | None = None
    matches: tuple[Commune, ...] = ()


class ResidentService:
    def __init__(self, env: Env) -> None:
        self.env = env

    @property
    def _conn(self) -> aiosqlite.Connection:  # the storage connection
        return self.env.db.conn

    async def get(self, person_id: int) -> Resident | None:
        return await residents_db.get(self._conn, person_id)

    async def membership(self, person_id: int) -> Membership | None:
        resident = await self.get(person_id)
        if resident is None or resident.commune_code is None:
            return None
        return await self._membership(resident)

    async def _membership(self, resident: Resident) -> Membership:
        assert resident.commune_code is not None
        commune = await communes_db.get_commune(self._conn, resident.commune_code)
        assert commune is not None
        villages = await communes_db.list_villages(self._conn, commune.code)
        village = next((v for v in villages if v.id == resident.village_id), None)
        return Membership(resident, commune, villages, village)

    async def join_by_token(self, who: Who, name: str, token: str) -> Membership | None:
        """None when no commune has this join token."""
        commune = await communes_db.commune_by_join_token(self._conn, token)
        if commune is None:
            return None
        return await self.join(who, name, commune.code)

    async def join(self, who: Who, name: str, commune_code: int) -> Membership | None:
        """Joins the person (made now if `who` is a new address) to the commune."""
        if await communes_db.get_commune(self._conn, commune_code) is None:
            return None
        async with self.env.db.transaction() as conn:
            person_id = await people_db.ensure(conn, who, self.env.now())
            resident = await residents_db.upsert_membership(
                conn, person_id, name[:64], commune_code, self.env.now()
            )
            await residents_db.clear_chat_state(conn, person_id)
        return await self._membership(resident)

    async def provinces(self) -> list[Province]:
        return await communes_db.list_provinces(self._conn)

    async def begin_search(self, who: Who, province_code: int) -> Province | None:
        province = await communes_db.get_province(self._conn, province_code)
        if province is None:
            return None
        async with self.env.db.transaction() as conn:
            person_id = await people_db.ensure(conn, who, self.env.now())
            await residents_db.set_chat_state(
                conn, person_id, ChatState(SEARCH_STATE, province_code), self.env.now()
            )
        return province

    async def search(self, state: ChatState | None, query: str) -> SearchResult:
        """Matches a typed commune name, with or without diacritics, in the province of the
        chat's pending search (`state`, its pending step: surveys.pending)."""
        if state is None or state.state != SEARCH_STATE:
            return SearchResult(SearchOutcome.NOT_SEARCHING, query)
        province = await communes_db.get_province(self._conn, state.ref)
        folded = fold(query)
        if sum(ch.isalnum() for ch in folded) < MIN_QUERY:
            return SearchResult(SearchOutcome.TOO_SHORT, query, province)
        limit = self.env.settings.search_limit
        found = await communes_db.search_communes(
            self._conn, folded, province_code=state.ref, limit=limit + 1
        )
        if not found:
            return SearchResult(SearchOutcome.NONE, query, province)
        if len(found) > limit:
            return SearchResult(SearchOutcome.TOO_MANY, query, province)
        return SearchResult(SearchOutcome.FOUND, query, province, tuple(found))

    async def cancel(self, person_id: int) -> bool:
        """Drops a pending commune search or comment rewrite; True if there was one."""
        async with self.env.db.transaction() as conn:
            return await residents_db.clear_chat_state(conn, person_id)

    async def choose_village(self, person_id: int, village_id: int) -> Village | None:
        """None unless the village belongs to the resident's own commune."""
        resident = await self.get(person_id)
        village = await communes_db.get_village(self._conn, village_id)
        if resident is None or village is None or village.commune_code != resident.commune_code:
            return None
        async with self.env.db.transaction() as conn:
            await residents_db.set_village(conn, resident.id, village.id)
        return village

    async def note_group(self, chat_id: int) -> bool:
        """True only the first time the bot meets this group chat."""
        async with self.env.db.transaction() as conn:
            return await residents_db.mark_group_notified(conn, chat_id, self.env.now())

    async def commune(self, code: int) -> Commune | None:
        return await communes_db.get_commune(self._conn, code)

    async def communes(self, province_code: int | None = None) -> list[Commune]:
        return await communes_db.list_communes(self._conn, province_code=province_code)

    async def find_communes(self, query: str, province_code: int | None = None) -> list[Commune]:
        return await communes_db.search_communes(
            self._conn, fold(query), province_code=province_code, limit=50
        )

    async def join_token(self, commune_code: int) -> str | None:
        """The commune's join token, created on first request; None for an unknown commune."""
        if await communes_db.get_commune(self._conn, commune_code) is None:
            return None
        async with self.env.db.transaction() as conn:
            token = await communes_db.get_join_token(conn, commune_code)
            if token is None:
                token = secrets.token_urlsafe(9)
                await communes_db.insert_join_token(conn, commune_code, token, self.env.now())
        return token

    def join_link(self, token: str) -> str:
        return self.env.start_link(join_payload(token))

    async def add_villages(self, commune_code: int, names: list[str]) -> list[tuple[str, bool]]:
        """Adds villages by name; returns (name, added) with False for ones that existed in
        any spelling (see surveys.villages.add_names). Raises VillageRefused."""
        return await village_rules.add_names(self.env, commune_code, names)

    async def villages(self, commune_code: int) -> list[Village]:
        return await communes_db.list_villages(self._conn, commune_code)

    async def registered(self, commune_code: int) -> int:
        return await residents_db.count_in_commune(self._conn, commune_code)
