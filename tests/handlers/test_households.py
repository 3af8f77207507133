"""Household codes: a printable sheet with QR codes; opening a code binds the account to the
household, its village and commune; more members join the same household; bad codes change
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from storage import households as households_db
from surveys.access import Actor
from surveys.households import ALPHABET, household_payload, parse_household_payload
from tests.conftest import COMMUNE, snapshot, table_counts, tg_person


async def sheet(harness, count: int = 3):
    await harness.services.residents.add_villages(COMMUNE, ["Bản Nà Ún"])
    return await harness.services.households.issue(Actor.operator(), COMMUNE, "Bản  Nà Ún", count)


async def test_members_join_the_same_household(harness) -> None:
    issued = await sheet(harness)
    household, link = issued.households[0]
    assert link == f"https://t.me/ykien_test_bot?start=h{household.code}"
    lan, binh = harness.user(1, "Lan"), harness.user(2, "Bình")
    replies = await harness.send(lan, f"/start {household_payload(household.code)}")
    assert "Xã Tân Uyên" in replies[0]
    assert replies[1].startswith(f"Bạn đã vào hộ gia đình mã {household.code}, Bản Nà Ún.")
    assert "Hộ có 1 thành viên" in replies[1]
    replies = await harness.send(binh, f"/start {household_payload(household.code)}")
    assert "Hộ có 2 thành viên" in replies[1]
    assert f"• Hộ gia đình: mã {household.code}" in (await harness.send(binh, "/mydata"))[0]
    rows = await harness.services.db.conn.execute_fetchall(
        "SELECT CAST(a.address AS INTEGER), r.commune_code, r.village_id, r.household_id "
        "FROM residents r JOIN addresses a ON a.resident_id = r.id AND a.channel = 'telegram' "
        "ORDER BY 1"
    )
    assert [tuple(r) for r in rows] == [
        (1, COMMUNE, issued.village.id, household.id),
        (2, COMMUNE, issued.village.id, household.id),
    ]


async def test_codes_carry_at_least_40_bits_and_old_codes_still_open(harness) -> None:
    issued = await sheet(harness, 20)
    codes = [h.code for h, _ in issued.households]
    assert all(len(c) == 10 and set(c) <= set(ALPHABET) for c in codes)
    assert len(ALPHABET) ** 10 >= 2**49  # README: 49.5 bits
    assert len(set(codes)) == 20
    # A sheet printed before the codes grew: its 8-character code still binds the member.
    await households_db.insert_many(
        harness.services.db.conn,
        COMMUNE,
        issued.village.id,
        ["K7PQ2MXA"],
        harness.services.env.now(),
    )
    replies = await harness.send(harness.user(4, "Mai"), "/start hK7PQ2MXA")
    assert replies[1].startswith("Bạn đã vào hộ gia đình mã K7PQ2MXA")
    assert parse_household_payload(f"h{codes[0]}") == codes[0]
    assert parse_household_payload(f"h{codes[0]}\n") is None  # fullmatch, not `$`


@pytest.mark.parametrize(
    "payload",
    [
        "hAAAAAAAA",
        "h" + ALPHABET[:8],
        "hAAAA",
        "h0OIL1ABC",
        "h" + "A" * 9,
        "h" + "A" * 10,
        "h" + ALPHABET[:10],
        "h" + "A" * 11,
    ],
)
async def test_unknown_household_code_changes_nothing(harness, payload) -> None:
    await sheet(harness)
    before = await snapshot(harness.services.db), await table_counts(harness.services.db)
    (reply,) = await harness.send(harness.user(3), f"/start {payload}")
    assert reply in (
        "Mã hộ gia đình này không đúng. Hãy quét lại mã QR trên phiếu của hộ, hoặc hỏi tổ Mặt "
        "trận thôn. Không có gì bị thay đổi.",
        "Đường link tham gia này không đúng hoặc đã cũ. Hãy quét lại mã QR ở trụ sở xã, hoặc gõ "
        "/start để tự tìm xã của bạn.",
    )
    assert (await snapshot(harness.services.db), await table_counts(harness.services.db)) == before


def test_cli_sheet_with_qr_codes(tmp_path: Path, db_path: Path, capsys) -> None:
    assert main(["village", "add", "--commune", str(COMMUNE), "Bản Nà Ún"]) == 0
    out = tmp_path / "sheet.html"
    argv = ["households", "issue", "--commune", str(COMMUNE), "--village", "Bản Nà Ún"]
    assert main([*argv, "--count", "4", "-o", str(out)]) == 0
    assert f"Phiếu in (có mã QR): {out}" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and html.count("https://t.me/ykien_bot?start=h") == 4
    assert main([*argv, "--count", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(
        "\thttps://t.me/ykien_bot?start=h" in line for line in lines[1:3]
    )
    assert lines[3].startswith("In lại lúc nào cũng được: ykien households list --commune")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--village", "Không có", "--count", "3"], "xã chưa có thôn «Không có»"),
        (["--village", "Bản Nà Ún", "--count", "0"], "số hộ phải từ 1 đến 500"),
        (["--village", "Bản Nà Ún", "--count", "501"], "số hộ phải từ 1 đến 500"),
    ],
)
def test_cli_bad_input(tmp_path: Path, db_path: Path, capsys, extra, message) -> None:
    assert main(["village", "add", "--commune", str(COMMUNE), "Bản Nà Ún"]) == 0
    out = tmp_path / "sheet.html"
    assert main(["households", "issue", "--commune", str(COMMUNE), *extra, "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


async def test_one_counted_answer_per_household(harness, clock) -> None:
    """Two members answer: only the latest complete answer counts; others count as before."""
    from datetime import timedelta

    from tests.conftest import SURVEY
    from tests.handlers.test_survey import SCALE_4, answer_all

    issued = await sheet(harness, 2)
    await harness.services.rounds.open(COMMUNE, SURVEY, closes_at=clock.now + timedelta(days=7))
    code = issued.households[0][0].code
    lan, binh, cuc = harness.user(1), harness.user(2), harness.user(3)
    for member in (lan, binh):
        await harness.send(member, f"/start {household_payload(code)}")
    await harness.services.residents.join(
        await tg_person(harness.services, 3), "Cúc", COMMUNE
    )  # no household code
    await harness.services.residents.choose_village(3, issued.village.id)

    async def overall_answers(person, yes: bool) -> None:
        await harness.send(person, "/survey")
        for _ in range(11):
            await harness.press(person, SCALE_4)
        await harness.press(person, "Có" if yes else "Không")
        await harness.press(person, "Bỏ qua")

    await overall_answers(lan, yes=False)
    clock.advance(minutes=5)
    await overall_answers(binh, yes=True)  # the household's latest complete answer
    await answer_all(harness, cuc, comment=None)
    summary = await harness.services.rounds.summary(COMMUNE)
    score = summary.score
    assert summary.households == 2
    assert score.registered == 3  # two issued households + one resident outside households
    assert score.respondents is None and score.suppressed  # 2 < k: hidden in every output
    from storage import scores as scores_db

    # the kept counts (what every summary reads), maintained in the answers' transactions
    counts = await scores_db.round_counts(harness.services.db.conn, summary.round.id)
    assert counts["tong_the"] == {1: 2}  # Bình's yes and Cúc's yes; Lan's no is not counted
    assert counts["duong"] == {4: 2}  # Lan's answers are kept but not counted
    rows = await harness.services.db.conn.execute_fetchall("SELECT count(*) FROM responses")
    assert rows[0][0] == 3
