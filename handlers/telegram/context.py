"""A typed callback context, so handlers reach the domain without casting bot_data."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from surveys.services import Services

SERVICES_KEY = "services"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    # The sender's person, resolved once per update (PTB makes one context per update and
    # passes it to every handler group): handlers.telegram.people.person_of.
    person_id: int | None = None

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]


def attach(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    application.bot_data[SERVICES_KEY] = services
