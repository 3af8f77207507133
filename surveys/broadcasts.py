"""Launching a round to a commune's residents: validation, one broadcast per launch, progress.

The broadcast and all its delivery rows are written in the same transaction as the round, so
a launch either exists whole or not at all; `surveys.delivery.Sender` drains the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from storage import broadcasts as bdb
from storage import communes as communes_db
from storage import deliveries as ddb
from storage import responses as responses_db
from storage import scores as scores_db
from storage import surveys as surveys_db
from storage.broadcasts import BroadcastRow
from storage.deliveries import Reach
from storage.records import Round
from surveys.drafts import Draft, DraftStore
from surveys.env import Env
from surveys.model import Survey
from surveys.quiet import finish_time, first_send
from surveys.round_labels import RoundLabel
from surveys.rounds import RoundError, RoundRefused, RoundService, Summary


class BroadcastStatus(StrEnum):
    """A broadcast's life; the stored code of `broadcasts.status`."""

    SCHEDULED = "scheduled"  # created, waiting for its start time; may still be cancelled
    RUNNING = "running"  # the sender is draining its delivery rows
    PAUSED = "paused"  # quiet hours or a blackout date; resumes at resume_at
    DONE = "done"  # no queued or sending row is left
    CANCELLED = "cancelled"  # cancelled before it started; its rows were skipped
    EXPIRED = "expired"  # its round closed before every row was tried; the rest were skipped


FINISHED = frozenset({BroadcastStatus.DONE, BroadcastStatus.CANCELLED, BroadcastStatus.EXPIRED})


class Audience(StrEnum):
    ALL = "all"  # every subscribed resident of the commune
    VILLAGE = "village"  # one village (audience_ref = village id)
    NONRESPONDENTS = "nonrespondents"  # did not complete an earlier round (audience_ref)


class LaunchError(StrEnum):
    TIME_IN_PAST = "time_in_past"
    EMPTY_AUDIENCE = "empty_audience"
    UNKNOWN_VILLAGE = "unknown_village"
    UNKNOWN_EARLIER_ROUND = "unknown_earlier_round"
    UNKNOWN_BROADCAST = "unknown_broadcast"
    NOT_CANCELLABLE = "not_cancellable"


class LaunchRefused(Exception):
    def __init__(self, error: LaunchError, **details: object) -> None:
        super().__init__(error.value)
        self.error = error
        self.details = details


@dataclass(frozen=True)
class Plan:
    """A checked launch, before it is confirmed: what the preview shows."""

    commune_code: int
    survey: Survey
    audience: Audience
    audience_ref: int | None
    starts_at: datetime
    closes_at: datetime | None
    recipients: int
    first_send: datetime  # starts_at moved past quiet hours and blackout dates
    reach: Reach = field(default_factory=Reach)  # who each channel can reach now


@dataclass(frozen=True)
class Launched:
    round: Round
    broadcast: BroadcastRow
    created: bool  # False: this launch key was already used (double confirm)
    recipients: int
    first_send: datetime  # when the first invitation really goes out
    label: RoundLabel  # the new round's "Đợt N năm YYYY"
    reach: Reach = field(default_factory=Reach)  # who each channel could reach at the launch


@dataclass(frozen=True)
class Cancelled:
    """A cancelled broadcast, and what became of its round."""

    broadcast: BroadcastRow
    round_closed: bool  # an invitation nobody answered yet: its round is closed too
    answers: int  # residents who started the round; >0 keeps it open (`round close` ends it)
    label: RoundLabel  # the round's "Đợt N năm YYYY"


@dataclass(frozen=True)
class Progress:
    broadcast: BroadcastRow
    counts: dict[str, int]
    total: int
    answered: int
    finishes_at: datetime | None  # sending ends (past quiet hours); None: nothing is left
    label: RoundLabel  # the round's "Đợt N năm YYYY"
    # The whole round, recipients or not: most residents join by the QR code after the
    # invitation went out, and staff must see their answers too.
    round_started: int = 0
    round_completed: int = 0
    round_channels: dict[str, int] = field(default_factory=dict)  # counted, by channel
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)  # delivery states

    def of(self, channel: str, *states: str) -> int:
        """Rows of `channel` in any of `states`."""
        counts = self.by_channel.get(channel, {})
        return sum(counts.get(s, 0) for s in states)

    @property
    def done(self) -> int:
        return self.total - self.counts.get("queued", 0) - self.counts.get("sending", 0)


@dataclass(frozen=True)
class Content:
    """What a broadcast says: the round, its survey, and for results the scores."""

    kind: str
    round: Round
    survey: Survey
    label: RoundLabel
    summary: Summary | None = None


