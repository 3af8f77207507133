"""Migration 0018 (people and addresses) on a populated database: every row and value of the
schema before it is accounted for after it, counted flags and kept summaries unchanged."""

from __future__ import annotations

import aiosqlite

from storage import migrate, scores
from storage.db import Database

PEOPLE = next(m.number for m in migrate.available() if m.name == "people")
PAPER = 10**12
T0 = "2026-11-01T01:00:00+00:00"
T1 = "2026-11-02T01:00:00+00:00"
T2 = "2026-11-03T01:00:00+00:00"

# The schema before 0018, filled the way the bot filled it: residents keyed by Telegram id,
# paper stand-ins -(10^12 + household), an erased resident (-id), staff known only by grants.
BEFORE = f"""
INSERT INTO provinces VALUES (12, 'Tỉnh Lai Châu', 'tinh');
INSERT INTO communes VALUES (3598, 12, 'Xã Sìn Hồ', 'xa sin ho', 'xa');
INSERT INTO villages(id, commune_code, name) VALUES (1, 3598, 'Bản A'), (2, 3598, 'Bản B');
INSERT INTO households(id, commune_code, village_id, code, issued_at)
VALUES (1, 3598, 1, 'H1', '{T0}'), (2, 3598, 2, 'H2', '{T0}');
INSERT INTO residents(id, telegram_user_id, display_name, commune_code, village_id, joined_at,
                      stopped_at, language_code, household_id)
VALUES (1, 42, 'Lan', 3598, 1, '{T0}', NULL, 'vi', 1),
       (2, 43, 'Minh', 3598, 2, '{T0}', '{T1}', 'en', NULL),
       (3, -{PAPER + 1}, '', 3598, 1, '{T0}', '{T0}', 'vi', 1),
       (4, -{PAPER + 2}, '', 3598, 2, '{T0}', '{T0}', 'vi', 2),
       (5, -5, '', 3598, 2, '{T0}', '{T1}', 'vi', NULL);
UPDATE residents SET erased_at = '{T1}' WHERE id = 5;
INSERT INTO surveys(id, title, definition, source, added_at)
VALUES ('s', 'S', '{{}}', 'test', '{T0}');
INSERT INTO rounds(id, commune_code, survey_id, opens_at, created_at)
VALUES (1, 3598, 's', '{T0}', '{T0}');
-- Paper sheet of H1 first, then Lan answers by chat: held. Minh, H2's sheet, the erased one.
INSERT INTO responses(id, round_id, resident_id, started_at, updated_at, voter_key)
VALUES (1, 1, 3, '{T0}', '{T0}', NULL);
INSERT INTO answers VALUES (1, 'q1', 5, NULL, 0, '{T0}');
UPDATE responses SET completed_at = '{T0}' WHERE id = 1;
INSERT INTO responses(id, round_id, resident_id, started_at, updated_at, voter_key)
VALUES (2, 1, 1, '{T1}', '{T1}', 'k1'), (3, 1, 2, '{T1}', '{T1}', 'k2'),
       (4, 1, 4, '{T1}', '{T1}', NULL), (5, 1, 5, '{T1}', '{T1}', 'k5');
INSERT INTO answers VALUES (2, 'q1', 1, NULL, 0, '{T1}'), (2, 'c', NULL, 'tốt', 0, '{T1}'),
       (3, 'q1', 4, NULL, 0, '{T1}'), (4, 'q1', 2, NULL, 0, '{T1}'),
       (5, 'q1', 5, NULL, 0, '{T1}');
UPDATE responses SET completed_at = '{T2}' WHERE id IN (2, 3, 4, 5);
-- Roles: staff 900 (no resident row), officer 901 (revoked, menu to redo), Lan also staff.
INSERT INTO grants(id, telegram_user_id, role, commune_code, province_code, granted_at,
                   granted_by, revoked_at)
VALUES (1, 900, 'staff', 3598, NULL, '{T0}', 'cli', NULL),
       (2, 901, 'officer', NULL, 12, '{T1}', 'tg:900', '{T2}'),
       (3, 42, 'staff', 3598, NULL, '{T1}', 'cli', NULL);
INSERT INTO invitations(id, token, role, commune_code, created_at, expires_at, used_at, used_by,
                        grant_id)
VALUES (1, 'tok', 'staff', 3598, '{T0}', '{T2}', '{T0}', 900, 1),
       (2, 'unused', 'staff', 3598, '{T0}', '{T2}', NULL, NULL, NULL);
INSERT INTO menu_dirty VALUES (901, '{T2}');
-- Pending steps: Lan's comment, staff's reply, someone (777) half-way through joining.
INSERT INTO chat_states VALUES (42, 'edit_comment', 2, 'c', '{{}}', '{T1}'),
       (900, 'q_reply', 1, NULL, '{{"x": 1}}', '{T2}'),
       (777, 'search_commune', 12, NULL, '{{}}', '{T0}');
INSERT INTO faq_categories VALUES ('dvc', 'Dịch vụ công', 1);
INSERT INTO faq_entries VALUES ('dvc-1', 'dvc', '["a"]', 'b', '', '2026-11-01', 'package',
                                '{T0}');
INSERT INTO faq_asks(id, telegram_user_id, text, verdict, entry_id, asked_at)
VALUES (1, 42, 'hỏi 1', 'confident', 'dvc-1', '{T0}'), (2, 43, 'hỏi 2', 'none', NULL, '{T1}'),
       (3, 777, 'hỏi 3', 'unsure', NULL, '{T1}');
INSERT INTO faq_feedback VALUES (1, 'dvc-1', 1, '{T1}');
INSERT INTO faq_questions(id, ask_id, commune_code, resident_id, text, asked_at, answer,
                          answered_by, answered_at)
VALUES (1, 2, 3598, 2, 'hỏi 2', '{T1}', 'đáp', 900, '{T2}'),
       (2, 1, 3598, 1, 'hỏi 1', '{T1}', NULL, NULL, NULL);
INSERT INTO question_spam(id, resident_id, marked_by, marked_at) VALUES (1, 2, 900, '{T2}');
INSERT INTO broadcasts(id, round_id, commune_code, kind, audience, status, starts_at,
                       launch_key, created_by, created_at)
VALUES (1, 1, 3598, 'invite', 'all', 'done', '{T0}', 'k', 'tg:900', '{T0}');
INSERT INTO deliveries(id, broadcast_id, resident_id, chat_id, state, updated_at)
VALUES (1, 1, 1, 42, 'sent', '{T0}'), (2, 1, 2, 43, 'blocked', '{T0}');
INSERT INTO audit_log(at, actor, action, outcome) VALUES ('{T0}', 'tg:900', 'broadcast', 'ok');
"""

