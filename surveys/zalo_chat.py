"""What a Zalo conversation needs beyond the Telegram one: the question being changed.

A Zalo message carries at most five buttons, so a 1-5 scale with "không biết" is answered by
typing a digit. A typed digit answers the question the resident's survey stopped at; after
"sửa 3" the survey has stopped nowhere (every question is answered), so the question being
changed is kept as the person's pending step (their chat_states row), as a comment being
rewritten is (surveys.answering.EDIT_COMMENT). The answer itself goes through
AnsweringService.answer, which checks it against the response and round again.
"""

from __future__ import annotations

import json

from storage import residents as residents_db
from storage.records import ChatState
from surveys.env import Env

# ref: the response id; question_id: the question changed; data: {"index": its index}
EDIT_ANSWER = "zalo_edit_answer"


async def begin_edit(
    env: Env, person_id: int, response_id: int, question_id: str, index: int
) -> None:
    """Typed digits now answer this question of this response (until answered or replaced)."""
    async with env.db.transaction() as conn:
        state = ChatState(EDIT_ANSWER, response_id, question_id, json.dumps({"index": index}))
        await residents_db.set_chat_state(conn, person_id, state, env.now())


async def end_edit(env: Env, person_id: int) -> bool:
    """Drops the pending change of an answer; False when none was pending (read first: every
    answer asks, and most have nothing to drop)."""
    state = await residents_db.get_chat_state(env.db.conn, person_id)
    if state is None or state.state != EDIT_ANSWER:
        return False
    async with env.db.transaction() as conn:
        return await residents_db.clear_chat_state(conn, person_id)
