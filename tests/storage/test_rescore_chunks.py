"""`ykien rescore` in short transactions (issue 18): the writer is handed back between
rounds, and answers stored meanwhile are counted exactly as a rebuild in one go counts them."""

from __future__ import annotations

from storage import scores as scores_db
from tests.storage.test_scores import _apply, _setup

STEPS = [
    ("answer", 0, 0, 4),
    ("answer", 1, 0, 2),
    ("answer", 2, 2, 1),
    ("complete", 0),
    ("close", 0),  # a second round in the first commune
    ("answer", 0, 1, 5),
    ("answer", 3, 2, 0),
    ("village", 1, 2),
    ("join", 2, 0),
    ("paper", 1, 1),
    ("close", 1),
    ("answer", 3, 0, 3),
]


async def test_rescore_yields_the_writer_between_rounds_and_counts_answers_stored_meanwhile():
    world = await _setup()
    db = world.db
    try:
        await _apply(world, STEPS)
        rounds = len(await db.conn.execute_fetchall("SELECT id FROM rounds"))
        assert rounds >= 4
        pauses: list[float] = []

        async def pause(seconds: float) -> None:
            """While the rescore has handed the lock back, a resident's answer is written."""
            pauses.append(seconds)
            await _apply(world, [("answer", len(pauses) % 4, len(pauses) % 3, 4)])

        counted = await scores_db.rebuild(db, pause=pause, chunk_seconds=0.0)
        assert len(pauses) == rounds - 1  # one transaction per round
        chunked = await scores_db.dump(db.conn)
        assert counted == sum(row[-1] for row in chunked["score_counts"])
        in_one_go = await scores_db.rebuild(db, chunk_seconds=float("inf"))
        assert in_one_go == counted and await scores_db.dump(db.conn) == chunked
    finally:
        await db.close()
