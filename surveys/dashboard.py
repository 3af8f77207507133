"""The dashboard's pages as use cases: the places a person may open, a province's table of
communes, a commune's report, a round's progress.

Every use case takes the signed-in person's Actor; the access check and the audit of the page
view are here (or in surveys.results, which this calls), never in the web adapter. Figures come
from surveys.summaries, so every number is suppressed exactly as in the printed reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from storage import communes as communes_db
from storage import dashboard as dashboard_db
from storage import scores as scores_db
from storage.records import Commune, Province
from surveys import figures, question_kinds
from surveys.access import AccessService, Action, Actor, Role, Scope
from surveys.broadcasts import BroadcastService, Progress
from surveys.env import Env
from surveys.results import ResultService
from surveys.round_labels import RoundLabel
from surveys.rounds import Round, RoundService
from surveys.scoring import ScoreVerdict, required_sample
from surveys.summaries import (
    CommuneReport,
    ProvinceReport,
    SummaryError,
    SummaryRefused,
    SummaryService,
)
from surveys.text import fold

HOME = "dashboard.home"


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # also a round scheduled for later: nothing is being answered now
    NONE = "none"  # the commune has had no round


@dataclass(frozen=True)
class Places:
    """What the home page lists: whole provinces, and single communes."""

    provinces: list[Province]
    communes: list[Commune]


@dataclass(frozen=True)
class BoardRow:
    commune: Commune
    status: Status
    label: RoundLabel | None
    respondents: int | None  # None when hidden (under k, or to protect another row)
    households: bool  # the unit: households (codes issued) or people
    registered: int
    required: int  # the sampling rule's minimum
    coverage: float | None  # respondents / registered, when respondents are shown
    share: figures.Share
    verdict: ScoreVerdict | None
    change: figures.Trend | None  # against the commune's previous round of the same survey
    rank: figures.RankedRow | None


@dataclass(frozen=True)
class Board:
    province: Province
    report: ProvinceReport | None  # None while no commune had a round
    rows: list[BoardRow]  # in rank order; communes without a round last


@dataclass(frozen=True)
class RoundProgress:
    commune: Commune
    round: Round | None
    label: RoundLabel | None
    progress: Progress | None  # the round's latest broadcast
    report: CommuneReport | None  # its answers by village (suppressed), when it has any
    running: bool  # a broadcast is still sending: the page refreshes itself


SORTS = ("rank", "name", "status", "n", "coverage", "share", "verdict", "change")


class DashboardService:
    def __init__(
        self,
        env: Env,
        access: AccessService,
        results: ResultService,
        summaries: SummaryService,
        rounds: RoundService,
        broadcasts: BroadcastService,
    ) -> None:
        self.env = env
        self.access = access
        self.results = results
        self.summaries = summaries
        self.rounds = rounds
        self.broadcasts = broadcasts

    async def places(self, actor: Actor) -> Places:
        """The provinces and communes the person's roles cover (every province for an
        administrator); audited as a page view."""
        conn = self.env.db.conn
        grants = await self.access.grants(actor.person_id) if actor.person_id is not None else []
        if actor.person_id is None or any(g.role == Role.ADMIN for g in grants):
            provinces = await communes_db.list_provinces(conn)
            communes: list[Commune] = []
        else:
            codes = sorted({g.province_code for g in grants if g.province_code is not None})
            provinces = [p for c in codes if (p := await communes_db.get_province(conn, c))]
            one = sorted({g.commune_code for g in grants if g.commune_code is not None})
            communes = [c for code in one if (c := await communes_db.get_commune(conn, code))]
        await self.access.audit(actor, HOME, Scope())
        return Places(provinces, communes)

    async def province(self, actor: Actor, code: int) -> Board:
        """The province's communes, one row each; raises Forbidden or SummaryRefused."""
        try:
            report: ProvinceReport | None = await self.results.province(actor, code)
        except SummaryRefused as exc:
            if exc.error is not SummaryError.NO_ROUNDS:
                raise
            report = None
        conn = self.env.db.conn
        province = await communes_db.get_province(conn, code)
        assert province is not None  # results.province refused an unknown one
        communes = await communes_db.list_communes(conn, province_code=code)
        rows = await self._rows(report) if report is not None else []
        seen = {r.commune.code for r in rows}
        units = await scores_db.units(conn, [c.code for c in communes if c.code not in seen])
        for c in communes:
            if c.code not in seen:
                households, residents = units.get(c.code, (0, 0))
                rows.append(_no_round(c, households, residents))
        return Board(province, report, rows)

    async def _rows(self, report: ProvinceReport) -> list[BoardRow]:
        conn, k, t = self.env.db.conn, report.min_group, report.thresholds
        codes = [r.commune.code for r in report.rows]
        units = await scores_db.units(conn, codes)
        current = {r.id: r for r in await self.rounds.current_rounds(report.province.code)}
        before = await dashboard_db.previous_rounds(conn, [r.round_id for r in report.rows])
        values = await scores_db.question_values(
            conn, list(before.values()), question_kinds.STORED_VALUES
        )
        now = self.env.now()
        surveys = {
            sid: await self.rounds.survey(sid) for sid in {r.survey_id for r in current.values()}
        }
        out = []
        for row in report.rows:
            round_ = current[row.round_id]
            households, residents = units.get(row.commune.code, (0, 0))
            registered = households + residents
            change = None
            survey = surveys[round_.survey_id]
            prev = before.get(row.round_id)
            if survey is not None and survey.overall is not None and prev is not None:
                tallies = figures.value_tallies(survey, values.get(prev, {}))
                sat, valid, _ = tallies.get(survey.overall.id, (0, 0, 0))
                change = figures.trend(figures.share_of(sat, valid, k), row.ranked.share)
            n = row.respondents
            out.append(
                BoardRow(
                    commune=row.commune,
                    status=Status.OPEN if round_.is_open(now) else Status.CLOSED,
                    label=row.label,
                    respondents=n,
                    households=households > 0,
                    registered=registered,
                    required=required_sample(registered, t.margin),
                    coverage=n / registered if n is not None and registered else None,
                    share=row.ranked.share,
                    verdict=row.verdict,
                    change=change,
                    rank=row.ranked,
                )
            )
        return out

    async def commune(
        self, actor: Actor, code: int, *, action: Action = Action.VIEW_SUMMARY
    ) -> CommuneReport:
        """The commune's report (checked and audited by surveys.results)."""
        return await self.results.commune(actor, code, action=action)

    async def progress(self, actor: Actor, code: int) -> RoundProgress:
        """The commune's current round (else its latest): delivery and answers by village;
        raises Forbidden or SummaryRefused."""
        scope = Scope(commune=code)
        await self.access.require(actor, Action.VIEW_PROGRESS, scope)
        await self.access.audit(actor, Action.VIEW_PROGRESS, scope)
        commune = await communes_db.get_commune(self.env.db.conn, code)
        if commune is None:  # only an administrator gets this far with an unknown code
            raise SummaryRefused(SummaryError.UNKNOWN_COMMUNE, commune=code)
        round_ = await self.rounds.current(code)
        if round_ is None:
            listed = await self.rounds.list_for_commune(code)
            round_ = listed[-1].round if listed else None
        if round_ is None:
            return RoundProgress(commune, None, None, None, None, False)
        sent = await self.broadcasts.list_for(round_id=round_.id)
        progress = await self.broadcasts.progress(sent[-1].id) if sent else None
        try:
            report: CommuneReport | None = await self.summaries.commune(code, round_.id)
        except SummaryRefused:
            report = None
        running = progress is not None and progress.done < progress.total
        label = await self.rounds.label(round_)
        return RoundProgress(commune, round_, label, progress, report, running)


