"""Joining on Zalo: a follow is greeted in the OA's commune; the commune's join code or the
household code joins; then the village, by button or (more than five) by its typed number.

A follower who sends no code is asked for it again, whatever they type, and nothing but their
Zalo address (made when the event arrived) is stored for them.
"""

from __future__ import annotations

from handlers.views import labels
from handlers.zalo import payloads
from handlers.zalo.buttons import MAX_BUTTONS, Button
from handlers.zalo.chat import Chat
from surveys.households import parse_household_payload
from surveys.residents import Commune, Membership, parse_join_payload
from surveys.text import fold

_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


async def on_follow(chat: Chat) -> None:
    """Greets in the OA's commune and asks for a code; a member who follows again is welcomed
    back (and subscribed again, as after "dừng")."""
    services = chat.services
    membership = await services.residents.membership(chat.person)
    if membership is not None:
        await services.broadcasts.set_subscribed(chat.person, True)
        await chat.say("zalo_welcome_back.html", membership=membership)
        await offer_round(chat, membership)
        return
    await chat.say("zalo_greeting.html", commune=await _oa_commune(chat))


async def on_unfollow(chat: Chat) -> None:
    """Unfollowing stops every message to them; nothing can be sent to them anyway."""
    if await chat.services.residents.membership(chat.person) is not None:
        await chat.services.broadcasts.set_subscribed(chat.person, False)


async def ask_code(chat: Chat) -> None:
    await chat.say("zalo_ask_code.html", commune=await _oa_commune(chat))


async def _oa_commune(chat: Chat) -> Commune | None:
    if chat.oa_commune is None:
        return None
    return await chat.services.residents.commune(chat.oa_commune)


def _compact(text: str) -> str:
    return "".join(text.split())


async def join_code(chat: Chat) -> bool:
    """The commune's join code (``j<token>`` of the join link, or the bare token, which may
    itself begin with j) joins it."""
    text = _compact(chat.text)
    tokens = [t for t in (parse_join_payload(text), text) if t and _token_shaped(t)]
    for token in tokens:
        # No display name: Zalo's events carry none (surveys.residents stores "" for them).
        membership = await chat.services.residents.join_by_token(chat.person, "", token)
        if membership is not None:
            await welcome(chat, membership)
            return True
    return False


def _token_shaped(text: str) -> bool:
    return 8 <= len(text) <= 32 and set(text) <= _TOKEN_CHARS


async def household_code(chat: Chat) -> bool:
    """A household code (as printed, any case, spaces allowed) joins the household, as
    Telegram's ``/start h<code>`` does."""
    text = _compact(chat.text).upper()
    # "h<code>" as the link carries it, or the code alone (which may itself begin with H)
    code = parse_household_payload("h" + text[1:]) if text.startswith("H") else None
    code = code or parse_household_payload("h" + text)
    if code is None:
        return False
    joined = await chat.services.households.join(chat.person, "", code)
    if joined is None:
        return False
    await chat.say("zalo_welcome.html", membership=joined.membership)
    await chat.say("resident_household_joined.html", joined=joined)
    await offer_round(chat, joined.membership)
    return True


async def welcome(chat: Chat, membership: Membership) -> None:
    """Names the commune, says what is collected, then asks the village if needed."""
    await chat.say("zalo_welcome.html", membership=membership)
    if membership.villages and membership.village is None:
        await ask_village(chat, membership)
        return
    await offer_round(chat, membership)


async def ask_village(chat: Chat, membership: Membership) -> None:
    """Buttons when every village fits on one message, else the numbered list to type from."""
    villages = membership.villages
    if len(villages) <= MAX_BUTTONS:
        buttons = [Button(v.name[:100], payloads.village(v.id)) for v in villages]
        await chat.say("zalo_pick_village.html", buttons, membership=membership, numbered=False)
        return
    await chat.say("zalo_pick_village.html", membership=membership, numbered=True)


async def offer_round(chat: Chat, membership: Membership) -> None:
    """Offers the commune's open round with a start button, if there is one."""
    answering = chat.services.answering
    round_ = await answering.open_round(membership.commune.code)
    if round_ is None:
        await chat.say("zalo_no_round.html", membership=membership)
        return
    survey = await answering.survey(round_.survey_id)
    start = [Button(labels.START_SURVEY, payloads.start())]
    await chat.say("zalo_round_offer.html", start, survey=survey, round=round_)


async def typed_village(chat: Chat) -> bool:
    """While the village is missing: its typed number in the list, or its name; False for
    other text (a question, say)."""
    membership = await chat.services.residents.membership(chat.person)
    if membership is None or not membership.villages or membership.village is not None:
        return False
    villages = membership.villages
    text = chat.text.strip()
    if text.isdecimal() and len(text) <= 3:
        if not 1 <= int(text) <= len(villages):
            await chat.say("zalo_village_unknown.html", typed=text, membership=membership)
            await ask_village(chat, membership)
            return True
        village_id = villages[int(text) - 1].id
    else:
        found = next((v for v in villages if fold(v.name) == fold(text)), None)
        if found is None:
            return False
        village_id = found.id
    await chat.stands_for(payloads.village(village_id))
    await _chosen(chat, village_id)
    return True


async def pick_village(chat: Chat, press: payloads.Press) -> None:
    """yk:v:<village>: a village of the resident's own commune, else refused."""
    if not await _chosen(chat, press.ids[0]):
        await chat.say("zalo_invalid_button.html")


async def _chosen(chat: Chat, village_id: int) -> bool:
    residents = chat.services.residents
    village = await residents.choose_village(chat.person, village_id)
    if village is None:
        return False
    await chat.say("resident_village_chosen.html", village=village)
    membership = await residents.membership(chat.person)
    assert membership is not None
    await offer_round(chat, membership)
    return True
