"""The sandbox's OA connected as `ykien zalo connect` does, for every Zalo test that needs one."""

from __future__ import annotations

from bot.zalo_sandbox import ZaloSandbox
from surveys.env import Env
from surveys.zalo_tokens import ZaloStatus, connect


async def connect_sandbox(env: Env, zalo: ZaloSandbox, commune: int | None = None) -> ZaloStatus:
    """Stores the sandbox OA's credentials and first tokens, tied to ``commune`` if given."""
    access, refresh = zalo.authorise()
    return await connect(
        env, oa_id=zalo.oa_id, app_id=zalo.app_id, app_secret=zalo.app_secret,
        oa_secret=zalo.oa_secret, access_token=access, refresh_token=refresh,
        commune_code=commune,
    )  # fmt: skip
