"""Joining: by link token, by province and a typed name with or without diacritics."""

from __future__ import annotations

from surveys.residents import SearchOutcome, SearchResult, parse_join_payload
from surveys.services import Services
from surveys.text import fold
from tests.conftest import COMMUNE, snapshot, tg_person

LAI_CHAU = 12
HCM = 79


async def search(services: Services, user_id: int, text: str) -> SearchResult:
    """Typed text as the router hands it over: with the chat's pending step, read once."""
    return await services.residents.search(await services.pending.of(user_id), text)


def test_fold_handles_d_bar_and_case() -> None:
    assert fold("  ĐỒNG  Tháp ") == "dong thap"
    assert fold("Bạch Đằng") == fold("bach dang") == "bach dang"


def test_join_payload_shape() -> None:
    assert parse_join_payload("jAbC_def-123") == "AbC_def-123"
    for bad in ("", "j", "jshort", "x" * 70, "jabc def12", "i12345678", "j" + "a" * 40):
        assert parse_join_payload(bad) is None


async def test_join_by_token(services: Services) -> None:
    token = await services.residents.join_token(COMMUNE)
    assert token == await services.residents.join_token(COMMUNE)  # stable
    membership = await services.residents.join_by_token(await tg_person(services, 1), "Lan", token)
    assert membership.commune.code == COMMUNE
    assert membership.commune.province_name.endswith("Lai Châu")
    assert (
        await services.residents.join_by_token(await tg_person(services, 2), "Binh", "nosuchtoken1")
        is None
    )


async def test_search_with_and_without_diacritics(services: Services) -> None:
    person = await tg_person(services, 5)
    await services.residents.begin_search(person, HCM)
    plain = await search(services, person, "tan uyen")
    marked = await search(services, person, "Tân Uyên")
    assert plain.matches == marked.matches
    assert plain.outcome is SearchOutcome.FOUND
    assert {c.name for c in plain.matches} == {"Phường Tân Uyên", "Xã Bắc Tân Uyên"}


async def test_search_outcomes_change_nothing(services: Services) -> None:
    await services.residents.begin_search(await tg_person(services, 5), LAI_CHAU)
    before = await snapshot(services.db)
    assert (await search(services, 5, "khong co xa nay")).outcome is SearchOutcome.NONE
    assert (await search(services, 5, "xa")).outcome is SearchOutcome.TOO_MANY
    assert (await search(services, 5, "x")).outcome is SearchOutcome.TOO_SHORT
    assert (await search(services, 5, "%")).outcome is SearchOutcome.TOO_SHORT
    assert (await search(services, 5, "%_%_")).outcome is SearchOutcome.TOO_SHORT
    assert (await search(services, 6, "tan uyen")).outcome is (SearchOutcome.NOT_SEARCHING)
    assert await snapshot(services.db) == before


async def test_search_state_survives_a_new_service(services: Services, clock) -> None:
    await services.residents.begin_search(await tg_person(services, 5), LAI_CHAU)
    fresh = Services(services.db, clock=clock)
    result = await search(fresh, 5, "tan uyen")
    assert [c.code for c in result.matches] == [COMMUNE]


async def test_village_must_belong_to_own_commune(services: Services) -> None:
    await services.residents.add_villages(COMMUNE, ["Thôn Nà Ban"])
    await services.residents.add_villages(25747, ["Khu phố 1"])
    await services.residents.join(await tg_person(services, 1), "Lan", COMMUNE)
    other = (await services.residents.villages(25747))[0]
    assert await services.residents.choose_village(1, other.id) is None
    own = (await services.residents.villages(COMMUNE))[0]
    assert (await services.residents.choose_village(1, own.id)) == own
