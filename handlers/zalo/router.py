"""Where every Zalo event goes: each button kind, keyword, pending step and text step of the
Zalo adapter is registered here, once.

- A follow greets (joining.on_follow); an unfollow stops messages (nothing is sent).
- An event handled before (a crash came between its work and its mark) whose typed reply was
  taken to stand for a button or a comment's question goes there again (see
  surveys.zalo_inbox.resolve): the domain finds the work done and the resident is shown where
  they are.
- A button's payload goes, by its kind (``payloads.kind_of``), to the one step that owns it,
  after the strict parse (fullmatch, at most 64 bytes); the domain then checks it against the
  database and the presser. An unknown or malformed payload is refused in Vietnamese.
- A typed text: a keyword (compared without diacritics or case) first; then a commune join
  code or a household code; a follower who has joined no commune is asked for one and nothing
  else happens. A member's text goes to their pending step (chat_states, read once here), and
  then through FREE_TEXT in order: the village, "sửa N", a typed answer, a comment, and, last,
  a question for the FAQ.

Feature modules never import this module: the router imports them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.views.registry import Registry
from handlers.zalo import faq, joining, keywords, payloads, survey
from handlers.zalo.chat import Chat
from surveys import answering, zalo_chat
from surveys.pending import Pending
from surveys.text import fold
from surveys.zalo_inbox import InboxKind

ButtonStep = Callable[[Chat, payloads.Press], Awaitable[None]]
KeywordStep = Callable[[Chat], Awaitable[None]]
PendingStep = Callable[[Chat, Pending], Awaitable[bool]]
TextStep = Callable[[Chat], Awaitable[bool]]


BUTTONS: Registry[ButtonStep] = Registry("payload kind")
BUTTONS.add("go", survey.on_start_press)
BUTTONS.add(["a", "s"], survey.on_answer_press)
BUTTONS.add("ok", survey.on_done_press)
BUTTONS.add("v", joining.pick_village)
BUTTONS.add(["fp", "fy", "fn", "fh"], faq.on_press)
BUTTONS.add("d", keywords.on_delete_press)

# Keywords, folded (surveys.text.fold): "dừng", "Dừng", "dung" are one.
KEYWORDS: Registry[KeywordStep] = Registry("keyword")
KEYWORDS.add(["tro giup", "huong dan"], keywords.help_)
KEYWORDS.add(["du lieu cua toi", "du lieu"], keywords.mydata)
KEYWORDS.add(["xoa du lieu", "xoa danh tinh"], keywords.deletedata)
KEYWORDS.add(["dung", "dung nhan tin"], keywords.stop)
KEYWORDS.add(["huy", "huy bo"], keywords.cancel)
KEYWORDS.add(
    ["tiep tuc", "bat dau", "tiep tuc khao sat", "bat dau khao sat", "khao sat"], keywords.resume
)

# Codes that join, tried before anything else a follower types.
CODES: list[TextStep] = [joining.household_code, joining.join_code]

STEPS: Registry[PendingStep] = Registry("pending step")
STEPS.add(answering.EDIT_COMMENT, survey.edited_comment)
STEPS.add(zalo_chat.EDIT_ANSWER, survey.edited_answer)

# A member's text no pending step took, in order; the FAQ question must stay the LAST step.
FREE_TEXT: list[TextStep] = [
    joining.typed_village,
    survey.typed_edit,
    survey.typed_answer,
    survey.comment,
    faq.question,
]


async def on_press(chat: Chat, payload: str) -> None:
    """Hands the untrusted payload to the step that owns its kind."""
    step = BUTTONS.get(payloads.kind_of(payload))
    press = payloads.parse(payload) if step is not None else None
    if step is None or press is None:
        await chat.say("zalo_invalid_button.html")
        return
    await step(chat, press)


async def on_text(chat: Chat) -> None:
    """Keywords, codes, then (members only) the pending step and FREE_TEXT."""
    keyword = KEYWORDS.get(fold(chat.text))
    if keyword is not None:
        await keyword(chat)
        return
    for code in CODES:
        if await code(chat):
            return
    services = chat.services
    if await services.residents.membership(chat.person) is None:
        await joining.ask_code(chat)
        return
    pending = await services.pending.of(chat.person)
    if pending is not None:
        owner = STEPS.get(pending.state)
        if owner is not None and await owner(chat, pending):
            return
    for step in FREE_TEXT:
        if await step(chat):
            return


async def dispatch(chat: Chat) -> None:
    """One queued event, by its kind."""
    kind, target = chat.event.kind, chat.event.target
    if target is not None:  # handled before, up to what the typed reply stood for
        press = payloads.parse(target)
        if press is not None and press.kind == "c":
            await survey.comment_at(chat, press.ids[0], press.value)
        else:
            await on_press(chat, target)
    elif kind == InboxKind.FOLLOW:
        await joining.on_follow(chat)
    elif kind == InboxKind.UNFOLLOW:
        await joining.on_unfollow(chat)
    elif kind == InboxKind.BUTTON:
        await on_press(chat, chat.text)
    else:
        await on_text(chat)
