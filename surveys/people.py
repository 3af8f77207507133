"""People across channels: the one place a channel address becomes the person every service
works with, and where a person's addresses are read back (for /mydata, and to send to them)."""

from __future__ import annotations

from storage import people as people_db
from storage.people import NOBODY, Address, Channel, Who
from surveys.env import Env

__all__ = ["NOBODY", "Address", "Channel", "PeopleService", "Who", "zalo_address", "zalo_parts"]


def zalo_address(oa_id: str, user_id: str) -> str:
    """A Zalo address: Zalo gives each follower a user id per Official Account, so the OA
    that can reach them is part of it."""
    return f"{oa_id}:{user_id}"


def zalo_parts(address: str) -> tuple[str, str]:
    """(oa id, user id) of a Zalo address."""
    oa_id, _, user_id = address.partition(":")
    if not oa_id or not user_id:
        raise ValueError("a Zalo address is <oa id>:<user id>")
    return oa_id, user_id


class PeopleService:
    def __init__(self, env: Env) -> None:
        self.env = env

    async def find(self, channel: Channel, address: str) -> int | None:
        """The person reached at the address; None when nobody is."""
        return await people_db.person_for(self.env.db.conn, channel, address, create=False)

    async def resolve(self, channel: Channel, address: str) -> int:
        """The person reached at the address, made (with no commune) on first contact."""
        found = await self.find(channel, address)
        if found is not None:
            return found
        async with self.env.db.transaction() as conn:
            person = await people_db.person_for(
                conn, channel, address, create=True, now=self.env.now()
            )
        assert person is not None
        return person

    async def telegram(self, user_id: int) -> int:
        """The person of a Telegram user (resolve on the 'telegram' channel)."""
        return await self.resolve(Channel.TELEGRAM, str(user_id))

    async def addresses(self, person_id: int) -> list[Address]:
        return await people_db.addresses_of(self.env.db.conn, person_id)

    async def telegram_id(self, person_id: int) -> int | None:
        """Where to send the person a Telegram message; None when they have no Telegram."""
        return await people_db.telegram_id(self.env.db.conn, person_id)
