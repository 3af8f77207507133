"""Score aggregates: kept by triggers in the answer's transaction, equal to a rebuild, always."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import communes as communes_db
from storage import residents as residents_db
from storage import responses as responses_db
from storage import scores as scores_db
from storage import surveys as surveys_db
from storage.db import Database
from storage.migrate import available

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
COMMUNES = (3598, 3601)
# (question id, kind): a scale, a yes/no overall, a comment; enough to cover every code path.
QUESTIONS = (("q1", "scale"), ("q2", "scale"), ("overall", "yesno"), ("comment", "text"))

answer_op = st.tuples(
    st.just("answer"),
    st.integers(0, 5),  # resident
    st.integers(0, len(QUESTIONS) - 1),
    st.one_of(st.none(), st.integers(0, 5), st.text(min_size=1, max_size=3)),
)
ops = st.lists(
    st.one_of(
        answer_op,
        answer_op,
        answer_op,
        st.tuples(st.just("delete"), st.integers(0, 5)),
        st.tuples(st.just("close"), st.integers(0, 1)),  # commune index
        st.tuples(st.just("village"), st.integers(0, 5), st.integers(0, 2)),
        st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, 1)),
    ),
    max_size=30,
)


async def _setup() -> tuple[Database, dict[int, int], dict[int, list[int]]]:
    db = await Database.open(":memory:")
    async with db.transaction() as conn:
        await communes_db.upsert_provinces(conn, [(12, "Tỉnh Lai Châu", "tinh")])
        await communes_db.upsert_communes(
            conn, [(c, 12, f"Xã {c}", f"xa {c}", "xa") for c in COMMUNES]
        )
        await surveys_db.insert_survey(conn, "s", "S", "{}", "test", NOW)
        rounds = {c: await surveys_db.insert_round(conn, c, "s", NOW, None, NOW) for c in COMMUNES}
        villages: dict[int, list[int]] = {}
        for c in COMMUNES:
            for name in ("Thôn 1", "Thôn 2", "Thôn 3"):
                await communes_db.insert_village(conn, c, name)
            villages[c] = [v.id for v in await communes_db.list_villages(conn, c)]
        for r in range(6):
            await residents_db.upsert_membership(conn, 100 + r, f"R{r}", COMMUNES[r % 2], NOW)
    return db, rounds, villages


async def _apply(db: Database, steps: list[tuple], rounds, villages) -> None:
    for step in steps:
        async with db.transaction() as conn:
            kind = step[0]
            if kind in ("answer", "delete", "village", "move"):
                resident = await residents_db.get_by_telegram_id(conn, 100 + step[1])
                assert resident is not None and resident.commune_code is not None
                round_id = rounds[resident.commune_code]
            if kind == "answer":
                _, _, qi, value = step
                response = await responses_db.get_or_create(conn, round_id, resident.id, NOW)
                await responses_db.upsert_answer(
                    conn,
                    response.id,
                    QUESTIONS[qi][0],
                    value_int=value if isinstance(value, int) else None,
                    value_text=value if isinstance(value, str) else None,
                    skipped=value is None,
                    now=NOW,
                )
            elif kind == "delete":
                await conn.execute(
                    "DELETE FROM responses WHERE round_id = ? AND resident_id = ?",
                    (round_id, resident.id),
                )
            elif kind == "close":
                commune = COMMUNES[step[1]]
                await surveys_db.close_round(conn, rounds[commune], NOW)
                rounds[commune] = await surveys_db.insert_round(conn, commune, "s", NOW, None, NOW)
            elif kind == "village":
                vid = villages[resident.commune_code][step[2]]
                await residents_db.set_village(conn, resident.id, vid)
            else:
                await residents_db.upsert_membership(
                    conn, 100 + step[1], "R", COMMUNES[step[2]], NOW
                )


async def _incremental_equals_rebuilt(steps: list[tuple]) -> None:
    db, rounds, villages = await _setup()
    try:
        await _apply(db, steps, rounds, villages)
        incremental = await scores_db.dump(db.conn)
        async with db.transaction() as conn:
            await scores_db.rebuild(conn)
        assert await scores_db.dump(db.conn) == incremental
    finally:
        await db.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_incremental_scores_equal_rebuilt(steps: list[tuple]) -> None:
    asyncio.run(_incremental_equals_rebuilt(steps))


async def test_counts_follow_answers_and_deletions() -> None:
    """A hand-checked sequence: two answers, a change, a deletion (cascading to answers)."""
    db, rounds, _ = await _setup()
    try:
        steps = [
            ("answer", 0, 0, 4),
            ("answer", 2, 0, 4),
            ("answer", 2, 0, 2),  # changed
            ("answer", 0, 2, 1),
            ("answer", 4, 3, "ghi chú"),  # a comment is not counted
        ]
        await _apply(db, steps, rounds, {})
        assert await scores_db.round_counts(db.conn, rounds[3598]) == {
            "q1": {4: 1, 2: 1},
            "overall": {1: 1},
        }
        await _apply(db, [("delete", 0)], rounds, {})
        assert await scores_db.round_counts(db.conn, rounds[3598]) == {"q1": {2: 1}}
        assert await scores_db.registered(db.conn, COMMUNES) == {3598: 3, 3601: 3}
    finally:
        await db.close()


async def test_migration_backfills_existing_answers() -> None:
    """A database answered before the aggregates existed gets them when it migrates."""
    number = next(m.number for m in available() if m.name == "scores")
    db = await Database.open(":memory:", migrate_now=False)
    try:
        from storage import migrate

        await migrate.apply(db.conn, stop_before=number)
        async with db.transaction() as conn:
            await communes_db.upsert_provinces(conn, [(12, "Tỉnh Lai Châu", "tinh")])
            await communes_db.upsert_communes(conn, [(3598, 12, "Xã", "xa", "xa")])
            await surveys_db.insert_survey(conn, "s", "S", "{}", "test", NOW)
            round_id = await surveys_db.insert_round(conn, 3598, "s", NOW, None, NOW)
            resident = await residents_db.upsert_membership(conn, 1, "R", 3598, NOW)
            response = await responses_db.get_or_create(conn, round_id, resident.id, NOW)
            await responses_db.upsert_answer(
                conn, response.id, "q1", value_int=5, value_text=None, skipped=False, now=NOW
            )
        await migrate.apply(db.conn)
        assert await scores_db.round_counts(db.conn, round_id) == {"q1": {5: 1}}
        assert await scores_db.registered(db.conn, [3598]) == {3598: 1}
    finally:
        await db.close()
