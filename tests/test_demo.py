"""`ykien demo` shows every channel in one run (it takes seconds, so it runs once): web
households answer the e-sheet over real HTTP served by the bot's own process; residents of the
first commune follow the sandbox's OA, join by code, answer by button and typed digit; their
answers count in the commune's figures; what the demo prints is what its database holds."""

from __future__ import annotations

import re
import sqlite3

from bot.cli import main
from bot.demo import COMMUNES, WEB_HOUSEHOLDS, ZALO_HOUSEHOLDS, ZALO_RESIDENTS

ZALO_LINE = re.compile(
    r"Zalo: (\d+) cư dân theo dõi Zalo OA của xã \((\d+) gửi mã hộ.*\), (\d+) câu trả lời, "
    r"(\d+) câu sửa lại, (\d+) người trả lời hết; (\d+) sự kiện webhook có chữ ký tới bot, "
    r"(\d+) tin bot gửi qua API của OA"
)


def test_demo_households_answer_on_the_web_and_residents_on_zalo(capsys) -> None:
    assert main(["demo", "--residents", "3"]) == 0
    out = capsys.readouterr().out
    web = re.search(r"Phiếu web: (\d+) hộ .*, (\d+) câu trả lời, (\d+) phiếu đã gửi", out)
    assert web, out
    assert int(web[1]) == WEB_HOUSEHOLDS == int(web[3])
    assert int(web[2]) == WEB_HOUSEHOLDS * 13
    assert f"{WEB_HOUSEHOLDS + ZALO_HOUSEHOLDS} mã hộ đã phát" in out  # Zalo's too

    found = ZALO_LINE.search(out)
    assert found, out
    residents, households, answers, changed, finished, events, sent = map(int, found.groups())
    assert (residents, households) == (ZALO_RESIDENTS, ZALO_HOUSEHOLDS)
    assert 1 <= finished <= residents and answers >= 13 * finished
    assert changed == 1  # the first changes a typed answer by «sửa N» on the review
    # a finished resident sent at least: follow, code, start, 13 answers, Xong; each got a reply
    assert events >= 17 * finished + 2 and sent >= events
    first = next(iter(COMMUNES))
    commune_block = out.split(f"(mã {first})", 1)[1].split("KẾT QUẢ LẤY Ý KIẾN", 1)[0]
    by_channel = re.search(r"Theo kênh: .*Zalo (\d+)", commune_block)
    assert by_channel, commune_block
    assert int(by_channel[1]) == finished

    db_path = re.search(r"Cơ sở dữ liệu của demo: (\S+)", out)
    assert db_path
    db = sqlite3.connect(db_path[1])
    try:
        rows = db.execute(
            "SELECT r.id, r.completed_at IS NOT NULL, p.commune_code, p.village_id IS NOT NULL, "
            "p.household_id IS NOT NULL FROM responses r JOIN residents p ON p.id = r.resident_id "
            "WHERE r.channel = 'zalo'"
        ).fetchall()
        assert len(rows) == residents and {r[2] for r in rows} == {first}
        assert sum(r[1] for r in rows) == finished
        assert all(r[3] for r in rows)  # every one has a village: by code's card or by button
        assert sum(r[4] for r in rows) == households
        stored = db.execute(
            "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id "
            "WHERE r.channel = 'zalo'"
        ).fetchone()[0]
        assert stored == answers
        edited = db.execute(
            "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id "
            "WHERE r.channel = 'zalo' AND a.answered_at > r.completed_at"
        ).fetchone()[0]
        assert edited == changed  # changed after the last question completed the response
        addresses = db.execute("SELECT count(*) FROM addresses WHERE channel = 'zalo'").fetchone()
        assert addresses[0] == residents
        inbox = db.execute(
            "SELECT count(*), sum(handled_at IS NOT NULL), sum(failure IS NOT NULL) FROM zalo_inbox"
        ).fetchone()
        assert inbox == (events, events, 0)  # every signed event queued once and handled
    finally:
        db.close()
