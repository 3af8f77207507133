"""Invitation links through the real Application: granted once, with a menu; every other state
gets a clear message and changes nothing."""

from __future__ import annotations

import pytest

from bot.resilient import REPLY_BUDGET
from handlers.telegram import menus
from handlers.views import labels
from storage import access as access_db
from surveys.access import Action, Actor, Role, Scope
from surveys.invitations import invite_payload
from tests.conftest import COMMUNE, OTHER_COMMUNE, table_counts, tg_person

NEIGHBOUR, LAI_CHAU = 3394, 12
STAFF_ITEM = ("rounds", "Đợt lấy ý kiến của xã")
OFFICER_ITEM = ("summary", "Kết quả các xã")


@pytest.fixture(autouse=True)
def role_menus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other features fill these menus; a sample item shows each one arrives."""
    monkeypatch.setattr(labels, "STAFF_MENU", (STAFF_ITEM,))
    monkeypatch.setattr(labels, "OFFICER_MENU", (OFFICER_ITEM,))


def payload_of(link: str) -> str:
    return link.split("?start=", 1)[1]


def chat_menu(harness, user_id: int) -> list[tuple[str, str]]:
    found = harness.sandbox.commands_for({"type": "chat", "chat_id": user_id})
    return [(c["command"], c["description"]) for c in found]


async def everything(harness) -> tuple[dict, list, list]:
    conn = harness.services.db.conn
    grants = await access_db.all_grants(conn, include_revoked=True)
    invitations = await harness.services.invitations.list_all()
    return await table_counts(harness.services.db), grants, invitations


async def test_staff_invitation_grants_role_and_menu(harness) -> None:
    issued = await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    assert issued.link.startswith("https://t.me/ykien_test_bot?start=i")
    hoa = harness.user(7, "Hoa")
    replies = await harness.send(hoa, f"/start {payload_of(issued.link)}")
    assert replies == [
        "Bạn đã được cấp quyền cán bộ xã cho: Xã Tân Uyên, Lai Châu.\n\n"
        "Các lệnh mới đã có trong menu (bấm nút / hoặc ☰ cạnh ô nhập tin)."
    ]
    access = harness.services.access
    assert await access.allowed(
        Actor(await tg_person(harness.services, 7)), Action.MANAGE_ROUNDS, Scope(commune=COMMUNE)
    )
    assert not await access.allowed(
        Actor(await tg_person(harness.services, 7)), Action.MANAGE_ROUNDS, Scope(commune=NEIGHBOUR)
    )
    assert chat_menu(harness, 7) == [*labels.COMMAND_MENU, STAFF_ITEM]
    (used,) = await harness.services.invitations.list_all()
    assert used.used_by == await tg_person(harness.services, 7) and used.used_at is not None
    assert await harness.services.invitations.menus_to_redo() == []
    entries = await access.audit_log()
    hoa = await tg_person(harness.services, 7)
    assert entries[-1].actor == f"person:{hoa}" and entries[-1].detail.startswith(
        "accept invitation"
    )


async def test_officer_of_listed_communes(harness) -> None:
    issued = await harness.services.invitations.issue(
        Role.OFFICER, communes=[COMMUNE, OTHER_COMMUNE]
    )
    minh = harness.user(8, "Minh")
    (reply,) = await harness.send(minh, f"/start {payload_of(issued.link)}")
    assert "cán bộ theo dõi kết quả" in reply and "Phường Thủ Dầu Một" in reply
    access = harness.services.access
    for commune, expected in ((COMMUNE, True), (OTHER_COMMUNE, True), (NEIGHBOUR, False)):
        scope = Scope(commune=commune)
        assert (
            await access.allowed(
                Actor(await tg_person(harness.services, 8)), Action.VIEW_SUMMARY, scope
            )
            is expected
        )
    assert chat_menu(harness, 8) == [*labels.COMMAND_MENU, OFFICER_ITEM]


async def test_province_officer(harness) -> None:
    issued = await harness.services.invitations.issue(Role.OFFICER, province=LAI_CHAU, days=1)
    (reply,) = await harness.send(harness.user(9), f"/start {payload_of(issued.link)}")
    assert "cho: Lai Châu." in reply
    assert await harness.services.access.communes(
        await tg_person(harness.services, 9), Action.VIEW_SUMMARY
    ) == sorted(c.code for c in await harness.services.residents.communes(LAI_CHAU))


async def refused(harness, user_id: int, payload: str) -> str:
    before = await everything(harness)
    replies = await harness.send(harness.user(user_id), f"/start {payload}")
    assert await everything(harness) == before
    assert await harness.services.access.roles(user_id) == set()
    assert chat_menu(harness, user_id) == []
    (reply,) = replies
    assert "Quyền của bạn không thay đổi." in reply
    return reply


async def test_used_invitation_changes_nothing(harness) -> None:
    issued = await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    await harness.send(harness.user(7), f"/start {payload_of(issued.link)}")
    reply = await refused(harness, 10, payload_of(issued.link))
    assert reply.startswith("Lời mời này đã được dùng rồi")


async def test_same_person_twice_changes_nothing(harness) -> None:
    issued = await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    hoa = harness.user(7)
    await harness.send(hoa, f"/start {payload_of(issued.link)}")
    before = await everything(harness)
    (reply,) = await harness.send(hoa, f"/start {payload_of(issued.link)}")
    assert reply.startswith("Lời mời này đã được dùng rồi")
    assert await everything(harness) == before


async def test_expired_invitation_changes_nothing(harness, clock) -> None:
    issued = await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE], days=7)
    clock.advance(days=7)
    reply = await refused(harness, 11, payload_of(issued.link))
    assert reply.startswith("Lời mời này đã hết hạn lúc 10:00 30/11/2026.")


async def test_revoked_invitation_changes_nothing(harness) -> None:
    issued = await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    assert await harness.services.invitations.revoke(issued.invitation.id) is not None
    assert await harness.services.invitations.revoke(issued.invitation.id) is None
    reply = await refused(harness, 12, payload_of(issued.link))
    assert reply.startswith("Lời mời này đã bị thu hồi.")


@pytest.mark.parametrize(
    "payload",
    [
        invite_payload("Zx9Qm2Lp7Rt4Vb8Nc1Kd3w"),  # well-formed (22 characters), never issued
        invite_payload("A" * 22),
        invite_payload("-" * 22),
    ],
)
async def test_forged_invitation_changes_nothing(harness, payload) -> None:
    await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    reply = await refused(harness, 13, payload)
    assert reply.startswith("Lời mời này không đúng.")


async def test_token_is_not_stored(harness) -> None:
    issued = await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    token = payload_of(issued.link)[1:]
    rows = await harness.services.db.conn.execute_fetchall("SELECT token FROM invitations")
    assert [r[0] for r in rows] != [token] and token not in str([tuple(r) for r in rows])


async def test_revocation_at_command_line_redoes_menu_at_next_start(harness) -> None:
    issued = await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    await harness.send(harness.user(7), f"/start {payload_of(issued.link)}")
    assert chat_menu(harness, 7) == [*labels.COMMAND_MENU, STAFF_ITEM]
    (grant,) = await harness.services.access.grants(await tg_person(harness.services, 7))
    await harness.services.access.revoke(grant.id)  # what `ykien roles revoke` does
    assert await harness.services.invitations.menus_to_redo() == [
        await tg_person(harness.services, 7)
    ]
    await harness.app.post_init(harness.app)  # the bot's next start
    assert chat_menu(harness, 7) == []  # back to the all-private-chats resident menu
    assert await harness.services.invitations.menus_to_redo() == []


async def test_menu_for_someone_never_seen_waits(harness) -> None:
    """A grant for someone who never opened the chat: Telegram refuses, the mark stays."""
    await harness.services.access.grant(
        await tg_person(harness.services, 555), Role.OFFICER, province=LAI_CHAU
    )
    assert not await menus.refresh(harness.app.bot, harness.services, 555)


async def test_configured_admin_gets_every_menu(harness) -> None:
    assert menus.menu_for({Role.ADMIN}) == [*labels.COMMAND_MENU, STAFF_ITEM, OFFICER_ITEM]
    assert menus.menu_for(set()) == list(labels.COMMAND_MENU)


async def test_menu_failure_at_start_keeps_the_mark(harness) -> None:
    """Flood control while redoing menus: the bot still starts, and tries again next time."""
    issued = await harness.services.invitations.issue(Role.STAFF, communes=[COMMUNE])
    await harness.send(harness.user(7), f"/start {payload_of(issued.link)}")
    (grant,) = await harness.services.access.grants(await tg_person(harness.services, 7))
    await harness.services.access.revoke(grant.id)
    # 429s for longer than a reply is retried (bot/resilient.py): the call fails for good
    wait = int(REPLY_BUDGET / 2)
    harness.sandbox.fail_next("deleteMyCommands", 3, kind="429", retry_after=wait)
    await menus.redo_marked(harness.app.bot, harness.services)
    assert await harness.services.invitations.menus_to_redo() == [
        await tg_person(harness.services, 7)
    ]
    assert chat_menu(harness, 7) == [*labels.COMMAND_MENU, STAFF_ITEM]
    await menus.redo_marked(harness.app.bot, harness.services)
    assert chat_menu(harness, 7) == []
