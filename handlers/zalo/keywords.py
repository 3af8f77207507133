"""What Telegram's commands do, by keyword on Zalo: "dữ liệu của tôi" (/mydata), "xóa dữ liệu"
(/deletedata, confirmed by a button), "dừng" (/stop), "tiếp tục" / "bắt đầu" (/start after
/stop, and /survey), "hủy" (/cancel), "trợ giúp" (/help). The router matches them without
diacritics or case."""

from __future__ import annotations

import logging

from handlers.views import labels
from handlers.views.labels import answer_label
from handlers.zalo import payloads, survey
from handlers.zalo.buttons import Button
from handlers.zalo.chat import Chat

log = logging.getLogger(__name__)


async def help_(chat: Chat) -> None:
    membership = await chat.services.residents.membership(chat.person)
    await chat.say("zalo_help.html", membership=membership)


async def mydata(chat: Chat) -> None:
    """Every stored fact about the person, as /mydata shows it."""
    services = chat.services
    data = await services.privacy.my_data(chat.person, answering=chat.event.id)
    await chat.say("zalo_mydata.html", data=data, label=answer_label, tz=services.settings.timezone)


async def deletedata(chat: Chat) -> None:
    """Asks for confirmation before removing the person's identity."""
    confirm = [
        Button(labels.DELETE_CONFIRM, payloads.delete(True)),
        Button(labels.DELETE_KEEP, payloads.delete(False)),
    ]
    await chat.say("zalo_delete_confirm.html", confirm)


async def on_delete_press(chat: Chat, press: payloads.Press) -> None:
    """yk:d:yes removes the identity, the Zalo address with it (once); yk:d:no keeps it."""
    if press.value == "no":
        await chat.say("priv_delete_kept.html")
        return
    privacy = chat.services.privacy
    erased = await privacy.erase(chat.person)
    log.info("identity erased for %s: %s", privacy.pseudonym(chat.person), erased)
    await chat.say("zalo_deleted.html", erased=erased)


async def cancel(chat: Chat) -> None:
    """Drops what is pending (a comment or an answer being changed); answers stay stored."""
    dropped = await chat.services.residents.cancel(chat.person)
    await chat.say("zalo_cancel.html", dropped=dropped)


async def stop(chat: Chat) -> None:
    """No more broadcasts or reminders for this resident, even in the middle of a round."""
    if await chat.services.broadcasts.set_subscribed(chat.person, False):
        await chat.say("zalo_stopped.html")
    else:
        await chat.say("zalo_stop_not_joined.html")


async def resume(chat: Chat) -> None:
    """Subscribes a stopped resident again, then continues (or starts) the open round."""
    services = chat.services
    membership = await services.residents.membership(chat.person)
    if membership is not None and membership.resident.stopped_at is not None:
        await services.broadcasts.set_subscribed(chat.person, True)
        await chat.say("zalo_resumed.html")
    await survey.continue_survey(chat)
