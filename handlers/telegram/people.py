"""The Telegram edge of people (migration 0018): the sender of an update is looked up once and
kept on the update's context for every handler after it. A sender nobody knows yet is made a
person only by the service that stores something for them (`who_of`), inside that write, so
refused input from a stranger leaves nothing behind."""

from __future__ import annotations

from telegram import Update

from handlers.telegram.context import BotContext
from handlers.telegram.updates import user_of
from surveys.people import NOBODY, Address, Channel, Who


def _address(update: Update) -> Address:
    return Address(Channel.TELEGRAM, str(user_of(update).id))


async def person_of(update: Update, context: BotContext) -> int:
    """The sender's person id; NOBODY (whom every read finds nothing for) if not known yet."""
    if context.person_id is None:
        address = _address(update)
        found = await context.services.people.find(address.channel, address.address)
        if found is None:
            return NOBODY  # not cached: a write in this update may make them
        context.person_id = found
    return context.person_id


async def who_of(update: Update, context: BotContext) -> Who:
    """The sender for a service that may store the first thing about them: their person id,
    or their Telegram address when they are nobody yet."""
    person = await person_of(update, context)
    return _address(update) if person == NOBODY else person


def presser_of(update: Update, context: BotContext) -> Who:
    """The sender for a read that resolves them itself (a tap on an answer button): their
    person id if this update already looked it up, else their Telegram address, so the tap
    reads the person and the response it acts on in one trip to the database."""
    return _address(update) if context.person_id is None else context.person_id
