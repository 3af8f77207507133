"""Broadcasts and staff answers on Zalo: the outbox ports over the process's Zalo clients.

A broadcast message is the same view as on Telegram (handlers.views.broadcast_message) as
plain text of at most 2,000 characters per message, the last one carrying the start (or
continue) button, whose payload `GO` the inbox handles as "start or continue the survey".
What Zalo answers becomes a delivery state (surveys.delivery):

- sent: Zalo took the message;
- 230 / -230 (no interaction in 7 days): 'outside_window', final, not retried: the person is
  sent the message when they next write (surveys.late_delivery);
- -211 (the OA's quota is used up): 'quota', likewise (a message after the person writes is a
  free reply; ZNS could take these rows later);
- no answer after the client's own retries, or a token Zalo refused and that could not be
  refreshed (-216): the network, retried by the sender as on Telegram (an outage of the whole
  channel re-queues its rows against nobody's retries); -216 with a token that refreshes is
  handled inside the client (refreshed, sent once more);
- anything else: 'failed'.
"""

from __future__ import annotations

from handlers.views.broadcast_message import BroadcastView, view_of
from handlers.views.media import Medium, render_for
from handlers.zalo.buttons import Button
from handlers.zalo.client import TOKEN_EXPIRED, ZaloClient
from handlers.zalo.clients import ZaloClients
from handlers.zalo.outcomes import SendOutcome
from handlers.zalo.outcomes import SendStatus as ZaloStatus
from surveys.broadcasts import Content
from surveys.outbox import (
    AnswerSend,
    Outbox,
    QuestionRow,
    Reached,
    Recipient,
    SendResult,
    SendStatus,
    Transport,
)  # fmt: skip
from surveys.people import Channel, zalo_parts

GO = "yk:go"  # the start button's payload, agreed with the Zalo inbox: start/continue the survey


def register(outbox: Outbox, clients: ZaloClients) -> None:
    """Lets the process's sender and staff answers reach Zalo residents (one call at wiring)."""
    outbox.register(Channel.ZALO, transport=zalo_transport(clients), answer=zalo_answer(clients))


def zalo_transport(clients: ZaloClients) -> Transport:
    """Sends one broadcast message to one Zalo address, in the sender's terms."""
    rendered: list[tuple[Content, dict[int, tuple[list[str], BroadcastView]]]] = []

    def message(content: Content, answered: int) -> tuple[list[str], BroadcastView]:
        if not rendered or rendered[0][0] is not content:  # rendered once per content
            rendered[:] = [(content, {})]
        by_answered = rendered[0][1]
        if answered not in by_answered:
            view = view_of(content, answered)
            by_answered[answered] = (render_for(Medium.ZALO, view.template, **view.values), view)
        return by_answered[answered]

    async def send(row: Recipient, content: Content) -> SendResult:
        try:
            oa_id, user_id = zalo_parts(row.address)
        except ValueError:
            return SendResult(SendStatus.REFUSED, detail="not a Zalo address")
        parts, view = message(content, row.answered)
        client = clients.of(oa_id)
        for part in parts[:-1]:
            sent = await client.send_text(user_id, part)
            if not sent.sent:
                return _result(sent)
        return _result(await _last(client, user_id, parts[-1], view.button))

    return send


async def _last(client: ZaloClient, user_id: str, text: str, button: str | None) -> SendOutcome:
    if button is None:
        return await client.send_text(user_id, text)
    return await client.send_buttons(user_id, text, [Button(button, GO)])


def _result(outcome: SendOutcome) -> SendResult:
    detail = f"zalo {outcome.error}: {outcome.detail}" if outcome.error else outcome.detail
    if outcome.status is ZaloStatus.SENT:
        return SendResult(SendStatus.SENT)
    if outcome.status is ZaloStatus.OUTSIDE_WINDOW:
        return SendResult(SendStatus.OUTSIDE_WINDOW, detail=detail[:200])
    if outcome.status is ZaloStatus.QUOTA:
        return SendResult(SendStatus.QUOTA, detail=detail[:200])
    if outcome.network:
        return SendResult(SendStatus.NETWORK, detail=detail[:200])
    if outcome.error == TOKEN_EXPIRED:  # the refresh failed this time: the next try refreshes
        return SendResult(SendStatus.NETWORK, detail=detail[:200])
    return SendResult(SendStatus.REFUSED, detail=detail[:200])


def zalo_answer(clients: ZaloClients) -> AnswerSend:
    """A staff member's answer to the Zalo resident who asked (a reply: Zalo's 48-hour window
    after the resident's message applies; outside it, OUTSIDE_WINDOW and it waits)."""

    async def send(address: str, question: QuestionRow) -> Reached:
        try:
            oa_id, user_id = zalo_parts(address)
        except ValueError:
            return Reached.FAILED
        client = clients.of(oa_id)
        for part in render_for(Medium.ZALO, "resident_faq_staff_answer.html", question=question):
            outcome = await client.send_text(user_id, part)
            if outcome.status in (ZaloStatus.OUTSIDE_WINDOW, ZaloStatus.QUOTA):
                return Reached.OUTSIDE_WINDOW
            if not outcome.sent:
                return Reached.FAILED
        return Reached.SENT

    return send
