"""Joining a commune: by join link, or by province and typed name; then the village."""

from __future__ import annotations

from telegram import Update

from handlers.telegram import keyboards
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of, who_of
from handlers.telegram.replies import alert, reply, say
from handlers.telegram.updates import query_of, text_of
from surveys.pending import Pending
from surveys.residents import Membership, SearchOutcome, parse_join_payload


def _name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else ""


async def join_link(update: Update, context: BotContext, payload: str) -> bool:
    """`/start j<token>`: joins the commune of a join link; False for an unknown token."""
    token = parse_join_payload(payload)
    membership = (
        await context.services.residents.join_by_token(
            await who_of(update, context), _name(update), token
        )
        if token
        else None
    )
    if membership is None:
        return False
    await welcome(update, context, membership)
    return True


async def start(update: Update, context: BotContext) -> None:
    """`/start` without a payload: greets a member, or starts the commune search."""
    user_id = await person_of(update, context)
    residents = context.services.residents
    membership = await residents.membership(user_id)
    if membership is not None:
        await context.services.broadcasts.set_subscribed(user_id, True)  # /start after /stop
        await reply(update, "resident_welcome_back.html", membership=membership)
        await offer_round(update, context, membership)
        return
    provinces = await residents.provinces()
    await reply(
        update,
        "resident_pick_province.html",
        keyboards.provinces([(p.code, p.name) for p in provinces]),
    )


async def welcome(update: Update, context: BotContext, membership: Membership) -> None:
    """Names the commune, says what is collected and why, then asks the village if needed.
    Nothing reads the sent welcome or offer back: `say` leaves Telegram's answer unparsed."""
    await say(update, "resident_welcome.html", membership=membership)
    if membership.villages and membership.village is None:
        await ask_village(update, membership)
        return
    await offer_round(update, context, membership)


async def ask_village(update: Update, membership: Membership) -> None:
    markup = keyboards.villages([(v.id, v.name) for v in membership.villages])
    await reply(update, "resident_pick_village.html", markup, membership=membership)


async def offer_round(update: Update, context: BotContext, membership: Membership) -> None:
    """Offers the commune's open round with a start button, if there is one."""
    round_ = await context.services.answering.open_round(membership.commune.code)
    if round_ is None:
        await reply(update, "resident_no_round.html", membership=membership)
        return
    survey = await context.services.answering.survey(round_.survey_id)
    await say(
        update, "resident_round_offer.html", keyboards.start_survey(), survey=survey, round=round_
    )


async def pick_province(update: Update, context: BotContext, press: keyboards.Press) -> None:
    """p:<province>: remembers the province (in the database) and asks for the commune's name."""
    province = await context.services.residents.begin_search(
        await who_of(update, context), press.ids[0]
    )
    if province is None:
        await alert(update, "alert_invalid_button.html")
        return
    await query_of(update).answer()
    await reply(update, "resident_type_commune.html", province=province)


async def search(update: Update, context: BotContext, pending: Pending) -> bool:
    """Typed text as a commune name while a search is pending; False if none is."""
    text = text_of(update)
    result = await context.services.residents.search(pending, text)
    if result.outcome is SearchOutcome.NOT_SEARCHING:
        return False
    if result.outcome is SearchOutcome.FOUND:
        markup = keyboards.communes([(c.code, c.name) for c in result.matches])
        await reply(update, "resident_search_found.html", markup, result=result)
    else:
        await reply(update, f"resident_search_{result.outcome.value}.html", result=result)
    return True


async def pick_commune(update: Update, context: BotContext, press: keyboards.Press) -> None:
    """c:<commune>: joins a commune of the search results."""
    membership = await context.services.residents.join(
        await who_of(update, context), _name(update), press.ids[0]
    )
    if membership is None:
        await alert(update, "alert_invalid_button.html")
        return
    await query_of(update).answer()
    await welcome(update, context, membership)


async def pick_village(update: Update, context: BotContext, press: keyboards.Press) -> None:
    """v:<village>: the resident's village in their commune."""
    person = await person_of(update, context)
    village = await context.services.residents.choose_village(person, press.ids[0])
    if village is None:
        await alert(update, "alert_invalid_button.html")
        return
    await query_of(update).answer()
    await reply(update, "resident_village_chosen.html", village=village)
    membership = await context.services.residents.membership(person)
    assert membership is not None
    await offer_round(update, context, membership)
