"""Each person's command menu: the resident menu plus the menus of the roles they hold.

Set per chat (BotCommandScopeChat) when a role is granted in chat; grants and revocations made
at the command line mark the person in `menu_dirty`, and the bot redoes those menus at start.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden, TelegramError

from handlers.views import labels
from surveys.access import Role
from surveys.services import Services

log = logging.getLogger(__name__)


def menu_for(roles: set[Role]) -> list[tuple[str, str]]:
    """The resident menu, then staff and officer commands (administrators get both)."""
    items = list(labels.COMMAND_MENU)
    if roles & {Role.STAFF, Role.ADMIN}:
        items += labels.STAFF_MENU
    if roles & {Role.OFFICER, Role.ADMIN}:
        items += labels.OFFICER_MENU
    first: dict[str, str] = {}  # a command listed twice keeps its first place and text
    for command, text in items:
        first.setdefault(command, text)
    return list(first.items())


async def refresh(bot: Bot, services: Services, person_id: int) -> bool:
    """Sets (or, with no role, removes) the person's own menu in their Telegram chat; False if
    Telegram refused or the person has no Telegram address."""
    chat_id = await services.people.telegram_id(person_id)
    if chat_id is None:
        return False
    roles = await services.access.roles(person_id)
    scope = BotCommandScopeChat(chat_id=chat_id)
    try:
        if roles:
            commands = [BotCommand(c, d) for c, d in menu_for(roles)]
            await bot.set_my_commands(commands, scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except (BadRequest, Forbidden):
        # No chat with the bot yet, or it was blocked: the menu is set when they come back.
        log.info("menu not set for %s", services.privacy.pseudonym(person_id))
        return False
    return True


async def redo_marked(bot: Bot, services: Services) -> int:
    """Redoes the menus marked at the command line, and the configured administrators'."""
    marked = set(await services.invitations.menus_to_redo())
    admins = {await services.people.telegram(a) for a in services.settings.admin_ids}
    for person_id in sorted(marked | admins):
        try:
            await refresh(bot, services, person_id)
        except TelegramError:  # flood control or the network: keep the mark, start anyway
            log.warning("menu of %s left for the next start", services.privacy.pseudonym(person_id))
            continue
        if person_id in marked:
            await services.invitations.menu_done(person_id)
    return len(marked)
