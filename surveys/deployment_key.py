"""The deployment's pseudonym key. Voter keys (one voice per round across erasure) and the
pseudonyms in logs and exports are HMACs under it, so it must be the same in every process on a
database and after every restart: a configured YKIEN_PSEUDONYM_KEY is used as is; without one,
the first process to open the database generates a key and keeps it there
(deployment_secrets), and the bot, the command line and the demo all read that one."""

from __future__ import annotations

import secrets

from storage import deployment_secrets as secrets_db
from surveys.env import Env

KEY = "pseudonym_key"


async def load(env: Env) -> None:
    """Sets env.pseudonym_key: the configured key, else the stored one (made if missing).

    A configured key leaves a stored one untouched (unsetting the variable brings it back)."""
    if env.settings.pseudonym_key:
        env.pseudonym_key = env.settings.pseudonym_key
        return
    stored = await secrets_db.get_secret(env.db.conn, KEY)
    if stored is None:
        async with env.db.transaction() as conn:
            stored = await secrets_db.keep_secret(conn, KEY, secrets.token_hex(32), env.now())
    env.pseudonym_key = stored
