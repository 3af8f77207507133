"""One person across channels (issue 11): /mydata lists every address, /deletedata removes them
all, a response records its channel and survey version, and a person is one voice per round
whichever of their addresses they come back through."""

from __future__ import annotations

from datetime import timedelta

from storage import people as people_db
from surveys.access import Role
from surveys.people import Channel
from tests.conftest import COMMUNE, SURVEY
from tests.handlers.test_survey import answer_all

LAN = 4242
ZALO = "zalo-user-8841"


async def _lan_on_two_channels(harness, clock):
    """Lan joins by Telegram and answers; her Zalo id is bound to the same person."""
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    token = await harness.services.residents.join_token(COMMUNE)
    lan = harness.user(LAN, "Lan")
    await harness.send(lan, f"/start j{token}")
    await answer_all(harness, lan, comment="Đèn đường thôn Nà Ún")
    person = await harness.services.people.find(Channel.TELEGRAM, str(LAN))
    assert person is not None
    async with harness.services.db.transaction() as conn:
        await people_db.add_address(conn, person, Channel.ZALO, ZALO)
    return lan, person


async def _rows(harness, query: str, args: tuple = ()) -> list[tuple]:
    return [tuple(r) for r in await harness.services.db.conn.execute_fetchall(query, args)]


async def test_mydata_lists_every_address_and_the_response_records_channel_and_version(
    harness, clock
) -> None:
    lan, person = await _lan_on_two_channels(harness, clock)
    text = "\n".join(await harness.send(lan, "/mydata"))
    assert f"• Mã Telegram: {LAN}" in text
    assert f"• Mã Zalo: {ZALO}" in text
    assert await _rows(
        harness, "SELECT channel, survey_version FROM responses WHERE resident_id = ?", (person,)
    ) == [("chat", 1)]


async def test_a_stranger_is_told_nothing_is_stored_and_no_person_is_made(harness) -> None:
    before = await _rows(harness, "SELECT count(*) FROM residents")
    (reply,) = await harness.send(harness.user(77, "Khách"), "/mydata")
    assert reply == "ykien không lưu dữ liệu nào về bạn (mã Telegram 77)."
    assert await _rows(harness, "SELECT count(*) FROM residents") == before
    assert await _rows(harness, "SELECT * FROM addresses WHERE address = '77'") == []


async def test_deletedata_removes_every_address_of_the_person(harness, clock) -> None:
    lan, person = await _lan_on_two_channels(harness, clock)
    await harness.send(lan, "/deletedata")
    (done,) = await harness.press(lan, "Xóa danh tính của tôi")
    assert done.startswith("Đã xóa danh tính của bạn")
    assert await _rows(harness, "SELECT * FROM addresses WHERE resident_id = ?", (person,)) == []
    assert await harness.services.people.find(Channel.ZALO, ZALO) is None
    # the row stays, detached, so the round still counts her answers
    assert await _rows(
        harness, "SELECT display_name, erased_at IS NOT NULL FROM residents WHERE id = ?", (person,)
    ) == [("", 1)]
    assert await _rows(
        harness, "SELECT counted FROM responses WHERE resident_id = ?", (person,)
    ) == [(1,)]


async def test_a_person_with_two_addresses_coming_back_counts_once(harness, clock) -> None:
    """Answer by Telegram (with a Zalo address too), erase, come back by Telegram and answer the
    same round: the detached response is replaced, the round counts one respondent."""
    lan, person = await _lan_on_two_channels(harness, clock)
    await harness.send(lan, "/deletedata")
    await harness.press(lan, "Xóa danh tính của tôi")
    clock.advance(minutes=5)  # past the flood window: a second full survey is many taps
    token = await harness.services.residents.join_token(COMMUNE)
    await harness.send(lan, f"/start j{token}")
    again = await harness.services.people.find(Channel.TELEGRAM, str(LAN))
    assert again is not None and again != person
    await answer_all(harness, lan, comment=None)
    assert await _rows(harness, "SELECT resident_id, counted FROM responses") == [(again, 1)]


async def test_staff_who_erase_their_resident_data_keep_their_role(harness, clock) -> None:
    lan, person = await _lan_on_two_channels(harness, clock)
    await harness.services.access.grant(person, Role.STAFF, commune=COMMUNE)
    await harness.send(lan, "/deletedata")
    await harness.press(lan, "Xóa danh tính của tôi")
    staff = await harness.services.people.find(Channel.TELEGRAM, str(LAN))
    assert staff is not None and staff != person
    assert await harness.services.access.roles(staff) == {Role.STAFF}
    assert await harness.services.people.find(Channel.ZALO, ZALO) == staff
    # the resident data stays behind, detached: no name, no address, no commune on the new one
    assert await _rows(harness, "SELECT * FROM addresses WHERE resident_id = ?", (person,)) == []
    assert await _rows(
        harness,
        "SELECT display_name, commune_code FROM residents WHERE id IN (?, ?) ORDER BY id",
        (person, staff),
    ) == [("", COMMUNE), ("", None)]