# Tables 0018 leaves alone: every row before equals the row after.
UNTOUCHED = (
    "answers",
    "audit_log",
    "broadcasts",
    "commune_counts",
    "deliveries",
    "delivery_transitions",
    "faq_entries",
    "faq_feedback",
    "households",
    "question_values",
    "score_counts",
    "village_counts",
)


async def _rows(conn: aiosqlite.Connection, query: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await conn.execute_fetchall(query)]


async def _populated() -> Database:
    db = await Database.open(":memory:", migrate_now=False)
    await migrate.apply(db.conn, stop_before=PEOPLE)
    await db.conn.executescript(f"BEGIN;\n{BEFORE}\nCOMMIT;")
    return db


async def test_people_migration_keeps_every_row_and_value() -> None:
    db = await _populated()
    conn = db.conn
    try:
        before = {t: await _rows(conn, f"SELECT * FROM {t} ORDER BY 1, 2") for t in UNTOUCHED}
        counted = await _rows(conn, "SELECT id, counted, hold, voter_key FROM responses")
        assert counted == [
            (1, 1, None, None),
            (2, 0, "conflict", "k1"),
            (3, 1, None, "k2"),
            (4, 1, None, None),
            (5, 1, None, "k5"),
        ]
        kept = await scores.dump(conn)
        residents = await _rows(
            conn,
            "SELECT id, display_name, commune_code, village_id, joined_at, stopped_at, "
            "language_code, erased_at, household_id FROM residents ORDER BY id",
        )

        assert await migrate.apply(conn) == [m.number for m in migrate.available()][PEOPLE - 1 :]

        for table, rows in before.items():
            after = await _rows(conn, f"SELECT * FROM {table} ORDER BY 1, 2")
            # Later migrations may add columns (0024: deliveries.channel, address) at the end.
            assert [row[: len(rows[0])] for row in after] == rows if rows else after == [], table
        assert await _rows(conn, "SELECT id, counted, hold, voter_key FROM responses") == counted
        assert await scores.dump(conn) == kept
        await scores.rebuild(db)
        assert await scores.dump(conn) == kept
        # The five residents keep every value; 900 (staff), 901 (officer) and 777 (half-way
        # through joining) become people with no commune, from their first trace.
        assert await _rows(conn, "SELECT * FROM residents ORDER BY id") == [
            *residents,
            (6, "", None, None, T0, None, "vi", None, None),  # 777: chat state at T0, ask at T1
            (7, "", None, None, T0, None, "vi", None, None),  # 900: granted at T0
            (8, "", None, None, T1, None, "vi", None, None),  # 901: granted at T1
        ]
        assert await _rows(
            conn, "SELECT channel, address, resident_id FROM addresses ORDER BY resident_id"
        ) == [
            ("telegram", "42", 1),
            ("telegram", "43", 2),
            ("paper", "1", 3),
            ("paper", "2", 4),
            ("telegram", "777", 6),
            ("telegram", "900", 7),
            ("telegram", "901", 8),
        ]
        assert await _rows(conn, "SELECT * FROM grants ORDER BY id") == [
            (1, 7, "staff", 3598, None, T0, "cli", None),
            (2, 8, "officer", None, 12, T1, "tg:900", T2),
            (3, 1, "staff", 3598, None, T1, "cli", None),
        ]
        assert await _rows(conn, "SELECT id, used_by, grant_id FROM invitations") == [
            (1, 7, 1),
            (2, None, None),
        ]
        assert await _rows(conn, "SELECT * FROM menu_dirty") == [(8, T2)]
        assert await _rows(conn, "SELECT * FROM chat_states ORDER BY resident_id") == [
            (1, "edit_comment", 2, "c", "{}", T1),
            (6, "search_commune", 12, None, "{}", T0),
            (7, "q_reply", 1, None, '{"x": 1}', T2),
        ]
        assert await _rows(conn, "SELECT * FROM faq_asks ORDER BY id") == [
            (1, 1, "hỏi 1", "confident", "dvc-1", T0),
            (2, 2, "hỏi 2", "none", None, T1),
            (3, 6, "hỏi 3", "unsure", None, T1),
        ]
        assert await _rows(
            conn, "SELECT id, ask_id, resident_id, answer, answered_by FROM faq_questions"
        ) == [(1, 2, 2, "đáp", 7), (2, 1, 1, None, None)]
        assert await _rows(conn, "SELECT resident_id, marked_by FROM question_spam") == [(2, 7)]
        # Each response records its channel (the stand-ins' are paper) and survey version.
        assert await _rows(conn, "SELECT id, channel, survey_version FROM responses") == [
            (1, "paper", 1),
            (2, "chat", 1),
            (3, "chat", 1),
            (4, "paper", 1),
            (5, "chat", 1),
        ]
        assert await _rows(conn, "PRAGMA foreign_key_check") == []
    finally:
        await db.close()