def _no_round(commune: Commune, households: int, residents: int) -> BoardRow:
    return BoardRow(
        commune=commune,
        status=Status.NONE,
        label=None,
        respondents=None,
        households=households > 0,
        registered=households + residents,
        required=0,
        coverage=None,
        share=figures.HIDDEN,
        verdict=None,
        change=None,
        rank=None,
    )


def select(
    rows: list[BoardRow],
    *,
    query: str = "",
    verdict: str = "",
    status: str = "",
    sort: str = "rank",
    descending: bool = False,
) -> list[BoardRow]:
    """The rows a table's search, filters and sort ask for (the name typed without diacritics
    matches too); an unknown sort keeps the rank order."""
    folded = fold(query)
    picked = [
        r
        for r in rows
        if (not folded or folded in fold(r.commune.name))
        and (not verdict or (r.verdict.value if r.verdict else "") == verdict)
        and (not status or r.status.value == status)
    ]
    if sort in SORTS and sort != "rank":
        shown = [r for r in picked if _key(r, sort) is not None]
        blank = [r for r in picked if _key(r, sort) is None]
        shown.sort(key=lambda r: cast(float | str, _key(r, sort)), reverse=descending)
        return shown + blank  # rows without the figure stay last either way
    return picked[::-1] if descending else picked


def _key(row: BoardRow, sort: str) -> float | str | None:
    if sort == "name":
        return fold(row.commune.name)
    if sort == "status":
        return row.status.value
    if sort == "n":
        return row.respondents
    if sort == "coverage":
        return row.coverage
    if sort == "share":
        return row.share.share
    if sort == "verdict":
        return row.verdict.value if row.verdict else None
    return row.change.change if row.change else None
