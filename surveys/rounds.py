"""Surveys in the catalog, rounds that put one to a commune, and a round's scores."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from storage import communes as communes_db
from storage import responses as responses_db
from storage import scores as scores_db
from storage import surveys as surveys_db
from storage.records import Commune, Round
from surveys.definitions import catalog, load_survey, survey_from_dict, survey_to_dict
from surveys.env import Env
from surveys.model import Survey
from surveys.round_labels import RoundLabel, from_stored
from surveys.scoring import RoundScore, Thresholds, score_round
from surveys.thresholds import for_province


class RoundError(StrEnum):
    UNKNOWN_COMMUNE = "unknown_commune"
    UNKNOWN_SURVEY = "unknown_survey"
    UNKNOWN_ROUND = "unknown_round"
    ALREADY_OPEN = "already_open"  # the commune has an open round of this survey
    ALREADY_CLOSED = "already_closed"
    CLOSES_BEFORE_OPENS = "closes_before_opens"
    CLOSES_IN_PAST = "closes_in_past"
    DUPLICATE_SURVEY = "duplicate_survey"
    NO_ROUNDS = "no_rounds"


class RoundRefused(Exception):
    def __init__(self, error: RoundError, **details: object) -> None:
        super().__init__(error.value)
        self.error = error
        self.details = details


@dataclass(frozen=True)
class RoundInfo:
    round: Round
    commune: Commune
    survey_title: str
    started: int
    completed: int
    label: RoundLabel  # "Đợt 2 năm 2026": how staff and the operator name the round

    def status(self, now: datetime) -> str:
        if self.round.is_open(now):
            return "open"
        if self.round.closed_at is None and now < self.round.opens_at:
            return "scheduled"
        return "closed"


@dataclass(frozen=True)
class Summary:
    commune: Commune
    round: Round
    survey: Survey
    score: RoundScore
    started: int
    completed: int
    thresholds: Thresholds
    households: int = 0  # issued household codes: one answer per household counts; 0: residents


async def current_rounds(
    env: Env, *, commune: int | None = None, province: int | None = None
) -> list[Round]:
    """The current round of each commune (of one commune, a province, or everywhere): the
    round people mean by "the round" in summaries, the province table, /progress, /remind and
    the resident's /survey.

    An open round comes first (the newest opening, when several surveys run at once); with none
    open, the round that ended last. A round scheduled for later is not current until it opens,
    so it never hides the live one; a launch cancelled before it opened never becomes current.
    """
    return await surveys_db.current_rounds(
        env.db.conn, env.now(), commune_code=commune, province_code=province
    )


async def round_labels(env: Env, communes: Iterable[int]) -> dict[int, RoundLabel]:
    """round id -> the commune's own number for it, for every round of these communes, read in
    one query however many rounds are named (surveys.round_labels says how they are counted)."""
    rows = await scores_db.round_starts(env.db.conn, sorted(set(communes)))
    return from_stored(rows, env.settings.timezone)


async def current_round(env: Env, commune: int) -> Round | None:
    found = await current_rounds(env, commune=commune)
    return found[0] if found else None


class RoundService:
    def __init__(self, env: Env) -> None:
        self.env = env

    async def sync_catalog(self) -> None:
        """Stores shipped surveys not yet in the database; stored ones are never rewritten."""
        async with self.env.db.transaction() as conn:
            for survey in catalog():
                await surveys_db.insert_survey(
                    conn,
                    survey.id,
                    survey.title,
                    json.dumps(survey_to_dict(survey)),
                    "catalog",
                    self.env.now(),
                )

    async def surveys(self) -> list[Survey]:
        rows = await surveys_db.list_surveys(self.env.db.conn)
        return [survey_from_dict(json.loads(r.definition)) for r in rows]

    async def survey(self, survey_id: str) -> Survey | None:
        row = await surveys_db.get_survey(self.env.db.conn, survey_id)
        return survey_from_dict(json.loads(row.definition)) if row else None

    async def add_survey(self, path: Path) -> Survey:
        """Validates a survey file (raising SurveyFileError) and stores it under a new id."""
        survey = load_survey(path)
        async with self.env.db.transaction() as conn:
            added = await surveys_db.insert_survey(
                conn,
                survey.id,
                survey.title,
                json.dumps(survey_to_dict(survey)),
                str(path),
                self.env.now(),
            )
        if not added:
            raise RoundRefused(RoundError.DUPLICATE_SURVEY, survey=survey.id)
        return survey

    async def open(
        self,
        commune_code: int,
        survey_id: str,
        *,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
    ) -> Round:
        now = self.env.now()
        opens = opens_at or now
        conn = self.env.db.conn
        if await communes_db.get_commune(conn, commune_code) is None:
            raise RoundRefused(RoundError.UNKNOWN_COMMUNE, commune=commune_code)
        if await surveys_db.get_survey(conn, survey_id) is None:
            raise RoundRefused(RoundError.UNKNOWN_SURVEY, survey=survey_id)
        if closes_at is not None and closes_at <= now:
            raise RoundRefused(RoundError.CLOSES_IN_PAST)
        if closes_at is not None and closes_at <= opens:
            raise RoundRefused(RoundError.CLOSES_BEFORE_OPENS)
        async with self.env.db.transaction() as tx:
            for existing in await surveys_db.open_rounds(tx, commune_code, now):
                if existing.survey_id == survey_id:
                    raise RoundRefused(RoundError.ALREADY_OPEN, round=existing.id)
            round_id = await surveys_db.insert_round(
                tx, commune_code, survey_id, opens, closes_at, now
            )
        round_ = await surveys_db.get_round(conn, round_id)
        assert round_ is not None
        return round_

    async def close(self, round_id: int) -> Round:
        conn = self.env.db.conn
        round_ = await surveys_db.get_round(conn, round_id)
        if round_ is None:
            raise RoundRefused(RoundError.UNKNOWN_ROUND, round=round_id)
        if not round_.is_open(self.env.now()) and round_.closed_at is not None:
            raise RoundRefused(RoundError.ALREADY_CLOSED, round=round_id)
        async with self.env.db.transaction() as tx:
            await surveys_db.close_round(tx, round_id, self.env.now())
        closed = await surveys_db.get_round(conn, round_id)
        assert closed is not None
        return closed

    async def current(self, commune_code: int) -> Round | None:
        """The commune's current round (see current_rounds)."""
        return await current_round(self.env, commune_code)

    async def current_rounds(self, province_code: int | None = None) -> list[Round]:
        """Each commune's current round in a province (or everywhere)."""
        return await current_rounds(self.env, province=province_code)

    async def get(self, round_id: int) -> Round | None:
        return await surveys_db.get_round(self.env.db.conn, round_id)

    async def labels(self, communes: Iterable[int]) -> dict[int, RoundLabel]:
        return await round_labels(self.env, communes)

    async def labels_of(self, round_ids: Iterable[int]) -> dict[int, RoundLabel]:
        """Labels of the rounds named by id, wherever they are (a resident's, across moves)."""
        ids = sorted(set(round_ids))
        return await self.labels(await surveys_db.communes_of_rounds(self.env.db.conn, ids))

    async def label(self, round_: Round) -> RoundLabel:
        """One round's "Đợt N năm YYYY" (its commune's rounds are read to number it)."""
        return (await self.labels([round_.commune_code]))[round_.id]

    async def list_for_commune(self, commune_code: int | None = None) -> list[RoundInfo]:
        conn = self.env.db.conn
        infos = []
        titles = {s.id: s.title for s in await surveys_db.list_surveys(conn)}
        rounds = await surveys_db.list_rounds(conn, commune_code=commune_code)
        labels = await self.labels(r.commune_code for r in rounds)
        for round_ in rounds:
            commune = await communes_db.get_commune(conn, round_.commune_code)
            assert commune is not None
            started, completed = await responses_db.count_responses(conn, round_.id)
            infos.append(
                RoundInfo(
                    round_,
                    commune,
                    titles.get(round_.survey_id, ""),
                    started,
                    completed,
                    labels[round_.id],
                )
            )
        return infos

    async def summary(self, commune_code: int, round_id: int | None = None) -> Summary:
        """Scores a commune's round (its current round when none is named) from the aggregates."""
        conn = self.env.db.conn
        commune = await communes_db.get_commune(conn, commune_code)
        if commune is None:
            raise RoundRefused(RoundError.UNKNOWN_COMMUNE, commune=commune_code)
        if round_id is None:
            current = await current_round(self.env, commune_code)
            if current is None:
                raise RoundRefused(RoundError.NO_ROUNDS, commune=commune_code)
            round_ = current
        else:
            found = await surveys_db.get_round(conn, round_id)
            if found is None or found.commune_code != commune_code:
                raise RoundRefused(RoundError.UNKNOWN_ROUND, round=round_id)
            round_ = found
        survey = await self.survey(round_.survey_id)
        assert survey is not None
        # The kept counts already hold one answer per household where codes are used.
        counts = await scores_db.round_counts(conn, round_.id)
        overall = survey.overall
        households, others = (await scores_db.units(conn, [commune_code])).get(commune_code, (0, 0))
        respondents = sum(counts.get(overall.id, {}).values()) if overall else 0
        thresholds = await for_province(self.env, commune.province_code)
        score = score_round(
            survey,
            counts,
            respondents=respondents,
            registered=households + others,
            thresholds=thresholds,
        )
        started, completed = await responses_db.count_responses(conn, round_.id)
        return Summary(
            commune, round_, survey, score, started, completed, thresholds, households=households
        )
