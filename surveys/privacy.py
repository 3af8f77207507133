"""Residents own their data: see all of it, remove their identity, and a retention period.

Removing an identity keeps the answers (so every score stays the same) but detaches them from
the person: no Telegram id, no name, no free-text comments, no pending chat step, no Zalo
message remain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage import access as access_db
from storage import households as households_db
from storage import people as people_db
from storage import privacy as privacy_db
from storage import residents as residents_db
from storage import responses as responses_db
from storage import zalo as zalo_db
from storage.people import NOBODY, Address, Channel, Who
from storage.privacy import StoredAsk, StoredDelivery, StoredQuestion
from storage.records import Answer, ChatState, Grant, Resident, dt, dt_req
from storage.zalo import InboxEvent
from surveys.env import Env
from surveys.model import QuestionKind, Survey
from surveys.people import zalo_parts
from surveys.pseudonym import pseudonym, voter_keys
from surveys.residents import ResidentService
from surveys.round_labels import RoundLabel
from surveys.rounds import RoundService

# Handled Zalo webhook events (their text already cleared by the worker) are kept this long,
# or for the retention period when it is shorter, then purged by the retention job.
INBOX_DAYS = 30


@dataclass(frozen=True)
class StoredAnswers:
    round_id: int
    survey: Survey
    started_at: datetime
    completed_at: datetime | None
    answers: dict[str, Answer]


@dataclass(frozen=True)
class MyData:
    """Everything ykien stores about one person, for /mydata."""

    person_id: int
    resident: Resident | None
    commune: str | None
    village: str | None
    responses: list[StoredAnswers] = field(default_factory=list)
    chat_state: ChatState | None = None
    grants: list[Grant] = field(default_factory=list)
    household: str | None = None  # the household code the account is bound to
    asks: list[StoredAsk] = field(default_factory=list)  # typed to the FAQ
    questions: list[StoredQuestion] = field(default_factory=list)  # sent to the commune
    broadcasts: list[StoredDelivery] = field(default_factory=list)  # messages sent to them
    spam_marked_at: datetime | None = None  # staff marked their questions as spam
    labels: dict[int, RoundLabel] = field(default_factory=dict)  # round id -> "Đợt N năm YYYY"
    addresses: list[Address] = field(default_factory=list)  # every channel they are reached on
    zalo_queued: list[InboxEvent] = field(default_factory=list)  # Zalo messages not handled yet
    inbox_days: int = INBOX_DAYS  # how long a handled Zalo event stays (PrivacyService.inbox_days)

    @property
    def empty(self) -> bool:
        return (
            self.resident is None
            and self.chat_state is None
            and not self.grants
            and not self.asks
            and not self.zalo_queued
        )


def _zalo_users(addresses: list[Address]) -> list[tuple[str, str]]:
    """(oa id, user id) of the Zalo addresses among them."""
    users = []
    for a in addresses:
        if a.channel == Channel.ZALO:
            try:
                users.append(zalo_parts(a.address))
            except ValueError:
                continue  # not a Zalo address this deployment could have queued events for
    return users


class PrivacyService:
    def __init__(self, env: Env, on_erased: Callable[[], None] = lambda: None) -> None:
        self.env = env
        self._on_erased = on_erased  # forgets what was cached of erased rows (the FAQ index)
        self._residents = ResidentService(env)
        self._rounds = RoundService(env)

    @property
    def inbox_days(self) -> int:
        """Days a handled Zalo event is kept: INBOX_DAYS, or the retention period if shorter."""
        days = self.env.settings.retention_days
        return min(INBOX_DAYS, days) if days > 0 else INBOX_DAYS

    def pseudonym(self, person_id: int) -> str:
        return pseudonym(self.env.pseudonym_key, person_id)

    async def my_data(self, who: Who, *, answering: int | None = None) -> MyData:
        """What is stored about the person; for an address nobody holds, nothing but itself.

        `answering` is the Zalo inbox event that asked (its id): the request being answered is
        no stored data to report (its text is cleared once it is handled); the person's other
        queued events are."""
        conn = self.env.db.conn

        async def queued_of(addresses: list[Address]) -> list[InboxEvent]:
            queued = await zalo_db.queued_for(conn, _zalo_users(addresses))
            return [e for e in queued if e.id != answering]

        if not isinstance(who, int):
            queued = await queued_of([who])
            return MyData(
                NOBODY,
                None,
                None,
                None,
                addresses=[who],
                zalo_queued=queued,
                inbox_days=self.inbox_days,
            )
        person_id = who
        found = await residents_db.get(conn, person_id)
        # a person with no commune is no resident: only their addresses and steps are stored
        resident = found if found is not None and found.commune_code is not None else None
        state = await residents_db.get_chat_state(conn, person_id)
        grants = await access_db.active_grants(conn, person_id)
        asks = await privacy_db.asks_of(conn, person_id)
        addresses = await people_db.addresses_of(conn, person_id)
        queued = await queued_of(addresses)
        if resident is None:
            return MyData(
                person_id,
                None,
                None,
                None,
                [],
                state,
                grants,
                asks=asks,
                addresses=addresses,
                zalo_queued=queued,
                inbox_days=self.inbox_days,
            )
        membership = await self._residents.membership(person_id)
        stored = []
        for response in await privacy_db.responses_of(conn, resident.id):
            survey = await self._rounds.survey(response.survey_id)
            assert survey is not None  # rounds reference stored surveys
            answers = {a.question_id: a for a in await responses_db.list_answers(conn, response.id)}
            stored.append(
                StoredAnswers(
                    response.round_id,
                    survey,
                    dt_req(response.started_at),
                    dt(response.completed_at),
                    answers,
                )
            )
        deliveries = await privacy_db.deliveries_of(conn, resident.id)
        labels = await self._rounds.labels_of(
            [r.round_id for r in stored] + [d.round_id for d in deliveries]
        )
        return MyData(
            person_id,
            resident,
            f"{membership.commune.name}, {membership.commune.province_name}"
            if membership
            else None,
            membership.village.name if membership and membership.village else None,
            stored,
            state,
            grants,
            await households_db.code_of(conn, resident.id),
            asks,
            await privacy_db.questions_of(conn, resident.id),
            deliveries,
            dt(await privacy_db.spam_marked(conn, resident.id)),
            labels,
            addresses,
            queued,
            self.inbox_days,
        )

    async def erase(self, person_id: int) -> bool:
        """Removes the person's identity; False when nothing identifies them any more."""
        conn = self.env.db.conn
        resident = await residents_db.get(conn, person_id)
        if resident is None or resident.commune_code is None:
            return await self._forget(person_id)
        await self._erase(resident.id)
        await self.env.db.checkpoint()  # the erased bytes must not linger in the -wal file
        self._on_erased()
        return True

    async def _forget(self, person_id: int) -> bool:
        """Someone who never joined a commune (or staff): only a pending step and the Zalo
        messages they sent are theirs to drop."""
        async with self.env.db.transaction() as conn:
            messages = await zalo_db.erase_inbox_of(conn, person_id)
            cleared = await residents_db.clear_chat_state(conn, person_id)
        if messages:
            await self.env.db.checkpoint()
        return cleared or messages > 0

    async def _erase(self, resident_id: int) -> None:
        conn = self.env.db.conn
        comments: list[tuple[int, str]] = []
        key = self.env.pseudonym_key
        responses = await privacy_db.responses_of(conn, resident_id)
        addresses = [
            (a.channel, a.address) for a in await people_db.addresses_of(conn, resident_id)
        ]
        voters = [
            (keys[0], r.id) for r in responses if (keys := voter_keys(key, r.round_id, addresses))
        ]
        for response in responses:
            survey = await self._rounds.survey(response.survey_id)
            assert survey is not None
            comments.extend(
                (response.id, q.id) for q in survey.questions if q.kind is QuestionKind.TEXT
            )
        async with self.env.db.transaction() as conn:
            await privacy_db.mark_voters(conn, voters)
            await zalo_db.erase_inbox_of(conn, resident_id)  # before the addresses go
            await privacy_db.erase_identity(conn, resident_id, comments, self.env.now())

    async def run_retention(self) -> int:
        """Purges old handled Zalo events, and erases residents inactive for the retention
        period (none when it is off); returns how many residents."""
        days = self.env.settings.retention_days
        await self.purge_inbox()
        if days <= 0:
            return 0
        before = self.env.now() - timedelta(days=days)
        expired = await privacy_db.inactive_since(self.env.db.conn, before)
        for resident_id in expired:
            await self._erase(resident_id)
        if expired:
            await self.env.db.checkpoint()
            self._on_erased()
        return len(expired)

    async def purge_inbox(self) -> int:
        """Deletes Zalo events handled longer ago than INBOX_DAYS (or the retention period when
        shorter); returns how many."""
        async with self.env.db.transaction() as conn:
            before = self.env.now() - timedelta(days=self.inbox_days)
            purged = await zalo_db.purge_handled(conn, before)
        if purged:
            await self.env.db.checkpoint()
        return purged
