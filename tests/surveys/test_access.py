"""The one access check: roles x scopes, refusals audited, the audit log append-only."""

from __future__ import annotations

import aiosqlite
import pytest

from surveys.access import Action, Actor, Forbidden, Role, Scope
from surveys.services import Services
from tests.conftest import COMMUNE, OTHER_COMMUNE, tg_person

LAI_CHAU, HCMC = 12, 79
NEIGHBOUR = 3394  # another commune of Lai Châu


@pytest.fixture
async def people(services: Services) -> dict[str, Actor]:
    await services.access.grant(await tg_person(services, 1), Role.STAFF, commune=COMMUNE)
    await services.access.grant(await tg_person(services, 2), Role.OFFICER, province=LAI_CHAU)
    await services.access.grant(await tg_person(services, 3), Role.OFFICER, commune=OTHER_COMMUNE)
    await services.access.grant(await tg_person(services, 4), Role.ADMIN)
    return {
        "staff": Actor(1),
        "officer": Actor(2),
        "listed_officer": Actor(3),
        "admin": Actor(4),
        "resident": Actor(5),
    }


@pytest.mark.parametrize(
    ("who", "action", "scope", "expected"),
    [
        ("staff", Action.MANAGE_ROUNDS, Scope(commune=COMMUNE), True),
        ("staff", Action.MANAGE_ROUNDS, Scope(commune=NEIGHBOUR), False),
        ("staff", Action.MANAGE_ROUNDS, Scope(commune=OTHER_COMMUNE), False),
        ("staff", Action.VIEW_SUMMARY, Scope(commune=COMMUNE), True),
        ("staff", Action.VIEW_SUMMARY, Scope(province=LAI_CHAU), False),
        ("staff", Action.MANAGE_ROLES, Scope(commune=COMMUNE), False),
        ("officer", Action.VIEW_SUMMARY, Scope(commune=NEIGHBOUR), True),
        ("officer", Action.VIEW_SUMMARY, Scope(province=LAI_CHAU), True),
        ("officer", Action.VIEW_SUMMARY, Scope(province=HCMC), False),
        ("officer", Action.VIEW_SUMMARY, Scope(commune=OTHER_COMMUNE), False),
        ("officer", Action.MANAGE_ROUNDS, Scope(commune=COMMUNE), False),
        ("listed_officer", Action.EXPORT, Scope(commune=OTHER_COMMUNE), True),
        ("listed_officer", Action.EXPORT, Scope(province=HCMC), False),
        ("admin", Action.MANAGE_ROLES, Scope(), True),
        ("admin", Action.MANAGE_ROUNDS, Scope(commune=OTHER_COMMUNE), True),
        ("resident", Action.VIEW_SUMMARY, Scope(commune=COMMUNE), False),
        ("resident", Action.ANSWER_QUESTIONS, Scope(commune=COMMUNE), False),
    ],
)
async def test_matrix(services, people, who, action, scope, expected) -> None:
    assert await services.access.allowed(people[who], action, scope) is expected


async def test_refusal_is_audited_and_nothing_else(services, people) -> None:
    before = await services.access.audit_log()
    with pytest.raises(Forbidden):
        await services.access.require(people["staff"], Action.MANAGE_ROUNDS, Scope(NEIGHBOUR))
    after = await services.access.audit_log()
    assert len(after) == len(before) + 1
    entry = after[-1]
    assert (entry.actor, entry.action, entry.commune_code, entry.outcome) == (
        "person:1",
        "rounds.manage",
        NEIGHBOUR,
        "refused",
    )


async def test_revoked_grant_no_longer_counts(services, people) -> None:
    (grant,) = await services.access.grants(1)
    assert await services.access.revoke(grant.id) is not None
    assert await services.access.revoke(grant.id) is None
    assert not await services.access.allowed(
        people["staff"], Action.MANAGE_ROUNDS, Scope(commune=COMMUNE)
    )


async def test_communes_where_allowed(services, people) -> None:
    assert await services.access.communes(1, Action.MANAGE_ROUNDS) == [COMMUNE]
    lai_chau = await services.access.communes(2, Action.VIEW_SUMMARY)
    assert lai_chau is not None and COMMUNE in lai_chau and OTHER_COMMUNE not in lai_chau
    assert await services.access.communes(4, Action.VIEW_SUMMARY) is None
    assert await services.access.communes(5, Action.VIEW_SUMMARY) == []


async def test_audit_log_cannot_be_rewritten(services, people) -> None:
    assert await services.access.audit_log()
    for statement in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log"):
        with pytest.raises(aiosqlite.IntegrityError, match="append-only"):
            await services.db.conn.execute(statement)
