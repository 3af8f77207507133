"""Score aggregates: kept by triggers in the answer's transaction, equal to a rebuild, always."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import communes as communes_db
from storage import conflicts as conflicts_db
from storage import households as households_db
from storage import migrate
from storage import people as people_db
from storage import privacy as privacy_db
from storage import residents as residents_db
from storage import responses as responses_db
from storage import scores as scores_db
from storage import surveys as surveys_db
from storage import web as web_db
from storage.db import Database
from storage.migrate import available
from storage.people import Channel
from storage.records import ts

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
COMMUNES = (3598, 3601)
# (question id, kind): a scale, a yes/no overall, a comment; enough to cover every code path.
QUESTIONS = (("q1", "scale"), ("q2", "scale"), ("overall", "yesno"), ("comment", "text"))

answer_op = st.tuples(
    st.just("answer"),
    st.integers(0, 3),  # resident
    st.integers(0, len(QUESTIONS) - 1),
    st.one_of(st.none(), st.integers(0, 5), st.text(min_size=1, max_size=3)),
)
ops = st.lists(
    st.one_of(
        answer_op,
        answer_op,
        answer_op,
        st.tuples(st.just("complete"), st.integers(0, 3)),
        st.tuples(st.just("delete"), st.integers(0, 3)),
        st.tuples(st.just("close"), st.integers(0, 1)),  # commune index
        st.tuples(st.just("village"), st.integers(0, 3), st.integers(0, 2)),
        st.tuples(st.just("move"), st.integers(0, 3), st.integers(0, 1)),
        # households: a member joins (household index in its commune) or leaves, a paper sheet
        # (household index over both communes, the overall answer), /deletedata
        st.tuples(st.just("join"), st.integers(0, 3), st.integers(0, 1)),
        st.tuples(st.just("leave"), st.integers(0, 3)),
        st.tuples(st.just("paper"), st.integers(0, 3), st.integers(0, 1)),
        st.tuples(st.just("erase"), st.integers(0, 3)),
        # the household's web sheet (household index, the overall answer), and staff keeping
        # one channel of a household answered twice (storage.conflicts)
        st.tuples(st.just("web"), st.integers(0, 3), st.integers(0, 1)),
        st.tuples(st.just("keep"), st.integers(0, 3), st.sampled_from(("paper", "chat", "web"))),
    ),
    max_size=30,
)


@dataclass
class World:
    db: Database
    rounds: dict[int, int]  # commune -> its open round
    villages: dict[int, list[int]]
    residents: list[int]  # resident ids of the six people
    households: list[households_db.Household]  # two per commune
    erased: set[int] = field(default_factory=set)
    steps: int = 0  # every step is a second later, so "latest" means something
    all_rounds: list[int] = field(default_factory=list)


async def _setup(stop_before: int | None = None) -> World:
    """Two communes with a round, villages and households each, and six people; the schema as
    of migration `stop_before` (default: the latest)."""
    db = await Database.open(":memory:", migrate_now=stop_before is None)
    if stop_before is not None:
        await migrate.apply(db.conn, stop_before=stop_before)
    async with db.transaction() as conn:
        await communes_db.upsert_provinces(conn, [(12, "Tỉnh Lai Châu", "tinh")])
        await communes_db.upsert_communes(
            conn, [(c, 12, f"Xã {c}", f"xa {c}", "xa") for c in COMMUNES]
        )
        await surveys_db.insert_survey(conn, "s", "S", "{}", "test", NOW)
        rounds = {c: await surveys_db.insert_round(conn, c, "s", NOW, None, NOW) for c in COMMUNES}
        villages: dict[int, list[int]] = {}
        households = []
        for c in COMMUNES:
            for name in ("Thôn 1", "Thôn 2", "Thôn 3"):
                await communes_db.insert_village(conn, c, name)
            villages[c] = [v.id for v in await communes_db.list_villages(conn, c)]
            households += await households_db.insert_many(
                conn, c, villages[c][0], [f"H{c}A", f"H{c}B"], NOW
            )
        residents = []
        for r in range(6):
            person = await people_db.person_for(
                conn, Channel.TELEGRAM, str(100 + r), create=True, now=NOW
            )
            assert person is not None
            resident = await residents_db.upsert_membership(
                conn, person, f"R{r}", COMMUNES[r % 2], NOW
            )
            residents.append(resident.id)
    return World(db, rounds, villages, residents, households, all_rounds=list(rounds.values()))


async def _apply(world: World, steps: list[tuple]) -> None:
    for step in steps:
        world.steps += 1
        now = NOW + timedelta(seconds=world.steps)
        async with world.db.transaction() as conn:
            kind = step[0]
            resident = None
            if kind in ("answer", "complete", "delete", "village", "move", "join", "leave"):
                if world.residents[step[1]] in world.erased:
                    continue  # an erased person has no account left to act with
                resident = await residents_db.get(conn, world.residents[step[1]])
                assert resident is not None and resident.commune_code is not None
                round_id = world.rounds[resident.commune_code]
            if kind == "answer":
                assert resident is not None
                _, _, qi, value = step
                response = await responses_db.get_or_create(conn, round_id, resident.id, now)
                await responses_db.upsert_answer(
                    conn,
                    response.id,
                    QUESTIONS[qi][0],
                    value_int=value if isinstance(value, int) else None,
                    value_text=value if isinstance(value, str) else None,
                    skipped=value is None,
                    now=now,
                )
            elif kind == "complete":
                assert resident is not None
                found = await responses_db.find(conn, round_id, resident.id)
                if found is not None:
                    await responses_db.mark_completed(conn, found.id, now)
            elif kind == "delete":
                assert resident is not None
                await conn.execute(
                    "DELETE FROM responses WHERE round_id = ? AND resident_id = ?",
                    (round_id, resident.id),
                )
            elif kind == "close":
                commune = COMMUNES[step[1]]
                await surveys_db.close_round(conn, world.rounds[commune], now)
                world.rounds[commune] = await surveys_db.insert_round(
                    conn, commune, "s", now, None, now
                )
                world.all_rounds.append(world.rounds[commune])
            elif kind == "village":
                assert resident is not None
                vid = world.villages[resident.commune_code][step[2]]
                await residents_db.set_village(conn, resident.id, vid)
            elif kind == "move":
                await residents_db.upsert_membership(
                    conn, world.residents[step[1]], "R", COMMUNES[step[2]], now
                )
            elif kind == "join":
                assert resident is not None
                mine = [h for h in world.households if h.commune_code == resident.commune_code]
                await households_db.bind(conn, resident.id, mine[step[2]])
            elif kind == "leave":
                await conn.execute(
                    "UPDATE residents SET household_id = NULL WHERE id = ?",
                    (world.residents[step[1]],),
                )
            elif kind in ("paper", "web"):
                household = world.households[step[1]]
                member = await (
                    households_db.paper_member(conn, household, now)
                    if kind == "paper"
                    else web_db.web_member(conn, household, now)
                )
                response = await responses_db.get_or_create(
                    conn, world.rounds[household.commune_code], member, now, channel=kind
                )
                await responses_db.upsert_answer(
                    conn,
                    response.id,
                    "overall",
                    value_int=step[2],
                    value_text=None,
                    skipped=False,
                    now=now,
                )
                await responses_db.mark_completed(conn, response.id, now)
            elif kind == "keep":
                household = world.households[step[1]]
                await conflicts_db.keep_channel(
                    conn, world.rounds[household.commune_code], household.id, step[2]
                )
            elif kind == "erase":
                rid = world.residents[step[1]]
                if rid not in world.erased:
                    await privacy_db.erase_identity(conn, rid, [], now)
                    world.erased.add(rid)


async def _incremental_equals_rebuilt(steps: list[tuple]) -> None:
    world = await _setup()
    db = world.db
    try:
        await _apply(world, steps)
        incremental = await scores_db.dump(db.conn)
        for round_id in world.all_rounds:  # the household rule read from the answers themselves
            assert await scores_db.round_counts(db.conn, round_id) == (
                await responses_db.value_counts(db.conn, round_id)
            )
        await scores_db.rebuild(db)
        assert await scores_db.dump(db.conn) == incremental
    finally:
        await db.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_incremental_scores_equal_rebuilt(steps: list[tuple]) -> None:
    asyncio.run(_incremental_equals_rebuilt(steps))


async def test_counts_follow_answers_and_deletions() -> None:
    """A hand-checked sequence: two answers, a change, a deletion (cascading to answers)."""
    world = await _setup()
    rounds, db = world.rounds, world.db
    try:
        steps = [
            ("answer", 0, 0, 4),
            ("answer", 2, 0, 4),
            ("answer", 2, 0, 2),  # changed
            ("answer", 0, 2, 1),
            ("answer", 4, 3, "ghi chú"),  # a comment is not counted
        ]
        await _apply(world, steps)
        # only complete responses count (migration *_complete_responses.sql)
        assert await scores_db.round_counts(db.conn, rounds[3598]) == {}
        await _apply(world, [("complete", 0), ("complete", 2)])
        assert await scores_db.round_counts(db.conn, rounds[3598]) == {
            "q1": {4: 1, 2: 1},
            "overall": {1: 1},
        }
        await _apply(world, [("delete", 0)])
        assert await scores_db.round_counts(db.conn, rounds[3598]) == {"q1": {2: 1}}
        # three residents outside households plus two issued households in each commune
        assert await scores_db.registered(db.conn, COMMUNES) == {3598: 5, 3601: 5}
    finally:
        await db.close()


async def test_one_answer_per_household() -> None:
    """Hand-checked: members of one household and its paper sheet count once, the latest
    complete answer wins, and leaving the household makes a member count on their own."""
    world = await _setup()
    db, round_id = world.db, world.rounds[3598]
    try:
        await _apply(world, [("join", 0, 0), ("join", 2, 0), ("answer", 0, 2, 1)])
        # nothing counts until a member has finished
        assert await scores_db.round_counts(db.conn, round_id) == {}
        await _apply(world, [("answer", 2, 2, 0)])
        assert await scores_db.round_counts(db.conn, round_id) == {}
        # the first member completes: a complete answer beats a later incomplete one
        await _apply(world, [("complete", 0)])
        assert await scores_db.round_counts(db.conn, round_id) == {"overall": {1: 1}}
        # a paper sheet for the same household, completed later: it alone counts
        await _apply(world, [("paper", 0, 0)])
        assert await scores_db.round_counts(db.conn, round_id) == {"overall": {0: 1}}
        # the second member leaves: their own answer counts beside the household's once complete
        await _apply(world, [("leave", 2)])
        assert await scores_db.round_counts(db.conn, round_id) == {"overall": {0: 1}}
        await _apply(world, [("complete", 2)])
        assert await scores_db.round_counts(db.conn, round_id) == {"overall": {0: 2}}
        # units: 2 households + residents 2 and 4 outside any household
        assert await scores_db.units(db.conn, [3598]) == {3598: (2, 2)}
        # the paper sheet deleted: the household falls back to its complete chat answer
        await db.conn.execute("DELETE FROM responses WHERE channel = 'paper'")
        await db.conn.commit()
        assert await scores_db.round_counts(db.conn, round_id) == {"overall": {0: 1, 1: 1}}
    finally:
        await db.close()


async def test_migration_backfills_existing_answers() -> None:
    """A database answered before the aggregates existed gets them when it migrates."""
    number = next(m.number for m in available() if m.name == "scores")
    db = await Database.open(":memory:", migrate_now=False)
    try:
        await migrate.apply(db.conn, stop_before=number)
        async with db.transaction() as conn:
            await communes_db.upsert_provinces(conn, [(12, "Tỉnh Lai Châu", "tinh")])
            await communes_db.upsert_communes(conn, [(3598, 12, "Xã", "xa", "xa")])
            await surveys_db.insert_survey(conn, "s", "S", "{}", "test", NOW)
            round_id = await _round_as_then(conn)
            resident_id = await _resident_as_then(conn, 1)
            response = await _response_as_then(conn, round_id, resident_id)
            await responses_db.upsert_answer(
                conn, response.id, "q1", value_int=5, value_text=None, skipped=False, now=NOW
            )
            await responses_db.mark_completed(conn, response.id, NOW)
        await migrate.apply(db.conn)
        assert await scores_db.round_counts(db.conn, round_id) == {"q1": {5: 1}}
        assert await scores_db.registered(db.conn, [3598]) == {3598: 1}
    finally:
        await db.close()


async def test_migration_stops_counting_abandoned_responses() -> None:
    """Before *_complete_responses.sql a half-answered response counted; after it, only complete
    ones do, the kept counts equal a rebuild, and preset "95" provinces get its 85 % coverage."""
    number = next(m.number for m in available() if m.name == "complete_responses")
    db = await Database.open(":memory:", migrate_now=False)
    try:
        await migrate.apply(db.conn, stop_before=number)
        async with db.transaction() as conn:
            await communes_db.upsert_provinces(conn, [(12, "Tỉnh Lai Châu", "tinh")])
            await communes_db.upsert_communes(conn, [(3598, 12, "Xã", "xa", "xa")])
            await surveys_db.insert_survey(conn, "s", "S", "{}", "test", NOW)
            round_id = await _round_as_then(conn)
            for uid, value, done in ((1, 5, True), (2, 1, False)):
                resident_id = await _resident_as_then(conn, uid)
                response = await _response_as_then(conn, round_id, resident_id)
                await responses_db.upsert_answer(
                    conn,
                    response.id,
                    "q1",
                    value_int=value,
                    value_text=None,
                    skipped=False,
                    now=NOW,
                )
                if done:
                    await responses_db.mark_completed(conn, response.id, NOW)
            await conn.execute(
                "INSERT INTO province_thresholds(province_code, preset, overall, question_floor, "
                "fail_below, margin, set_at) VALUES (12, '95', 0.95, 0.85, 0.9, 0.05, 'x')"
            )
        assert await scores_db.round_counts(db.conn, round_id) == {"q1": {5: 1, 1: 1}}
        await migrate.apply(db.conn)
        assert await scores_db.round_counts(db.conn, round_id) == {"q1": {5: 1}}
        kept = await scores_db.dump(db.conn)
        await scores_db.rebuild(db)
        assert await scores_db.dump(db.conn) == kept
        row = await (
            await db.conn.execute("SELECT coverage, floor_fails FROM province_thresholds")
        ).fetchone()
        assert tuple(row) == (0.85, 0)
    finally:
        await db.close()


async def _response_as_then(conn, round_id: int, resident_id: int) -> responses_db.Response:
    """A response as the table was before *_people.sql (no channel, no survey version)."""
    await conn.execute(
        "INSERT INTO responses(round_id, resident_id, started_at, updated_at) VALUES (?, ?, ?, ?)",
        (round_id, resident_id, ts(NOW), ts(NOW)),
    )
    response = await responses_db.find(conn, round_id, resident_id)
    assert response is not None
    return response


async def _resident_as_then(conn, telegram_id: int) -> int:
    """A resident as the table was before *_people.sql (keyed by Telegram id)."""
    cur = await conn.execute(
        "INSERT INTO residents(telegram_user_id, display_name, commune_code, joined_at) "
        "VALUES (?, 'R', 3598, ?)",
        (telegram_id, ts(NOW)),
    )
    return cur.lastrowid


async def _round_as_then(conn) -> int:
    """A round with the columns rounds had before the later migrations added more."""
    cur = await conn.execute(
        "INSERT INTO rounds(commune_code, survey_id, opens_at, created_at) "
        "VALUES (3598, 's', ?, ?)",
        (ts(NOW), ts(NOW)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def test_staff_keep_one_channel_of_a_household() -> None:
    """Hand-checked: a member's chat answer, then the household's web sheet (the latest
    complete one counts), then staff keep the chat; the kept counts follow, and rebuild agrees."""
    world = await _setup()
    db, round_id = world.db, world.rounds[3598]
    try:
        await _apply(world, [("join", 0, 0), ("answer", 0, 2, 1), ("complete", 0)])
        assert await scores_db.round_counts(db.conn, round_id) == {"overall": {1: 1}}
        await _apply(world, [("web", 0, 0)])
        assert await scores_db.round_counts(db.conn, round_id) == {"overall": {0: 1}}
        await _apply(world, [("keep", 0, "chat")])
        assert await scores_db.round_counts(db.conn, round_id) == {"overall": {1: 1}}
        holds = await db.conn.execute_fetchall(
            "SELECT channel, hold, counted FROM responses WHERE round_id = ? ORDER BY id",
            (round_id,),
        )
        assert [tuple(r) for r in holds] == [("chat", None, 1), ("web", "set_aside", 0)]
        kept = await scores_db.dump(db.conn)
        await scores_db.rebuild(db)
        assert await scores_db.dump(db.conn) == kept
    finally:
        await db.close()
