"""The access rules reach the chat: Telegram wiring of the domain's checks.

The matrix itself (every use case x every kind of person, allowed or Forbidden, and the audit
entry) runs against the services in tests/surveys/test_access_matrix.py. Here a refused command
or button in chat gets the clear Vietnamese refusal, changes nothing and leaves the domain's
audit entry (a resident's: the day's counter), and the command line acts as the operator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database
from surveys.access import Action, Role
from tests.conftest import COMMUNE, snapshot, table_counts, tg_person

NEIGHBOUR, LAI_CHAU = 3394, 12  # another commune of Lai Châu, and Lai Châu
FORBIDDEN_REPLY = (
    "Bạn không có quyền làm việc này ở đây. Lệnh này dành cho cán bộ của đúng xã, phường; nếu "
    "bạn là cán bộ, hãy xin quản trị viên một lời mời. Không có gì bị thay đổi."
)
FORBIDDEN_ALERT = "Bạn không có quyền làm việc này ở xã, phường này. Không có gì bị thay đổi."

# Who is who: (Telegram id, role, grant scope).
PEOPLE = {
    "resident": (21, None, {}),
    "staff": (22, Role.STAFF, {"commune": COMMUNE}),
    "officer": (23, Role.OFFICER, {"province": LAI_CHAU}),
    "listed_officer": (24, Role.OFFICER, {"commune": NEIGHBOUR}),
    "admin": (25, Role.ADMIN, {}),
}

Send = Callable[..., Awaitable[str]]


async def send_text(harness, user, text: str) -> str:
    return "\n".join(await harness.send(user, text))


async def press(harness, user, data: str) -> str:
    await harness.send(user, "/help")  # a message to press on
    return await harness.press_raw(user, data)


@dataclass(frozen=True)
class Command:
    name: str
    action: Action
    issue: Callable[[int], str]  # commune code -> the text sent or the callback data pressed
    send: Send
    refusal: str


COMMANDS: list[Command] = [
    Command("/villages CODE", Action.MANAGE_VILLAGES, "/villages {}".format, send_text,
            FORBIDDEN_REPLY),
    Command("h:add:CODE", Action.MANAGE_VILLAGES, "h:add:{}".format, press, FORBIDDEN_ALERT),
    Command("/conflicts CODE", Action.ENTER_SHEETS, "/conflicts {}".format, send_text,
            FORBIDDEN_REPLY),
]  # fmt: skip


async def grant_everyone(harness) -> None:
    for user_id, role, scope in PEOPLE.values():
        if role is not None:
            await harness.services.access.grant(
                await tg_person(harness.services, user_id), role, **scope
            )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
async def test_refused_in_chat_is_said_changes_nothing_and_is_audited(harness, command) -> None:
    """Staff of one commune acting on its neighbour: the refusal, and the audit row."""
    await grant_everyone(harness)
    user = harness.user(PEOPLE["staff"][0])
    db = harness.services.db
    before, counts = await snapshot(db), await table_counts(db)
    answer = await command.send(harness, user, command.issue(NEIGHBOUR))
    assert command.refusal in answer
    assert await snapshot(db) == before
    assert await table_counts(db) == counts | {"audit_log": counts["audit_log"] + 1}
    entry = (await harness.services.access.audit_log())[-1]
    assert (entry.actor, entry.action, entry.commune_code, entry.outcome) == (
        f"person:{await tg_person(harness.services, PEOPLE['staff'][0])}",
        command.action.value,
        NEIGHBOUR,
        "refused",
    )
    assert command.refusal not in await command.send(harness, user, command.issue(COMMUNE))


async def test_no_role_at_all_is_refused_and_counted_not_logged(harness, clock) -> None:
    """A resident hammering a staff command grows a daily counter, never the audit log."""
    user = harness.user(21)
    access = harness.services.access
    before, log = await snapshot(harness.services.db), await access.audit_log()
    for _ in range(15):  # under the flood limit
        assert await harness.send(user, "/villages") == [FORBIDDEN_REPLY]
    assert await snapshot(harness.services.db) == before
    assert await access.audit_log() == log
    day = clock.now.astimezone(harness.services.settings.timezone).date().isoformat()
    assert await access.resident_actions() == [(day, "villages.manage", "refused", 15)]
    clock.advance(days=1)
    assert await harness.send(user, "/villages") == [FORBIDDEN_REPLY]
    assert [n for *_, n in await access.resident_actions()] == [15, 1]
    assert (await table_counts(harness.services.db))["resident_actions"] == 2


async def test_revoked_between_button_and_name(harness) -> None:
    """The role is checked again at every step: a name typed after revocation is refused."""
    await grant_everyone(harness)
    user = harness.user(22)
    await harness.send(user, "/villages")
    await harness.press(user, "Thêm thôn")
    (grant,) = await harness.services.access.grants(22)
    await harness.services.access.revoke(grant.id)
    before = await harness.services.residents.villages(COMMUNE)
    assert await harness.send(user, "Bản Mới") == [FORBIDDEN_REPLY]
    assert await harness.services.residents.villages(COMMUNE) == before


CLI_COMMANDS = [
    ["village", "add", "--commune", str(COMMUNE), "Bản Lướt"],
    ["village", "list", "--commune", str(COMMUNE)],
    ["round", "list", "--commune", str(COMMUNE)],
    ["invite", "staff", "--commune", str(COMMUNE)],
    ["invite", "list"],
    ["roles", "list"],
    ["audit"],
]


@pytest.mark.parametrize("argv", CLI_COMMANDS, ids=" ".join)
def test_command_line_is_the_operator_and_audited(db_path: Path, argv) -> None:
    import asyncio

    assert main(argv) == 0

    async def last_entry():
        db = await Database.open(db_path)
        try:
            rows = await db.conn.execute_fetchall(
                "SELECT actor, action, outcome FROM audit_log ORDER BY id DESC LIMIT 1"
            )
            return tuple(rows[0])
        finally:
            await db.close()

    name = " ".join(a for a in argv[:2] if not a.startswith("-"))
    assert asyncio.run(last_entry()) == ("cli", f"cli:{name}", "ok")
