"""What waited for a person until they wrote: broadcasts Zalo refused outside its 7-day window
(or past the OA's quota), and staff answers that could not reach them then.

Zalo lets an OA message a person only within 7 days of their last interaction, so a broadcast
to someone who has not written for longer ends 'outside_window'. When they write again, the
Zalo inbox worker calls `LateDelivery.waiting_for(person_id)` after handling the event (and
after `storage.people.touch` has moved their last_seen_at): the newest waiting message of
each round still open is sent, older ones of the same round are skipped as superseded, and a
round's result waits RESULTS_FOR. Crash-safe as the sender: rows are marked 'sending' and
committed before the call, and a row a crash leaves 'sending' is re-queued at start
(BroadcastService.recover) and sent at the person's next write (or by its broadcast, if that
is still running).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from storage import broadcasts as bdb
from storage import deliveries as ddb
from storage.deliveries import DeliveryOutcome
from surveys.broadcasts import BroadcastService, Content
from surveys.delivery import DeliveryState, outcome
from surveys.env import Env
from surveys.faq_questions import QuestionService
from surveys.outbox import Outbox, SendResult, SendStatus

RESULTS_FOR = timedelta(days=30)  # a round's result still worth sending to a late writer


@dataclass(frozen=True)
class Late:
    sent: list[int]  # delivery ids that reached the person now
    waiting: list[int]  # delivery ids still waiting (Zalo refused again, or the network)
    answers: int  # staff answers to their questions that reached them now


class LateDelivery:
    def __init__(
        self, env: Env, broadcasts: BroadcastService, questions: QuestionService, outbox: Outbox
    ) -> None:
        self.env = env
        self.broadcasts = broadcasts
        self.questions = questions
        self.outbox = outbox

    async def waiting_for(self, person_id: int) -> Late:
        """Sends the person what waited for them; call after they wrote on Zalo."""
        now = self.env.now()
        claimed: list[ddb.Waiting] = []
        if await ddb.has_waiting(self.env.db.conn, person_id):  # most writers have nothing
            async with self.env.db.transaction() as tx:
                claimed = await ddb.claim_waiting(tx, person_id, now, now - RESULTS_FOR)
        contents: dict[int, Content] = {}
        outcomes: list[DeliveryOutcome] = []
        for waiting in claimed:
            if waiting.broadcast_id not in contents:
                broadcast = await bdb.get(self.env.db.conn, waiting.broadcast_id)
                assert broadcast is not None  # the row references it
                contents[waiting.broadcast_id] = await self.broadcasts.content(broadcast)
            result = await self._send(waiting.row, contents[waiting.broadcast_id])
            retries = self.env.settings.send_retries
            outcomes.append(outcome(waiting.row, result, self.env.now(), retries))
        if outcomes:
            async with self.env.db.transaction() as tx:
                await ddb.record(tx, outcomes, self.env.now())
        answers = await self.questions.deliver_waiting(person_id)
        sent = [o.id for o in outcomes if o.state == DeliveryState.SENT]
        return Late(sent, [o.id for o in outcomes if o.state != DeliveryState.SENT], answers)

    async def _send(self, row: ddb.Claimed, content: Content) -> SendResult:
        transport = self.outbox.transports.get(row.channel)
        if transport is None:
            return SendResult(SendStatus.REFUSED, detail=f"no {row.channel} transport here")
        try:
            return await transport(row, content)
        except Exception as exc:  # an unforeseen error must not lose the row: it stays waiting
            return SendResult(SendStatus.NETWORK, detail=type(exc).__name__)
