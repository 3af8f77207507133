"""A person's pending chat step (their chat_states row), read once per typed message.

An adapter's router reads it at the start of the message and hands it to the feature that owns
its state, so no feature reads it again; each feature names its states (see its module).
"""

from __future__ import annotations

from storage import residents as residents_db
from storage.records import ChatState
from surveys.env import Env

Pending = ChatState  # what adapters name it: they never import storage


class PendingSteps:
    def __init__(self, env: Env) -> None:
        self.env = env

    async def of(self, person_id: int) -> Pending | None:
        """The person's pending step (whatever channel they type on), or None when nothing is
        awaited."""
        return await residents_db.get_chat_state(self.env.db.conn, person_id)
