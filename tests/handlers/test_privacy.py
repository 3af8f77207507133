"""Residents own their data: /mydata shows it all, /deletedata removes the identity and keeps
the scores, the retention period does the same for the inactive, logs carry pseudonyms."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

import pytest

from bot.runtime_retention import RetentionJob
from surveys.access import Action, Actor, Forbidden, Scope
from surveys.people import Address, Channel
from surveys.pseudonym import pseudonym
from tests.conftest import COMMUNE, SURVEY, resident_of, snapshot, table_counts
from tests.handlers.test_survey import answer_all

UID, NAME, COMMENT = 987_654_321, "Zelda Nguyễn", "Đường thôn Nà Ún ngập nước quá lâu"
QUESTION = "Bao giờ thôn Nà Ún có điện ba pha"


async def residents(harness, clock, count: int = 6) -> list:
    """`count` residents who answered everything; the first is the one who deletes."""
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    people = []
    for i in range(count):
        uid, name = (UID, NAME) if i == 0 else (100 + i, f"Người {i}")
        await harness.services.residents.join(Address(Channel.TELEGRAM, str(uid)), name, COMMUNE)
        person = harness.user(uid, name)
        await answer_all(harness, person, comment=COMMENT if i == 0 else "Tốt")
        people.append(person)
    return people


async def traces(harness, *needles: str) -> list[tuple[str, tuple]]:
    """Every row of every table that contains one of the needles, as text."""
    conn = harness.services.db.conn
    tables = await conn.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    found = []
    for (table,) in tables:
        for row in await conn.execute_fetchall(f"SELECT * FROM {table}"):
            if any(n in str(v) for v in tuple(row) for n in needles):
                found.append((table, tuple(row)))
    return found


async def test_mydata_shows_everything_stored(harness, clock) -> None:
    (zelda,) = await residents(harness, clock, 1)
    replies = await harness.send(zelda, "/mydata")
    text = "\n".join(replies)
    for fact in (str(UID), NAME, "Xã Tân Uyên, Lai Châu", "4 · Hài lòng", "Có", COMMENT):
        assert fact in text, fact
    assert "/deletedata" in text


async def test_mydata_of_a_stranger(harness) -> None:
    replies = await harness.send(harness.user(42), "/mydata")
    assert replies == ["ykien không lưu dữ liệu nào về bạn (mã Telegram 42)."]


async def test_deletedata_removes_identity_keeps_scores(harness, clock, caplog) -> None:
    people = await residents(harness, clock)
    zelda = people[0]
    await harness.send(zelda, QUESTION)  # the FAQ has no answer: she sends it to the commune
    await harness.press(zelda, "Gửi câu hỏi cho xã")
    assert await harness.services.db.conn.execute_fetchall("SELECT id FROM faq_questions")
    assert await traces(harness, str(UID), NAME, COMMENT, QUESTION)
    summary = await harness.services.rounds.summary(COMMUNE)
    (confirm,) = await harness.send(zelda, "/deletedata")
    assert confirm.startswith("Bạn muốn xóa danh tính của mình khỏi ykien?")
    with caplog.at_level(logging.INFO):
        (done,) = await harness.press(zelda, "Xóa danh tính của tôi")
    assert done.startswith("Đã xóa danh tính của bạn")
    assert await traces(harness, str(UID), NAME, COMMENT, QUESTION) == []
    assert await harness.services.rounds.summary(COMMUNE) == summary
    assert str(UID) not in caplog.text and NAME not in caplog.text
    assert pseudonym(harness.services.env.pseudonym_key, UID) in caplog.text
    # The others are untouched, and the deleted resident is a stranger now.
    assert "Người 1" in "\n".join(await harness.send(people[1], "/mydata"))
    (mine,) = await harness.send(zelda, "/mydata")
    assert mine == f"ykien không lưu dữ liệu nào về bạn (mã Telegram {UID})."


async def test_pressing_delete_again_changes_nothing(harness, clock) -> None:
    (zelda,) = await residents(harness, clock, 1)
    await harness.send(zelda, "/deletedata")
    question = zelda.last
    await harness.press(zelda, "Xóa danh tính của tôi", question)
    before = await snapshot(harness.services.db), await table_counts(harness.services.db)
    (again,) = await harness.press(zelda, "Xóa danh tính của tôi", question)
    assert again == "ykien không còn lưu dữ liệu nào về bạn, không có gì để xóa."
    assert (await snapshot(harness.services.db), await table_counts(harness.services.db)) == before


async def test_keeping_changes_nothing(harness, clock) -> None:
    (zelda,) = await residents(harness, clock, 1)
    await harness.send(zelda, "/deletedata")
    before = await snapshot(harness.services.db), await table_counts(harness.services.db)
    assert await harness.press(zelda, "Không, giữ nguyên") == ["Đã giữ nguyên, không xóa gì."]
    assert (await snapshot(harness.services.db), await table_counts(harness.services.db)) == before


@pytest.mark.parametrize("data", ["d:", "d:YES", "d:yes:1", "d:" + "x" * 62])
async def test_forged_delete_button_changes_nothing(harness, clock, data) -> None:
    (zelda,) = await residents(harness, clock, 1)
    before = await snapshot(harness.services.db), await table_counts(harness.services.db)
    popup = await harness.press_raw(zelda, data)
    assert popup == "Nút bấm này không hợp lệ hoặc đã cũ. Gõ /survey để tiếp tục."
    assert (await snapshot(harness.services.db), await table_counts(harness.services.db)) == before


@pytest.mark.parametrize("command", ["/mydata all", "/deletedata now"])
async def test_privacy_commands_take_no_arguments(harness, clock, command) -> None:
    (zelda,) = await residents(harness, clock, 1)
    before = await snapshot(harness.services.db)
    (reply,) = await harness.send(zelda, command)
    assert command.split()[0] in reply
    assert await snapshot(harness.services.db) == before


async def test_retention_removes_only_the_inactive(harness, clock) -> None:
    people = await residents(harness, clock, 2)
    env = harness.services.env
    env.settings = dataclasses.replace(env.settings, retention_days=365)
    summary = await harness.services.rounds.summary(COMMUNE)
    clock.advance(days=300)
    await harness.services.residents.join(
        Address(Channel.TELEGRAM, "555"), "Mới", COMMUNE
    )  # joined recently
    clock.advance(days=66)
    await RetentionJob(harness.services.privacy).run_once()
    assert await traces(harness, str(UID), NAME, COMMENT) == []
    assert await harness.services.people.find(Channel.TELEGRAM, str(people[1].id)) is None
    assert await traces(harness, "Người 1") == []
    assert await resident_of(harness.services, 555) is not None
    after = (await harness.services.rounds.summary(COMMUNE)).score
    assert (after.respondents, after.overall, after.questions) == (
        summary.score.respondents,
        summary.score.overall,
        summary.score.questions,
    )
    assert await harness.services.privacy.run_retention() == 0  # nothing left to remove


async def test_retention_off_by_default(harness, clock) -> None:
    await residents(harness, clock, 1)
    clock.advance(days=5000)
    assert await harness.services.privacy.run_retention() == 0
    await RetentionJob(harness.services.privacy).run_once()  # it still purges the Zalo inbox
    assert await resident_of(harness.services, UID) is not None  # nobody erased


async def test_refused_resident_is_counted_without_any_identity(harness, clock) -> None:
    await residents(harness, clock, 1)
    access = harness.services.access
    log = await access.audit_log()
    with pytest.raises(Forbidden):
        await access.require(Actor(UID), Action.VIEW_SUMMARY, Scope(commune=COMMUNE))
    assert await access.audit_log() == log
    ((_, action, outcome, n),) = await access.resident_actions()
    assert (action, outcome, n) == ("summary.view", "refused", 1)


def test_pseudonym_is_keyed_and_stable() -> None:
    assert pseudonym("k1", 42) == pseudonym("k1", 42) != pseudonym("k2", 42)
    assert pseudonym("k1", 42) != pseudonym("k1", 43)
    # HMAC-SHA256("k1", "42"), first 16 hex characters: exports computed elsewhere must agree.
    import hashlib
    import hmac

    assert pseudonym("k1", 42) == hmac.new(b"k1", b"42", hashlib.sha256).hexdigest()[:16]
