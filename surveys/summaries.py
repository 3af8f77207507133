"""What officers pull: a commune's report, a province's ranked table, the national table.

Every figure is read from the aggregates the answer triggers keep (storage.scores), never by
grouping answers, so a province summary costs the same at 10 thousand or 10 million answers.
Disclosure control is applied here, once, for every output: a commune under k is hidden in its
own report as in the tables, and complementary suppression (surveys.disclosure) hides what the
published totals would otherwise give away.
Refusals are SummaryRefused with a code the handlers and the CLI turn into a Vietnamese message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from storage import communes as communes_db
from storage import people as people_db
from storage import residents as residents_db
from storage import scores as scores_db
from storage import surveys as surveys_db
from storage.people import Who
from storage.records import ChatState, Commune, Grant, Province
from surveys import disclosure, figures, question_kinds
from surveys.env import Env
from surveys.export_rows import ExportAnswer, export_answers
from surveys.figures import CriteriaSet, Unit
from surveys.model import QuestionKind, Survey
from surveys.round_labels import RoundLabel
from surveys.rounds import RoundRefused, RoundService, Summary, round_labels
from surveys.scoring import Decision, ScoreVerdict, Thresholds, verdict_from_tallies
from surveys.text import fold
from surveys.thresholds import for_province

NAME_STATE = "sum_name"  # chat_states: the next typed text names a commune or province


class SummaryError(StrEnum):
    UNKNOWN_COMMUNE = "unknown_commune"
    UNKNOWN_PROVINCE = "unknown_province"
    NOT_FOUND = "not_found"  # a typed name that matches nothing
    AMBIGUOUS = "ambiguous"  # a typed name that matches several communes or provinces
    UNKNOWN_ROUND = "unknown_round"
    NO_ROUNDS = "no_rounds"
    NO_ANSWERS = "no_answers"
    ALL_DONT_KNOW = "all_dont_know"  # every scale answer "không biết": nothing to judge


class SummaryRefused(Exception):
    def __init__(self, error: SummaryError, **details: object) -> None:
        super().__init__(error.value)
        self.error = error
        self.details = details


@dataclass(frozen=True)
class Target:
    """What a typed "commune or province" resolved to."""

    commune: Commune | None = None
    province: Province | None = None


@dataclass(frozen=True)
class CommuneReport:
    summary: Summary
    unit: Unit  # household where the commune issued household codes, else resident
    label: RoundLabel  # "Đợt 2 năm 2026": the round's number in the commune's year
    criteria: dict[CriteriaSet, list[figures.CriterionScore]]
    villages: list[figures.VillageRow]
    all_villages_hidden: bool
    comments: figures.Comments
    trend: figures.Trend | None  # against the commune's previous round of the same survey
    previous_round: int | None
    previous_label: RoundLabel | None
    history: list[TrendPoint]  # every round of the survey in the commune up to this one
    # counted responses by the channel they came through (chat, web, zalo, paper); shown only
    # where n itself is shown
    channels: dict[str, int] = field(default_factory=dict)

    @property
    def survey(self) -> Survey:
        return self.summary.survey


@dataclass(frozen=True)
class TrendPoint:
    round_id: int
    label: RoundLabel
    headline: figures.Share  # the overall question's share
    trend: figures.Trend | None  # against the point before; None for the first


@dataclass(frozen=True)
class ProvinceRow:
    commune: Commune
    round_id: int
    label: RoundLabel
    respondents: int | None  # None when under k
    decision: Decision
    ranked: figures.RankedRow

    @property
    def verdict(self) -> ScoreVerdict:
        return self.decision.verdict


@dataclass(frozen=True)
class ProvinceReport:
    province: Province
    rows: list[ProvinceRow]  # ranked; suppressed communes last
    without_rounds: int  # communes of the province with no round yet
    min_group: int
    thresholds: Thresholds  # the province's own (surveys.thresholds), else the defaults
    respondents: int | None  # the communes' total: None when hidden (see disclosure.pooled)
    total: figures.Share  # the communes' overall answers pooled, hidden the same way


@dataclass(frozen=True)
class NationalRow:
    province: Province
    communes: int  # communes with a round
    respondents: int | None  # None when under k
    ranked: figures.RankedRow


class SummaryService:
    def __init__(self, env: Env, rounds: RoundService) -> None:
        self.env = env
        self.rounds = rounds

    @property
    def k(self) -> int:
        return self.env.settings.thresholds.min_group

    async def rescore(self) -> int:
        """Rebuilds every aggregate from the stored answers (in short transactions, so the bot
        keeps answering meanwhile); returns the answers counted."""
        return await scores_db.rebuild(self.env.db)

    async def resolve(self, text: str) -> Target:
        """A code or a name typed with or without diacritics: a commune, else a province."""
        conn = self.env.db.conn
        query = text.strip()
        if query.isdecimal():
            commune = await communes_db.get_commune(conn, int(query))
            if commune is not None:
                return Target(commune=commune)
            province = await communes_db.get_province(conn, int(query))
            if province is not None:
                return Target(province=province)
            raise SummaryRefused(SummaryError.NOT_FOUND, query=query)
        folded = fold(query)
        if sum(ch.isalnum() for ch in folded) < 2:
            raise SummaryRefused(SummaryError.NOT_FOUND, query=query)
        provinces = [p for p in await communes_db.list_provinces(conn) if folded in fold(p.name)]
        exact = [p for p in provinces if fold(p.name).endswith(" " + folded)]
        communes = await communes_db.search_communes(conn, folded, province_code=None, limit=9)
        exact_c = [c for c in communes if fold(c.name).endswith(" " + folded)]
        if len(exact) == 1 and not exact_c:
            return Target(province=exact[0])
        if len(communes) == 1 and not provinces:
            return Target(commune=communes[0])
        if len(exact_c) == 1 and not exact:
            return Target(commune=exact_c[0])
        if not communes and len(provinces) == 1:
            return Target(province=provinces[0])
        if not communes and not provinces:
            raise SummaryRefused(SummaryError.NOT_FOUND, query=query)
        names = [c.name + ", " + c.province_name for c in communes[:8]]
        names += [p.name for p in provinces[:8]]
        candidates = [Target(commune=c) for c in communes[:8]]
        candidates += [Target(province=p) for p in provinces[:8]]
        raise SummaryRefused(
            SummaryError.AMBIGUOUS, query=query, names=names, candidates=candidates
        )

    async def by_code(self, kind: str, code: int) -> Target:
        """A commune ("c") or province ("p") picked by its code, e.g. from a candidate button."""
        conn = self.env.db.conn
        commune = await communes_db.get_commune(conn, code) if kind == "c" else None
        province = await communes_db.get_province(conn, code) if kind == "p" else None
        if commune is None and province is None:
            raise SummaryRefused(SummaryError.NOT_FOUND, query=str(code))
        return Target(commune=commune, province=province)

    async def await_name(self, who: Who) -> None:
        """The officer's next typed message is a place name for /summary (a pending step)."""
        async with self.env.db.transaction() as conn:
            person_id = await people_db.ensure(conn, who, self.env.now())
            await residents_db.set_chat_state(
                conn, person_id, ChatState(NAME_STATE, 0), self.env.now()
            )

    async def take_pending_name(self, person_id: int, state: ChatState | None) -> bool:
        """True (and the step ends) when the officer was asked to type a place name: `state`
        is the chat's pending step (surveys.pending)."""
        if state is None or state.state != NAME_STATE:
            return False
        async with self.env.db.transaction() as conn:
            await residents_db.clear_chat_state(conn, person_id)
        return True

    async def target_of(self, grant: Grant) -> Target:
        """The commune or province an officer's grant covers."""
        conn = self.env.db.conn
        if grant.commune_code is not None:
            return Target(commune=await communes_db.get_commune(conn, grant.commune_code))
        if grant.province_code is not None:
            return Target(province=await communes_db.get_province(conn, grant.province_code))
        raise SummaryRefused(SummaryError.NOT_FOUND, query="")

    async def labels(self, communes: list[int]) -> dict[int, RoundLabel]:
        """round id -> "Đợt N năm YYYY" for every round of these communes."""
        return await round_labels(self.env, communes)

    async def commune(self, code: int, round_id: int | None = None) -> CommuneReport:
        try:
            summary = await self.rounds.summary(code, round_id)
        except RoundRefused as exc:
            raise SummaryRefused(SummaryError(exc.error.value), **exc.details) from exc
        survey, round_ = summary.survey, summary.round
        conn = self.env.db.conn
        counts = await scores_db.round_counts(conn, round_.id)
        labels = await self.labels([code])
        if not counts:
            raise SummaryRefused(SummaryError.NO_ANSWERS, round=round_.id, label=labels[round_.id])
        scale = [q for q in survey.questions if question_kinds.of(q.kind).no_opinion]
        judged = sum(figures.tally(q.kind, counts.get(q.id, {}))[1] for q in scale)
        if scale and judged == 0 and figures.dont_know(survey, counts) > 0:
            raise SummaryRefused(
                SummaryError.ALL_DONT_KNOW, round=round_.id, label=labels[round_.id]
            )
        k = self.k
        hidden = summary.score.suppressed
        names = {v.id: v.name for v in await communes_db.list_villages(conn, code)}
        villages = figures.by_village(
            survey,
            await scores_db.village_counts(conn, round_.id),
            names,
            k,
            commune_hidden=hidden,
        )
        texts: list[str] = []
        for q in survey.questions:
            if q.kind is QuestionKind.TEXT:
                texts += await scores_db.comments(conn, round_.id, q.id)
        history = await self._history(round_.id, code, survey, counts, labels)
        trend = history[-1].trend if len(history) > 1 else None
        previous = history[-2] if len(history) > 1 else None
        return CommuneReport(
            summary=summary,
            unit=Unit.HOUSEHOLD if summary.households else Unit.RESIDENT,
            label=labels[round_.id],
            criteria={
                c: figures.by_criterion(survey, counts, c, k, hidden=hidden) for c in CriteriaSet
            },
            villages=villages,
            all_villages_hidden=figures.every_village_hidden(villages),
            comments=figures.comments(texts, summary.score.respondents or 0, k),
            trend=trend,
            previous_round=previous.round_id if previous else None,
            previous_label=previous.label if previous else None,
            history=history,
            channels={} if hidden else await scores_db.channel_counts(conn, round_.id),
        )

    async def _history(
        self,
        round_id: int,
        commune: int,
        survey: Survey,
        counts: scores_db.Counts,
        labels: dict[int, RoundLabel],
    ) -> list[TrendPoint]:
        """The headline of every round of this survey in the commune, up to this round."""
        overall = survey.overall
        if overall is None:
            return []
        rounds = await surveys_db.list_rounds(self.env.db.conn, commune_code=commune)
        points: list[TrendPoint] = []
        for r in rounds:
            if r.survey_id != survey.id or r.id > round_id:
                continue
            c = counts if r.id == round_id else await scores_db.round_counts(self.env.db.conn, r.id)
            share = figures.share_of(*figures.tally(overall.kind, c.get(overall.id, {})), self.k)
            trend = figures.trend(points[-1].headline, share) if points else None
            points.append(TrendPoint(r.id, labels[r.id], share, trend))
        return points

    async def _surveys(self, ids: set[str]) -> dict[str, Survey]:
        out = {}
        for sid in ids:
            survey = await self.rounds.survey(sid)
            if survey is not None:
                out[sid] = survey
        return out

    async def province(self, code: int) -> ProvinceReport:
        """Every commune of the province with a round, ranked by its latest round's headline."""
        conn = self.env.db.conn
        province = await communes_db.get_province(conn, code)
        if province is None:
            raise SummaryRefused(SummaryError.UNKNOWN_PROVINCE, province=code)
        latest = [
            (r.commune_code, r.id, r.survey_id) for r in await self.rounds.current_rounds(code)
        ]
        if not latest:
            raise SummaryRefused(SummaryError.NO_ROUNDS, province=code)
        communes = {c.code: c for c in await communes_db.list_communes(conn, province_code=code)}
        surveys = await self._surveys({sid for _, _, sid in latest})
        registered = await scores_db.registered(conn, [c for c, _, _ in latest])
        values = await scores_db.question_values(
            conn, [r for _, r, _ in latest], question_kinds.STORED_VALUES
        )
        k, t = self.k, await for_province(self.env, code)
        labels = await self.labels([c for c, _, _ in latest])
        scored = {}
        pooled = [0, 0]  # the overall question's satisfied and valid answers, every commune
        for commune_code, round_id, sid in latest:
            tallies = figures.value_tallies(surveys[sid], values.get(round_id, {}))
            decision, n, sat, valid = verdict_from_tallies(
                surveys[sid], tallies, registered=registered.get(commune_code, 0), thresholds=t
            )
            overall = surveys[sid].overall
            raw = tallies.get(overall.id, (0, 0, 0)) if overall else (0, 0, 0)
            pooled = [pooled[0] + raw[0], pooled[1] + raw[1]]
            scored[commune_code] = (round_id, n, decision, sat, valid)
        hidden, total_hidden = disclosure.pooled({c: v[1] for c, v in scored.items()}, k)
        ranked = figures.rank([(cc, communes[cc].name, v[3], v[4]) for cc, v in scored.items()], k)
        rows = [
            ProvinceRow(
                communes[r.code],
                scored[r.code][0],
                labels[scored[r.code][0]],
                None if r.code in hidden else scored[r.code][1],
                scored[r.code][2],
                r,
            )
            for r in ranked
        ]
        n = sum(v[1] for v in scored.values())
        total = figures.HIDDEN if total_hidden else figures.share_of(pooled[0], pooled[1], k)
        return ProvinceReport(
            province,
            rows,
            len(communes) - len(latest),
            k,
            t,
            None if total_hidden else n,
            total,
        )

    async def national(self) -> list[NationalRow]:
        """One row per province: its communes' latest rounds pooled on the overall question."""
        conn = self.env.db.conn
        latest = [(r.commune_code, r.id, r.survey_id) for r in await self.rounds.current_rounds()]
        if not latest:
            raise SummaryRefused(SummaryError.NO_ROUNDS)
        surveys = await self._surveys({sid for _, _, sid in latest})
        pairs = []
        for _, round_id, sid in latest:
            overall = surveys[sid].overall
            if overall is not None:
                pairs.append((round_id, overall.id))
        counts = await scores_db.question_counts(conn, pairs, question_kinds.STORED_VALUES)
        kinds = {sid: s.overall.kind for sid, s in surveys.items() if s.overall}
        by_commune = await scores_db.provinces_of(conn, [c for c, _, _ in latest])
        pooled: dict[int, list[int]] = {}
        sizes: dict[int, dict[int, int]] = {}  # province -> commune -> respondents
        for commune_code, round_id, sid in latest:
            if sid not in kinds:
                continue
            sat, valid = figures.tally(kinds[sid], counts.get(round_id, {}))
            n = sum(counts.get(round_id, {}).values())
            acc = pooled.setdefault(by_commune[commune_code], [0, 0, 0, 0])
            acc[0] += 1
            acc[1] += n
            acc[2] += sat
            acc[3] += valid
            sizes.setdefault(by_commune[commune_code], {})[commune_code] = n
        # The same rule as ProvinceReport.total: a province with one hidden commune is hidden.
        hidden = {p for p, s in sizes.items() if disclosure.pooled(s, self.k)[1]}
        provinces = {p.code: p for p in await communes_db.list_provinces(conn)}
        ranked = figures.rank(
            [(code, provinces[code].name, v[2], v[3]) for code, v in pooled.items()],
            self.k,
            hidden,
        )
        return [
            NationalRow(
                provinces[r.code],
                pooled[r.code][0],
                None if r.code in hidden else pooled[r.code][1],
                r,
            )
            for r in ranked
        ]

    async def export_answers(self, report: CommuneReport) -> list[ExportAnswer]:
        """The row-level sheet: only what the report shows (surveys.export_rows)."""
        return await export_answers(self.env, report)
