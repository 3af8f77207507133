"""Paper sheets: households without a smartphone answer on paper; staff import them.

A sheet is stored as the response of the household's paper stand-in member, so the household
rule applies unchanged: one answer per household counts (the latest complete one), a paper sheet
and a chat answer never count twice, and households with both are listed as conflicts.
Every row is checked before anything is stored: one bad row imports nothing. Staff typing a
sheet in chat (surveys.sheet_entry) build the same row and go through `enter`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage import households as households_db
from storage import responses as responses_db
from storage import surveys as surveys_db
from surveys.access import AccessService, Action, Actor, Scope
from surveys.env import Env
from surveys.flow import comment_ok, parse_button_value
from surveys.model import QuestionKind, Survey
from surveys.rounds import RoundService


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file: 1 is the header, 2 the first data row
    # unknown_round, round_closed, round_not_open, unknown_household, other_commune, missing,
    # bad_value, duplicate (detail: the earlier line), unknown_column, ambiguous (more cells
    # than columns: an unquoted comma or semicolon inside a comment)
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Parsed:
    round_id: int
    household: households_db.Household
    survey: Survey
    values: dict[str, int | str | None]  # None: an optional question left empty


@dataclass(frozen=True)
class ImportResult:
    imported: int
    errors: list[RowError]
    conflicts: dict[int, list[tuple[str, int, int]]]  # round -> households with both


class SheetService:
    def __init__(self, env: Env, access: AccessService) -> None:
        self.env = env
        self.access = access
        self._rounds = RoundService(env)

    async def import_rows(
        self,
        actor: Actor,
        rows: Sequence[Mapping[str, str]],
        *,
        lines: Sequence[int] | None = None,
        columns: Sequence[str] | None = None,
    ) -> ImportResult:
        """Checks every row, then stores all of them or none. `lines` are the rows' line
        numbers in the file (default: one line each after the header); `columns`, the file's
        header, each of which must be a question of the rows' surveys. Raises Forbidden
        (audited) when a row is of a commune outside the actor's, before anything is stored."""
        parsed: list[Parsed] = []
        errors: list[RowError] = []
        first: dict[tuple[int, int], int] = {}  # (round, household) -> line of its first row
        numbers = lines if lines is not None else range(2, len(rows) + 2)
        for number, row in zip(numbers, rows, strict=True):
            result = await self._parse(number, row)
            if isinstance(result, RowError):
                errors.append(result)
                continue
            key = (result.round_id, result.household.id)
            if key in first:
                errors.append(RowError(number, "duplicate", str(first[key])))
                continue
            first[key] = number
            parsed.append(result)
        if columns is not None:
            known = {"round", "household"} | {q.id for p in parsed for q in p.survey.questions}
            if parsed:  # without a readable row there is nothing to say which survey it is
                errors[:0] = [RowError(1, "unknown_column", c) for c in columns if c not in known]
        if errors or not parsed:
            return ImportResult(0, errors, {})
        communes = sorted({p.household.commune_code for p in parsed})
        for commune in communes:
            await self.access.require(actor, Action.ENTER_SHEETS, Scope(commune))
        await self._store(parsed)
        for commune in communes:
            count = sum(p.household.commune_code == commune for p in parsed)
            detail = f"import {count} sheets"
            await self.access.audit(actor, Action.ENTER_SHEETS, Scope(commune), detail=detail)
        rounds = sorted({s.round_id for s in parsed})
        return ImportResult(len(parsed), [], {r: await self.conflicts(r) for r in rounds})

    async def enter(self, row: Mapping[str, str]) -> Parsed | RowError:
        """One sheet typed in chat by staff: the same row format, checks and storage as a CSV
        row (row number 0), so both ways count the same."""
        result = await self._parse(0, row)
        if isinstance(result, Parsed):
            await self._store([result])
        return result

    async def survey(self, survey_id: str) -> Survey | None:
        return await self._rounds.survey(survey_id)

    async def has_sheet(self, round_id: int, household: households_db.Household) -> bool:
        return await households_db.has_paper_sheet(self.env.db.conn, round_id, household.id)

    async def _store(self, parsed: Sequence[Parsed]) -> None:
        now = self.env.now()
        async with self.env.db.transaction() as conn:
            for sheet in parsed:
                member = await households_db.paper_member(conn, sheet.household, now)
                response = await responses_db.get_or_create(
                    conn, sheet.round_id, member, now, channel="paper"
                )
                for question_id, value in sheet.values.items():
                    await responses_db.upsert_answer(
                        conn,
                        response.id,
                        question_id,
                        value_int=value if isinstance(value, int) else None,
                        value_text=value if isinstance(value, str) else None,
                        skipped=value is None,
                        now=now,
                    )
                await responses_db.mark_completed(conn, response.id, now)

    async def conflicts(self, round_id: int) -> list[tuple[str, int, int]]:
        return await households_db.conflicts(self.env.db.conn, round_id)

    async def _parse(self, number: int, row: Mapping[str, str]) -> Parsed | RowError:
        conn = self.env.db.conn
        raw_round = (row.get("round") or "").strip()
        round_ = await surveys_db.get_round(conn, int(raw_round)) if raw_round.isdecimal() else None
        if round_ is None:
            return RowError(number, "unknown_round", raw_round)
        now = self.env.now()
        if round_.closed_at is not None or (round_.closes_at and round_.closes_at <= now):
            return RowError(number, "round_closed", raw_round)
        if now < round_.opens_at:
            return RowError(number, "round_not_open", raw_round)
        code = (row.get("household") or "").strip().upper()
        household = await households_db.by_code(conn, code)
        if household is None:
            return RowError(number, "unknown_household", code)
        if household.commune_code != round_.commune_code:
            return RowError(number, "other_commune", code)
        survey = await self._rounds.survey(round_.survey_id)
        assert survey is not None
        values: dict[str, int | str | None] = {}
        for question in survey.questions:
            cell = (row.get(question.id) or "").strip()
            if not cell:
                if not question.optional:
                    return RowError(number, "missing", question.id)
                values[question.id] = None
            elif question.kind is QuestionKind.TEXT:
                if not comment_ok(cell):
                    return RowError(number, "bad_value", question.id)
                values[question.id] = cell
            else:
                value = parse_button_value(question, cell)
                if value is None:
                    return RowError(number, "bad_value", f"{question.id}={cell[:20]}")
                values[question.id] = value
        return Parsed(round_.id, household, survey, values)