async def test_holds_and_versions_after_the_migration() -> None:
    """The rewritten holds tell paper by responses.channel; a new response records the current
    survey version, and changing a definition bumps it."""
    db = await _populated()
    conn = db.conn
    try:
        await migrate.apply(conn)
        await conn.executescript(
            f"""BEGIN;
            UPDATE surveys SET definition = '{{"v": 2}}' WHERE id = 's';
            INSERT INTO residents(id, display_name, commune_code, village_id, joined_at,
                                  household_id) VALUES (9, 'Hoa', 3598, 2, '{T2}', 2);
            INSERT INTO responses(id, round_id, resident_id, started_at, updated_at, channel)
            VALUES (6, 1, 9, '{T2}', '{T2}', 'zalo');
            COMMIT;"""
        )
        assert await _rows(conn, "SELECT version FROM surveys") == [(2,)]
        # H2's paper sheet is complete: the Zalo answer is held on arrival.
        assert await _rows(
            conn, "SELECT channel, survey_version, hold FROM responses WHERE id = 6"
        ) == [("zalo", 2, "conflict")]
        await conn.executescript(
            f"""BEGIN;
            INSERT INTO households(id, commune_code, village_id, code, issued_at)
            VALUES (3, 3598, 1, 'H3', '{T0}');
            INSERT INTO residents(id, commune_code, village_id, joined_at, household_id)
            VALUES (10, 3598, 1, '{T2}', 3), (11, 3598, 1, '{T2}', 3);
            INSERT INTO responses(id, round_id, resident_id, started_at, updated_at, channel)
            VALUES (7, 1, 10, '{T2}', '{T2}', 'paper'), (8, 1, 11, '{T2}', '{T2}', 'web');
            UPDATE responses SET completed_at = '{T2}' WHERE id = 7;
            UPDATE responses SET completed_at = '{T2}' WHERE id = 8;
            COMMIT;"""
        )
        # A web answer completed after the household's paper sheet is held too; the sheet counts.
        assert await _rows(conn, "SELECT id, hold, counted FROM responses WHERE id IN (7, 8)") == [
            (7, None, 1),
            (8, "conflict", 0),
        ]
    finally:
        await db.close()
