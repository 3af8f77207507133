"""The domain's front door: one object per process; handlers and the CLI call only this."""

from __future__ import annotations

from storage import communes as communes_db
from storage.db import Database
from surveys import deployment_key, units
from surveys.access import AccessService
from surveys.answering import AnsweringService
from surveys.bot_identity import BotIdentity
from surveys.broadcasts import BroadcastService
from surveys.dashboard import DashboardService
from surveys.env import Clock, Env, Settings, utc_now
from surveys.faq_questions import QuestionService
from surveys.faq_service import FaqService
from surveys.households import HouseholdService
from surveys.invitations import InvitationService
from surveys.late_delivery import LateDelivery
from surveys.outbox import Outbox
from surveys.pending import PendingSteps
from surveys.people import PeopleService
from surveys.privacy import PrivacyService
from surveys.residents import ResidentService
from surveys.results import ResultService
from surveys.rounds import RoundService
from surveys.sheet_conflicts import ConflictService
from surveys.sheet_entry import SheetEntryService
from surveys.sheets import SheetService
from surveys.signin import SignInService
from surveys.staff_rounds import StaffRounds
from surveys.summaries import SummaryService
from surveys.thresholds import ThresholdService
from surveys.villages import VillageService
from surveys.web_sheet import WebSheetService


class Services:
    """Groups the use cases by who they serve; each shares one Env."""

    def __init__(self, db: Database, *, clock: Clock = utc_now, settings: Settings | None = None):
        self.env = Env(db, clock, settings or Settings())
        self.pending = PendingSteps(self.env)
        self.people = PeopleService(self.env)
        self.residents = ResidentService(self.env)
        self.answering = AnsweringService(self.env)
        self.rounds = RoundService(self.env)
        self.summaries = SummaryService(self.env, self.rounds)
        self.access = AccessService(self.env)
        self.results = ResultService(self.access, self.summaries)
        self.faq = FaqService(self.env, self.access)
        self.outbox = Outbox()  # the channels' ports, registered by the adapters' wiring
        self.questions = QuestionService(self.env, self.access, self.faq, self.outbox)
        self.invitations = InvitationService(self.env, self.access)
        self.privacy = PrivacyService(self.env, self.faq.reload)
        self.villages = VillageService(self.env, self.access)
        self.households = HouseholdService(self.env, self.access)
        self.sheets = SheetService(self.env, self.access)
        self.sheet_entry = SheetEntryService(self.env, self.access, self.sheets)
        self.conflicts = ConflictService(self.env, self.access)
        self.broadcasts = BroadcastService(self.env, self.rounds)
        # Called by the Zalo inbox worker after a person wrote: what waited for them.
        self.late = LateDelivery(self.env, self.broadcasts, self.questions, self.outbox)
        self.staff_rounds = StaffRounds(self.env, self.access, self.rounds, self.broadcasts)
        self.thresholds = ThresholdService(self.env)
        self.identity = BotIdentity(self.env)
        self.web = WebSheetService(self.env, self.answering)
        self.signin = SignInService(self.env, self.access)
        self.dashboard = DashboardService(
            self.env, self.access, self.results, self.summaries, self.rounds, self.broadcasts
        )

    @property
    def db(self) -> Database:
        return self.env.db

    @property
    def settings(self) -> Settings:
        return self.env.settings

    @classmethod
    async def open(
        cls, path: str, *, clock: Clock = utc_now, settings: Settings | None = None
    ) -> Services:
        """Opens (creating and migrating if needed) the database, reads the deployment's
        pseudonym key (before anything can use it) and seeds reference data."""
        db = await Database.open(path)
        services = cls(db, clock=clock, settings=settings)
        try:
            await deployment_key.load(services.env)
            await services.seed()
            await services.identity.load()
        except BaseException:
            await db.close()  # an open connection would keep the process from exiting
            raise
        return services

    async def seed(self) -> None:
        """Loads provinces, communes and the survey catalog the first time; cheap afterwards."""
        if await communes_db.count_provinces(self.db.conn) == 0:
            async with self.db.transaction() as conn:
                await communes_db.upsert_provinces(conn, units.province_rows())
                await communes_db.upsert_communes(conn, units.commune_rows())
        await self.rounds.sync_catalog()
        await self.faq.sync_package()

    async def close(self) -> None:
        await self.db.close()
