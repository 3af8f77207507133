"""Household codes: issued per village in batches for paper sheets, opened by members' phones.

A code is a bearer secret: whoever holds it answers for the household. It is 10 characters from
an alphabet of 31 without look-alikes (no 0/O, 1/I/L), 31**10 = 8.2e14 codes or 49.5 bits, so
staff can still type it from a paper sheet; codes issued before were 8 characters (39.6 bits) and
keep working. The link carries it as `/start h<code>`.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from storage import communes as communes_db
from storage import households as households_db
from storage import people as people_db
from storage import residents as residents_db
from storage import surveys as surveys_db
from storage import villages as villages_db
from storage.households import Household
from storage.people import Who
from storage.records import Commune, Village
from surveys import villages as village_rules
from surveys.access import AccessService, Action, Actor, Scope
from surveys.env import Env
from surveys.links import web_link
from surveys.residents import Membership, ResidentService

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_LENGTHS = (8, CODE_LENGTH)  # 8: codes issued before issue 17, still accepted
MAX_COUNT = 500
HOUSEHOLD_PREFIX = "h"
_PAYLOAD = re.compile(rf"h([{ALPHABET}]{{{CODE_LENGTH}}}|[{ALPHABET}]{{8}})")


def household_payload(code: str) -> str:
    return f"{HOUSEHOLD_PREFIX}{code}"


def parse_household_payload(payload: str) -> str | None:
    match = _PAYLOAD.fullmatch(payload)
    return match[1] if match else None


async def find(env: Env, code: str) -> Household | None:
    """The household of a code; the stored code is compared in constant time as well."""
    household = await households_db.by_code(env.db.conn, code)
    if household is None or not hmac.compare_digest(household.code.encode(), code.encode()):
        return None
    return household


class HouseholdRefused(Exception):
    def __init__(self, reason: str, value: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


@dataclass(frozen=True)
class IssuedSheet:
    commune: Commune
    village: Village
    households: list[tuple[Household, str]]  # with the link each QR code carries


@dataclass(frozen=True)
class Joined:
    membership: Membership
    household: Household
    members: int
    paper_counts: bool = False  # the household's paper sheet counts in an open round: hold


class HouseholdService:
    def __init__(self, env: Env, access: AccessService) -> None:
        self.env = env
        self.access = access
        self._residents = ResidentService(env)

    def link(self, household: Household) -> str:
        """What a household card's QR code carries: the web e-sheet's link when the deployment
        serves it (any phone browser, Zalo's included), else the Telegram deep link."""
        web_url = self.env.settings.web_url
        if web_url:
            return web_link(web_url, household.commune_code, household.code)
        return self.env.start_link(household_payload(household.code))

    async def issued_by_village(self, commune_code: int) -> dict[int, int]:
        """Household codes issued per village id (the report's "households" column)."""
        return await households_db.issued_by_village(self.env.db.conn, commune_code)

    async def issue(
        self, actor: Actor, commune_code: int, village_name: str, count: int
    ) -> IssuedSheet:
        """Creates `count` household codes for one village; raises HouseholdRefused, or
        Forbidden (audited) outside the actor's communes."""
        scope = Scope(commune_code)
        await self.access.require(actor, Action.ENTER_SHEETS, scope)
        conn = self.env.db.conn
        commune = await communes_db.get_commune(conn, commune_code)
        if commune is None:
            raise HouseholdRefused("unknown_commune", commune_code)
        village = await village_rules.find(self.env, commune_code, village_name)
        if village is None:
            raise HouseholdRefused("unknown_village", " ".join(village_name.split()))
        if not 1 <= count <= MAX_COUNT:
            raise HouseholdRefused("bad_count", count)
        if not self.env.settings.web_url:  # cards carry the web link when there is one
            self.env.bot_username()  # raises BotUnknown before unprintable codes are stored
        codes = [
            "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count)
        ]
        async with self.env.db.transaction() as conn:
            made = await households_db.insert_many(
                conn, commune_code, village.id, codes, self.env.now()
            )
        detail = f"issue {len(made)} households village {village.id}"
        await self.access.audit(actor, Action.ENTER_SHEETS, scope, detail=detail)
        return IssuedSheet(commune, village, [(h, self.link(h)) for h in made])

    async def sheets(
        self, actor: Actor, commune_code: int, village_name: str | None
    ) -> list[IssuedSheet]:
        """The codes already issued, one sheet per village (all of the commune's villages, or
        the one named), to print them again; raises HouseholdRefused or Forbidden."""
        await self.access.require(actor, Action.ENTER_SHEETS, Scope(commune_code))
        conn = self.env.db.conn
        commune = await communes_db.get_commune(conn, commune_code)
        if commune is None:
            raise HouseholdRefused("unknown_commune", commune_code)
        villages = await communes_db.list_villages(conn, commune_code)
        if village_name is not None:
            village = village_rules.match(villages, village_name)
            if village is None:
                raise HouseholdRefused("unknown_village", " ".join(village_name.split()))
            villages = [village]
        wanted = villages[0].id if village_name is not None else None
        found = await villages_db.households(conn, commune_code, wanted)
        return [
            IssuedSheet(commune, v, [(h, self.link(h)) for h in found if h.village_id == v.id])
            for v in villages
            if any(h.village_id == v.id for h in found)
        ]

    async def join(self, who: Who, name: str, code: str) -> Joined | None:
        """Binds the person to the household (and its village, commune); None if unknown."""
        household = await find(self.env, code)
        if household is None:
            return None
        async with self.env.db.transaction() as conn:
            person_id = await people_db.ensure(conn, who, self.env.now())
            resident = await residents_db.upsert_membership(
                conn, person_id, name[:64], household.commune_code, self.env.now()
            )
            await residents_db.clear_chat_state(conn, person_id)
            await households_db.bind(conn, resident.id, household)
            members = await households_db.members(conn, household.id)
            rounds = await surveys_db.open_rounds(conn, household.commune_code, self.env.now())
            paper = await households_db.waiting_sheet(conn, household.id, [r.id for r in rounds])
        membership = await self._residents.membership(person_id)
        assert membership is not None
        return Joined(membership, household, members, paper)