class BroadcastService:
    def __init__(self, env: Env, rounds: RoundService) -> None:
        self.env = env
        self.rounds = rounds
        self.drafts = DraftStore(env)

    async def plan(
        self,
        commune_code: int,
        survey_id: str,
        *,
        audience: Audience = Audience.ALL,
        audience_ref: int | None = None,
        starts_at: datetime | None = None,
        closes_at: datetime | None = None,
    ) -> Plan:
        """Checks a launch and counts its recipients; raises RoundRefused or LaunchRefused."""
        conn = self.env.db.conn
        now = self.env.now()
        starts = starts_at or now
        if await communes_db.get_commune(conn, commune_code) is None:
            raise RoundRefused(RoundError.UNKNOWN_COMMUNE, commune=commune_code)
        survey = await self.rounds.survey(survey_id)
        if survey is None:
            raise RoundRefused(RoundError.UNKNOWN_SURVEY, survey=survey_id)
        if starts_at is not None and starts_at < now:
            raise LaunchRefused(LaunchError.TIME_IN_PAST)
        if closes_at is not None and closes_at <= now:
            raise RoundRefused(RoundError.CLOSES_IN_PAST)
        if closes_at is not None and closes_at <= starts:
            raise RoundRefused(RoundError.CLOSES_BEFORE_OPENS)
        if audience is Audience.VILLAGE:
            villages = await communes_db.list_villages(conn, commune_code)
            if audience_ref not in {v.id for v in villages}:
                raise LaunchRefused(LaunchError.UNKNOWN_VILLAGE)
        if audience is Audience.NONRESPONDENTS:
            earlier = await surveys_db.get_round(conn, audience_ref or 0)
            if earlier is None or earlier.commune_code != commune_code:
                raise LaunchRefused(LaunchError.UNKNOWN_EARLIER_ROUND)
        recipients = await bdb.count_audience(
            conn, "invite", audience.value, commune_code, 0, audience_ref
        )
        reach = await ddb.reach(conn, "invite", audience.value, commune_code, 0, audience_ref, now)
        return Plan(
            commune_code,
            survey,
            audience,
            audience_ref,
            starts,
            closes_at,
            recipients,
            first_send(starts, self.env.settings),
            reach,
        )

    async def plan_draft(self, draft: Draft) -> Plan:
        """The wizard's draft, checked like any launch."""
        assert draft.survey is not None and draft.audience is not None
        return await self.plan(
            draft.commune,
            draft.survey,
            audience=Audience(draft.audience),
            audience_ref=draft.audience_ref,
            starts_at=draft.starts(),
            closes_at=draft.closes(),
        )

    def preview_round(self, plan: Plan) -> Round:
        """The round a plan would open, for the staff member's test copy (not stored)."""
        now = self.env.now()
        return Round(
            0, plan.commune_code, plan.survey.id, plan.starts_at, plan.closes_at, None, now
        )

    async def launch(
        self,
        plan: Plan,
        *,
        launch_key: str,
        created_by: str,
        allow_empty: bool = False,
        official: bool = False,
    ) -> Launched:
        """Opens the round, creates its broadcast and every delivery row, in one transaction.

        The same launch key (a double tap on confirm) returns the first launch; a second
        launch of a survey that already has a round open or scheduled in the commune is
        refused (two staff members launching at once), both decided inside the transaction.
        """
        if plan.recipients == 0 and not allow_empty:
            raise LaunchRefused(LaunchError.EMPTY_AUDIENCE)
        now = self.env.now()
        async with self.env.db.transaction() as tx:
            existing = await bdb.get_by_key(tx, launch_key)
            if existing is not None:
                round_ = await surveys_db.get_round(tx, existing.round_id)
                assert round_ is not None
                total = sum((await ddb.state_counts(tx, existing.id)).values())
                start = max(existing.starts_at, now)
                label = await self.rounds.label(round_)  # a read on the same connection
                return Launched(
                    round_, existing, False, total, first_send(start, self.env.settings), label
                )
            for other in await surveys_db.list_rounds(tx, commune_code=plan.commune_code):
                live = other.closed_at is None and (
                    other.closes_at is None or other.closes_at > now
                )
                if live and other.survey_id == plan.survey.id:
                    raise RoundRefused(RoundError.ALREADY_OPEN, round=other.id)
            round_id = await surveys_db.insert_round(
                tx,
                plan.commune_code,
                plan.survey.id,
                plan.starts_at,
                plan.closes_at,
                now,
                official=official,
            )
            broadcast_id, _ = await bdb.insert_broadcast(
                tx,
                round_id=round_id,
                commune_code=plan.commune_code,
                kind="invite",
                audience=plan.audience.value,
                audience_ref=plan.audience_ref,
                starts_at=plan.starts_at,
                launch_key=launch_key,
                created_by=created_by,
                now=now,
            )
            broadcast = await bdb.get(tx, broadcast_id)
            assert broadcast is not None
            recipients = await ddb.insert_deliveries(tx, broadcast, now)
            round_ = await surveys_db.get_round(tx, round_id)
            assert round_ is not None
        label = await self.rounds.label(round_)
        return Launched(round_, broadcast, True, recipients, plan.first_send, label, plan.reach)

    async def open_round(
        self,
        commune_code: int,
        survey_id: str,
        *,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
        created_by: str = "cli",
        official: bool = False,
    ) -> Launched:
        """`ykien round open`: the round and its invitation broadcast to every resident
        (possibly nobody yet: residents who join later are offered the round on joining)."""
        plan = await self.plan(commune_code, survey_id, starts_at=opens_at, closes_at=closes_at)
        key = f"round:{commune_code}:{survey_id}:{self.env.now().isoformat()}"
        return await self.launch(
            plan, launch_key=key, created_by=created_by, allow_empty=True, official=official
        )

    async def follow_up(self, round_id: int, kind: str, launch_key: str) -> BroadcastRow | None:
        """A reminder (to residents who have not finished) or the result (to those who
        answered) of a round, starting now; None when nobody is left to message."""
        now = self.env.now()
        async with self.env.db.transaction() as tx:
            round_ = await surveys_db.get_round(tx, round_id)
            if round_ is None:
                raise RoundRefused(RoundError.UNKNOWN_ROUND, round=round_id)
            if kind == "reminder" and not round_.is_open(now):
                raise RoundRefused(RoundError.ALREADY_CLOSED, round=round_id)
            if await bdb.get_by_key(tx, launch_key) is not None:
                return None
            invite = next(
                (b for b in await bdb.list_for(tx, round_id=round_id) if b.kind == "invite"), None
            )
            audience = invite.audience if invite and kind == "reminder" else "all"
            ref = invite.audience_ref if invite and kind == "reminder" else None
            if not await bdb.count_audience(tx, kind, audience, round_.commune_code, round_id, ref):
                return None
            broadcast_id, _ = await bdb.insert_broadcast(
                tx,
                round_id=round_id,
                commune_code=round_.commune_code,
                kind=kind,
                audience=audience,
                audience_ref=ref,
                starts_at=now,
                launch_key=launch_key,
                created_by="system",
                now=now,
            )
            broadcast = await bdb.get(tx, broadcast_id)
            assert broadcast is not None
            await ddb.insert_deliveries(tx, broadcast, now)
        return broadcast

    async def due_follow_ups(self) -> list[BroadcastRow]:
        """Automatic reminders that are due, and results of rounds that closed."""
        now = self.env.now()
        settings = self.env.settings
        by_round: dict[int, list[BroadcastRow]] = {}
        for b in await bdb.list_for(self.env.db.conn):
            by_round.setdefault(b.round_id, []).append(b)
        created = []
        for round_id, sent in by_round.items():
            round_ = await surveys_db.get_round(self.env.db.conn, round_id)
            if round_ is None or not any(b.kind == "invite" for b in sent):
                continue
            if round_.is_open(now):
                reminders = [b for b in sent if b.launch_key.startswith("reminder:")]
                last = max(b.finished_at or now for b in sent if b.kind != "result")
                done = all(b.status in FINISHED for b in sent)
                due = now - last >= settings.reminder_delay
                if done and due and len(reminders) < settings.reminder_max:
                    key = f"reminder:{round_id}:{len(reminders) + 1}"
                    made = await self.follow_up(round_id, "reminder", key)
                    created += [made] if made else []
            elif round_.closed_at is not None or round_.closes_at is not None:
                if any(b.kind == "result" for b in sent):
                    continue
                if await self.respondents(round_id) < settings.thresholds.min_group:
                    continue  # too few to show without pointing at people
                made = await self.follow_up(round_id, "result", f"result:{round_id}")
                created += [made] if made else []
        return created

    async def remind_now(self, round_id: int, created_by: str) -> BroadcastRow | None:
        """A reminder now (from /remind), not counted against the automatic ones."""
        manual = await bdb.count_kind(self.env.db.conn, round_id, "reminder")
        return await self.follow_up(
            round_id, "reminder", f"remind:{round_id}:{manual + 1}:{created_by}"
        )

    async def cancel(self, broadcast_id: int) -> Cancelled:
        """Cancels a broadcast that has not started sending. Cancelling an invitation undoes
        its launch (closes the round) only while nobody has answered: a round with answers is
        closed by `round close` alone, never as a side effect of stopping a message."""
        async with self.env.db.transaction() as tx:
            broadcast = await bdb.get(tx, broadcast_id)
            if broadcast is None:
                raise LaunchRefused(LaunchError.UNKNOWN_BROADCAST, id=broadcast_id)
            if not await bdb.cancel_if_scheduled(tx, broadcast_id, self.env.now()):
                raise LaunchRefused(LaunchError.NOT_CANCELLABLE, status=broadcast.status)
            answers, _ = await responses_db.count_responses(tx, broadcast.round_id)
            closed = False
            if broadcast.kind == "invite" and answers == 0:
                closed = await surveys_db.close_round(tx, broadcast.round_id, self.env.now())
        cancelled = await bdb.get(self.env.db.conn, broadcast_id)
        assert cancelled is not None
        labels = await self.rounds.labels([cancelled.commune_code])
        return Cancelled(cancelled, closed, answers, labels[cancelled.round_id])

    async def hold(self, broadcast_id: int) -> bool:
        """Staff pause a running broadcast: the sender stops after the batch in flight."""
        async with self.env.db.transaction() as tx:
            return await bdb.hold(tx, broadcast_id, self.env.now())

    async def release(self, broadcast_id: int) -> bool:
        """Staff resume a broadcast they paused; the caller runs the sender again."""
        async with self.env.db.transaction() as tx:
            return await bdb.release(tx, broadcast_id)

    async def set_subscribed(self, person_id: int, subscribed: bool) -> bool:
        """/stop (False) and /start (True); False when the user is not a resident."""
        async with self.env.db.transaction() as tx:
            return await bdb.set_stopped(tx, person_id, None if subscribed else self.env.now())

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        return await bdb.get(self.env.db.conn, broadcast_id)

    async def list_for(
        self, *, commune: int | None = None, round_id: int | None = None
    ) -> list[BroadcastRow]:
        return await bdb.list_for(self.env.db.conn, commune=commune, round_id=round_id)

    async def active(self) -> list[BroadcastRow]:
        return await bdb.list_active(self.env.db.conn)

    async def recover(self) -> int:
        """At start: rows a crash left 'sending' go back to 'queued' (they may be sent twice),
        except those a restart already found in flight once, which become 'unknown'."""
        async with self.env.db.transaction() as tx:
            return await ddb.requeue_sending(tx, self.env.now())

    async def progress_of(self, rows: list[BroadcastRow]) -> list[Progress]:
        """progress() of several broadcasts, their rounds' labels read once for all."""
        labels = await self.rounds.labels(b.commune_code for b in rows)
        return [await self.progress(b.id, labels) for b in rows]

    async def progress(
        self, broadcast_id: int, labels: dict[int, RoundLabel] | None = None
    ) -> Progress:
        conn = self.env.db.conn
        broadcast = await bdb.get(conn, broadcast_id)
        if broadcast is None:
            raise LaunchRefused(LaunchError.UNKNOWN_BROADCAST, id=broadcast_id)
        counts = await ddb.state_counts(conn, broadcast_id)
        left = counts.get("queued", 0) + counts.get("sending", 0)
        finishes_at = None
        if left:
            settings = self.env.settings
            start = max(self.env.now(), broadcast.starts_at)
            finishes_at = finish_time(start, left / settings.broadcast_rate, settings)
        answered = await ddb.answered_among(conn, broadcast_id, broadcast.round_id)
        started, completed = await responses_db.count_responses(conn, broadcast.round_id)
        if labels is None:
            labels = await self.rounds.labels([broadcast.commune_code])
        return Progress(
            broadcast,
            counts,
            sum(counts.values()),
            answered,
            finishes_at,
            labels[broadcast.round_id],
            started,
            completed,
            await scores_db.channel_counts(conn, broadcast.round_id),
            await ddb.channel_counts(conn, broadcast_id),
        )

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        async with self.env.db.transaction() as tx:
            await bdb.set_progress_message(tx, broadcast_id, chat_id, message_id)

    async def content(self, broadcast: BroadcastRow) -> Content:
        conn = self.env.db.conn
        round_ = await surveys_db.get_round(conn, broadcast.round_id)
        assert round_ is not None
        survey = await self.rounds.survey(round_.survey_id)
        assert survey is not None
        summary = None
        if broadcast.kind == "result":
            summary = await self.rounds.summary(round_.commune_code, round_.id)
        label = await self.rounds.label(round_)
        return Content(broadcast.kind, round_, survey, label, summary)

    async def respondents(self, round_id: int) -> int:
        started, _ = await responses_db.count_responses(self.env.db.conn, round_id)
        return started
