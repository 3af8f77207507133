"""What commune staff (and the operator) do with rounds and broadcasts, from any channel.

Each use case takes the actor first, checks access (surveys.access, which audits refusals) and
writes the audit of what it changed, so Telegram, the command line and any later adapter get
the same rules by calling the same method. RoundService and BroadcastService underneath are
the unchecked machinery the scheduler, the sender and the demo use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.broadcasts import BroadcastRow
from storage.records import Round
from surveys.access import AccessService, Action, Actor, Scope
from surveys.broadcasts import BroadcastService, Cancelled, Launched, Progress
from surveys.drafts import Draft
from surveys.env import Env
from surveys.round_labels import RoundLabel
from surveys.rounds import RoundInfo, RoundService


@dataclass(frozen=True)
class Reminder:
    """What /remind did: the round, and the reminder broadcast (None: nobody left to remind)."""

    round: Round
    label: RoundLabel
    broadcast: BroadcastRow | None
    recipients: int


class StaffRounds:
    def __init__(
        self, env: Env, access: AccessService, rounds: RoundService, broadcasts: BroadcastService
    ) -> None:
        self.env = env
        self.access = access
        self.rounds = rounds
        self.broadcasts = broadcasts

    async def communes_for(
        self, actor: Actor, action: Action = Action.MANAGE_ROUNDS
    ) -> list[int] | None:
        """The communes where the actor may perform the action; None means every commune."""
        if actor.person_id is None:
            return None
        return await self.access.communes(actor.person_id, action)

    async def home(self, actor: Actor, action: Action = Action.MANAGE_ROUNDS) -> int | None:
        """The actor's commune for a command given without one; None for someone who holds
        every commune (an administrator). Raises Forbidden (audited) for anyone without one."""
        communes = await self.communes_for(actor, action) or []
        commune = communes[0] if communes else None
        await self.access.require(actor, action, Scope(commune=commune))
        return commune

    async def rounds_of(self, actor: Actor, commune: int | None) -> list[RoundInfo]:
        """A commune's rounds with their counts (every commune: None, the operator's listing)."""
        await self.access.require(actor, Action.MANAGE_ROUNDS, Scope(commune=commune))
        return await self.rounds.list_for_commune(commune)

    async def scheduled_invitations(self, actor: Actor, commune: int) -> list[BroadcastRow]:
        """Launches waiting for their start time, which staff may still cancel."""
        await self.access.require(actor, Action.MANAGE_ROUNDS, Scope(commune=commune))
        return [
            b
            for b in await self.broadcasts.list_for(commune=commune)
            if b.status == "scheduled" and b.kind == "invite"
        ]

    async def broadcasts_of(
        self, actor: Actor, commune: int | None, *, last: int | None = None
    ) -> list[Progress]:
        """The commune's broadcasts (the `last` ones), oldest first, each with its progress."""
        await self.access.require(actor, Action.MANAGE_ROUNDS, Scope(commune=commune))
        rows = await self.broadcasts.list_for(commune=commune)
        return await self.broadcasts.progress_of(rows[-last:] if last else rows)

    async def open_round(
        self,
        actor: Actor,
        commune: int,
        survey_id: str,
        *,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
        official: bool = False,
    ) -> Launched:
        """Opens (or schedules) a round with its invitation to every resident."""
        scope = Scope(commune=commune)
        await self.access.require(actor, Action.MANAGE_ROUNDS, scope)
        launched = await self.broadcasts.open_round(
            commune,
            survey_id,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=actor.label,
            official=official,
        )
        await self._audit(actor, Action.MANAGE_ROUNDS, scope, f"round {launched.round.id}")
        return launched

    async def close_round(self, actor: Actor, round_id: int) -> Round:
        """Closes a round; raises RoundRefused (unknown, already closed) or Forbidden."""
        found = await self.rounds.get(round_id)
        scope = Scope(commune=found.commune_code if found else None)
        await self.access.require(actor, Action.MANAGE_ROUNDS, scope)
        closed = await self.rounds.close(round_id)
        await self._audit(actor, Action.MANAGE_ROUNDS, scope, f"close round {round_id}")
        return closed

    async def start_draft(self, actor: Actor) -> Draft | None:
        """A new launch wizard in the actor's commune (dropping any earlier one); None when
        the actor holds every commune and so none in particular. Raises Forbidden."""
        commune = await self.home(actor)
        if commune is None:
            return None
        return await self.broadcasts.drafts.start(self._chat(actor), commune)

    async def draft(self, actor: Actor) -> tuple[str, Draft] | None:
        """The actor's wizard (its step and draft), None when there is none or the actor may no
        longer launch in its commune (checked on every press, quietly: the wizard is gone)."""
        found = await self.broadcasts.drafts.get(self._chat(actor))
        if found is None:
            return None
        scope = Scope(commune=found[1].commune)
        if not await self.access.allowed(actor, Action.MANAGE_ROUNDS, scope):
            return None
        return found

    async def launch(self, actor: Actor, draft: Draft) -> Launched:
        """Confirms the wizard: the round, its broadcast and every delivery row; a second
        confirm of the same draft returns the first launch. Raises RoundRefused, LaunchRefused
        or Forbidden."""
        scope = Scope(commune=draft.commune)
        await self.access.require(actor, Action.MANAGE_ROUNDS, scope)
        plan = await self.broadcasts.plan_draft(draft)
        chat = self._chat(actor)
        launched = await self.broadcasts.launch(
            plan, launch_key=f"wizard:{chat}:{draft.nonce}", created_by=actor.label
        )
        await self.broadcasts.drafts.clear(chat)
        detail = f"broadcast {launched.broadcast.id}"
        await self._audit(actor, Action.MANAGE_ROUNDS, scope, detail)
        return launched

    async def cancel(self, actor: Actor, broadcast_id: int) -> Cancelled:
        """Cancels a broadcast that has not started; raises Forbidden or LaunchRefused."""
        scope = await self._scope_of(broadcast_id)
        await self.access.require(actor, Action.MANAGE_ROUNDS, scope)
        cancelled = await self.broadcasts.cancel(broadcast_id)
        await self._audit(actor, "broadcast.cancel", scope, str(broadcast_id))
        return cancelled

    async def hold(self, actor: Actor, broadcast_id: int) -> Progress | None:
        """Pauses a running broadcast; None when it was not running (a double tap)."""
        scope = await self._scope_of(broadcast_id)
        await self.access.require(actor, Action.MANAGE_ROUNDS, scope)
        if not await self.broadcasts.hold(broadcast_id):
            return None
        await self._audit(actor, "broadcast.hold", scope, str(broadcast_id))
        return await self.broadcasts.progress(broadcast_id)

    async def release(self, actor: Actor, broadcast_id: int) -> Progress | None:
        """Resumes a paused broadcast (the caller runs the sender); None when not paused."""
        scope = await self._scope_of(broadcast_id)
        await self.access.require(actor, Action.MANAGE_ROUNDS, scope)
        if not await self.broadcasts.release(broadcast_id):
            return None
        await self._audit(actor, "broadcast.resume", scope, str(broadcast_id))
        return await self.broadcasts.progress(broadcast_id)

    async def round_for(self, actor: Actor, action: Action, round_id: int | None) -> Round | None:
        """The round a staff command is about: the one named, else the actor's commune's
        current round (for progress, the latest scheduled one when nothing opened yet).
        Raises Forbidden (audited) outside the actor's communes; None when there is none."""
        if round_id is not None:
            round_ = await self.rounds.get(round_id)
            commune = round_.commune_code if round_ else None
        else:
            communes = await self.communes_for(actor, action) or []
            commune = communes[0] if communes else None
            round_ = await self.rounds.current(commune) if commune is not None else None
            if round_ is None and action is Action.VIEW_PROGRESS and commune is not None:
                rounds = await self.rounds.list_for_commune(commune)
                round_ = rounds[-1].round if rounds else None
        await self.access.require(actor, action, Scope(commune=commune))
        return round_

    async def progress(self, actor: Actor, broadcast_id: int) -> Progress:
        """One broadcast's delivery and answers; raises LaunchRefused or Forbidden."""
        await self.access.require(actor, Action.VIEW_PROGRESS, await self._scope_of(broadcast_id))
        return await self.broadcasts.progress(broadcast_id)

    async def latest_progress(self, actor: Actor, round_: Round) -> Progress | None:
        """The progress of the round's latest broadcast; None when it has none."""
        scope = Scope(commune=round_.commune_code)
        await self.access.require(actor, Action.VIEW_PROGRESS, scope)
        broadcasts = await self.broadcasts.list_for(round_id=round_.id)
        return await self.broadcasts.progress(broadcasts[-1].id) if broadcasts else None

    async def remind(self, actor: Actor, round_: Round) -> Reminder:
        """A reminder now to the round's recipients who have not finished; raises
        RoundRefused when the round is not open, Forbidden outside the actor's communes."""
        scope = Scope(commune=round_.commune_code)
        await self.access.require(actor, Action.SEND_REMINDERS, scope)
        broadcast = await self.broadcasts.remind_now(round_.id, actor.label)
        label = await self.rounds.label(round_)
        if broadcast is None:
            return Reminder(round_, label, None, 0)
        await self._audit(actor, Action.SEND_REMINDERS, scope, f"broadcast {broadcast.id}")
        total = (await self.broadcasts.progress(broadcast.id)).total
        return Reminder(round_, label, broadcast, total)

    async def _scope_of(self, broadcast_id: int) -> Scope:
        broadcast = await self.broadcasts.get(broadcast_id)
        return Scope(commune=broadcast.commune_code if broadcast else None)

    async def _audit(self, actor: Actor, action: Action | str, scope: Scope, detail: str) -> None:
        await self.access.audit(actor, action, scope, detail=detail)

    @staticmethod
    def _chat(actor: Actor) -> int:
        """The wizard is a chat step of a person; the operator has no chat."""
        assert actor.person_id is not None, "the launch wizard is a chat of a person"
        return actor.person_id
