-- People and addresses (issue 11): a `residents` row is a person, Telegram is one way to reach
-- them. The table keeps its name (everything references it): a row is a person of a commune,
-- or, with commune_code NULL, a person with no commune yet (staff, officers, someone who has
-- not joined). The ways to reach a person are rows of `addresses`, one per (channel, address),
-- so one person can have several (a Telegram id and a Zalo id; a paper household sheet).
-- Every table that named a person by Telegram id now names the person (residents.id).
--
-- Rebuilding a table that others reference: foreign keys are ON during migrations and cannot
-- be switched off inside the migration's transaction, so checks are deferred to COMMIT; each
-- table is copied out, dropped, created and copied back with the same ids, and the commit fails
-- if any reference is left dangling. Triggers and indexes on a rebuilt table are recreated with
-- the same names, after the copy (a trigger firing on the copy would count residents twice).
PRAGMA defer_foreign_keys = ON;

-- Telegram ids that name someone with no person row yet (staff, officers, a chat half-way
-- through joining): each gets a person row, commune NULL, "joined" at the first trace of them.
CREATE TEMP TABLE people_seen AS
SELECT telegram_user_id AS tg, min(at) AS first_at FROM (
    SELECT telegram_user_id, granted_at AS at FROM grants
    UNION ALL SELECT telegram_user_id, updated_at FROM chat_states
    UNION ALL SELECT telegram_user_id, asked_at FROM faq_asks
    UNION ALL SELECT telegram_user_id, marked_at FROM menu_dirty
    UNION ALL SELECT used_by, used_at FROM invitations WHERE used_by IS NOT NULL
    UNION ALL SELECT answered_by, answered_at FROM faq_questions WHERE answered_by IS NOT NULL
    UNION ALL SELECT marked_by, marked_at FROM question_spam
) WHERE telegram_user_id > 0
  AND telegram_user_id NOT IN (SELECT telegram_user_id FROM residents)
GROUP BY telegram_user_id;
INSERT INTO residents(telegram_user_id, display_name, commune_code, joined_at)
SELECT tg, '', NULL, first_at FROM people_seen ORDER BY tg;
DROP TABLE people_seen;

-- Telegram id -> person, for re-keying the tables below.
CREATE TEMP TABLE people_by_tg AS
SELECT telegram_user_id AS tg, id AS person FROM residents WHERE telegram_user_id > 0;

-- residents without telegram_user_id.
CREATE TEMP TABLE residents_old AS SELECT * FROM residents;
DROP TABLE residents;
CREATE TABLE residents (
    id            INTEGER PRIMARY KEY,
    display_name  TEXT NOT NULL DEFAULT '',
    commune_code  INTEGER REFERENCES communes(code),   -- NULL: no commune (staff, officers)
    village_id    INTEGER REFERENCES villages(id),
    joined_at     TEXT NOT NULL,
    stopped_at    TEXT,            -- set by /stop or a 403; NULL means subscribed
    language_code TEXT NOT NULL DEFAULT 'vi' CHECK (language_code IN ('vi', 'en')),
    erased_at     TEXT,            -- /deletedata or retention: no name, no addresses left
    household_id  INTEGER REFERENCES households(id)
);
INSERT INTO residents(id, display_name, commune_code, village_id, joined_at, stopped_at,
                      language_code, erased_at, household_id)
SELECT id, display_name, commune_code, village_id, joined_at, stopped_at, language_code,
       erased_at, household_id
FROM residents_old ORDER BY id;
CREATE INDEX residents_by_commune ON residents(commune_code);
CREATE INDEX residents_by_household ON residents(household_id);

-- How to reach a person: 'telegram' (user id), 'zalo' (user id per Official Account), 'web' (a
-- browser session bound to a household code), 'paper' (the household id: the sheet the village
-- front committee enters for it). An erased person has none.
CREATE TABLE addresses (
    channel     TEXT NOT NULL CHECK (channel IN ('telegram', 'zalo', 'web', 'paper')),
    address     TEXT NOT NULL CHECK (length(address) BETWEEN 1 AND 200),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    PRIMARY KEY (channel, address)
) WITHOUT ROWID;
CREATE INDEX addresses_of_person ON addresses(resident_id);
-- Positive ids are Telegram users; -(10^12 + household id) the paper stand-ins; an erased
-- person held -id (no address).
INSERT INTO addresses(channel, address, resident_id)
SELECT 'telegram', CAST(telegram_user_id AS TEXT), id FROM residents_old
WHERE telegram_user_id > 0
UNION ALL
SELECT 'paper', CAST(-telegram_user_id - 1000000000000 AS TEXT), id FROM residents_old
WHERE telegram_user_id <= -1000000000000;

CREATE TRIGGER residents_units_insert AFTER INSERT ON residents
WHEN NEW.commune_code IS NOT NULL AND NEW.household_id IS NULL
BEGIN
    INSERT INTO commune_counts(commune_code, residents, households) VALUES (NEW.commune_code, 1, 0)
    ON CONFLICT DO UPDATE SET residents = residents + 1;
END;

CREATE TRIGGER residents_units_delete AFTER DELETE ON residents
WHEN OLD.commune_code IS NOT NULL AND OLD.household_id IS NULL
BEGIN
    UPDATE commune_counts SET residents = residents - 1 WHERE commune_code = OLD.commune_code;
END;

CREATE TRIGGER residents_units_move AFTER UPDATE OF commune_code, household_id ON residents
WHEN OLD.commune_code IS NOT NEW.commune_code OR OLD.household_id IS NOT NEW.household_id
BEGIN
    UPDATE commune_counts SET residents = residents - 1
    WHERE commune_code = OLD.commune_code AND OLD.household_id IS NULL;
    INSERT INTO commune_counts(commune_code, residents, households)
    SELECT NEW.commune_code, 1, 0 WHERE NEW.commune_code IS NOT NULL AND NEW.household_id IS NULL
    ON CONFLICT DO UPDATE SET residents = residents + 1;
END;

CREATE TRIGGER residents_pick_household AFTER UPDATE OF household_id ON residents
WHEN OLD.household_id IS NOT NEW.household_id
BEGIN
    UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
        SELECT responses.hold IS NULL AND (p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id AND r2.hold IS NULL
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1))
        FROM residents p WHERE p.id = responses.resident_id), 1)
    WHERE resident_id IN (
        SELECT id FROM residents
        WHERE id = NEW.id OR household_id IN (OLD.household_id, NEW.household_id));
END;

-- Roles are granted to a person.
CREATE TEMP TABLE grants_old AS SELECT * FROM grants;
DROP TABLE grants;
CREATE TABLE grants (
    id               INTEGER PRIMARY KEY,
    resident_id      INTEGER NOT NULL REFERENCES residents(id),
    role             TEXT NOT NULL CHECK (role IN ('staff', 'officer', 'admin')),
    commune_code     INTEGER REFERENCES communes(code),
    province_code    INTEGER REFERENCES provinces(code),
    granted_at       TEXT NOT NULL,
    granted_by       TEXT NOT NULL,   -- an actor label: 'cli', 'person:N' (earlier 'tg:N')
    revoked_at       TEXT,
    CHECK (
        (role = 'staff' AND commune_code IS NOT NULL AND province_code IS NULL)
        OR (role = 'officer' AND (commune_code IS NULL) <> (province_code IS NULL))
        OR (role = 'admin' AND commune_code IS NULL AND province_code IS NULL)
    )
);
INSERT INTO grants(id, resident_id, role, commune_code, province_code, granted_at, granted_by,
                   revoked_at)
SELECT g.id, p.person, g.role, g.commune_code, g.province_code, g.granted_at, g.granted_by,
       g.revoked_at
FROM grants_old g JOIN people_by_tg p ON p.tg = g.telegram_user_id ORDER BY g.id;
CREATE INDEX grants_user ON grants(resident_id) WHERE revoked_at IS NULL;

-- A person's pending chat step (whatever channel they type on).
CREATE TEMP TABLE chat_states_old AS SELECT * FROM chat_states;
DROP TABLE chat_states;
CREATE TABLE chat_states (
    resident_id INTEGER PRIMARY KEY REFERENCES residents(id),
    state       TEXT NOT NULL CHECK (length(state) BETWEEN 1 AND 40),
    ref         INTEGER NOT NULL,
    question_id TEXT,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL
);
INSERT INTO chat_states(resident_id, state, ref, question_id, data, updated_at)
SELECT p.person, c.state, c.ref, c.question_id, c.data, c.updated_at
FROM chat_states_old c JOIN people_by_tg p ON p.tg = c.telegram_user_id;

-- The FAQ questions a person typed.
CREATE TEMP TABLE faq_asks_old AS SELECT * FROM faq_asks;
DROP TABLE faq_asks;
CREATE TABLE faq_asks (
    id          INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    text        TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('confident', 'unsure', 'none')),
    entry_id    TEXT REFERENCES faq_entries(id) ON DELETE SET NULL,
    asked_at    TEXT NOT NULL
);
INSERT INTO faq_asks(id, resident_id, text, verdict, entry_id, asked_at)
SELECT a.id, p.person, a.text, a.verdict, a.entry_id, a.asked_at
FROM faq_asks_old a JOIN people_by_tg p ON p.tg = a.telegram_user_id ORDER BY a.id;
CREATE INDEX faq_asks_verdict ON faq_asks(verdict);
CREATE INDEX faq_asks_by_person ON faq_asks(resident_id);

-- People whose command menu must be redone at the bot's next start.
CREATE TEMP TABLE menu_dirty_old AS SELECT * FROM menu_dirty;
DROP TABLE menu_dirty;
CREATE TABLE menu_dirty (
    resident_id INTEGER PRIMARY KEY REFERENCES residents(id),
    marked_at   TEXT NOT NULL
);
INSERT INTO menu_dirty(resident_id, marked_at)
SELECT p.person, m.marked_at FROM menu_dirty_old m JOIN people_by_tg p ON p.tg = m.telegram_user_id;

-- Columns that named a staff member or officer by Telegram id now hold their person id
-- (invitations.used_by, faq_questions.answered_by, question_spam.marked_by; 0 stays 0: erased).
UPDATE invitations SET used_by = (SELECT person FROM people_by_tg WHERE tg = used_by)
WHERE used_by IS NOT NULL;
UPDATE faq_questions SET answered_by = (SELECT person FROM people_by_tg WHERE tg = answered_by)
WHERE answered_by IS NOT NULL;
UPDATE question_spam SET marked_by = (SELECT person FROM people_by_tg WHERE tg = marked_by)
WHERE marked_by > 0;

DROP TABLE residents_old;
DROP TABLE grants_old;
DROP TABLE chat_states_old;
DROP TABLE faq_asks_old;
DROP TABLE menu_dirty_old;
DROP TABLE people_by_tg;

-- Survey versions: 1 when added, bumped whenever the stored definition changes; a response
-- records the version it answered (filled in from its round when the insert leaves it out).
ALTER TABLE surveys ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
CREATE TRIGGER surveys_version_bump AFTER UPDATE OF definition ON surveys
WHEN OLD.definition IS NOT NEW.definition
BEGIN
    UPDATE surveys SET version = OLD.version + 1 WHERE id = NEW.id;
END;

-- The channel a response came through: 'chat' (Telegram), 'web' (the e-sheet), 'zalo', 'paper'.
ALTER TABLE responses ADD COLUMN channel TEXT NOT NULL DEFAULT 'chat'
    CHECK (channel IN ('chat', 'web', 'zalo', 'paper'));
ALTER TABLE responses ADD COLUMN survey_version INTEGER;
UPDATE responses SET channel = 'paper' WHERE resident_id IN (
    SELECT resident_id FROM addresses WHERE channel = 'paper');
UPDATE responses SET survey_version = (
    SELECT s.version FROM rounds o JOIN surveys s ON s.id = o.survey_id
    WHERE o.id = responses.round_id);
CREATE TRIGGER responses_survey_version AFTER INSERT ON responses
WHEN NEW.survey_version IS NULL
BEGIN
    UPDATE responses SET survey_version = (
        SELECT s.version FROM rounds o JOIN surveys s ON s.id = o.survey_id
        WHERE o.id = NEW.round_id)
    WHERE id = NEW.id;
END;

-- The holds of migration 0015, told paper from the other channels by responses.channel instead
-- of Telegram-id ranges: a new (or newly completed) non-paper response of a household whose
-- paper sheet is complete and counting is held.
DROP TRIGGER responses_hold_after_paper;
DROP TRIGGER responses_hold_completed_after_paper;

CREATE TRIGGER responses_hold_after_paper AFTER INSERT ON responses
WHEN NEW.hold IS NULL AND NEW.channel <> 'paper' AND EXISTS (
    SELECT 1 FROM residents m JOIN residents s ON s.household_id = m.household_id
    JOIN responses r ON r.resident_id = s.id AND r.round_id = NEW.round_id
    WHERE m.id = NEW.resident_id AND r.channel = 'paper' AND r.completed_at IS NOT NULL
      AND r.hold IS NULL)
BEGIN
    UPDATE responses SET hold = 'conflict' WHERE id = NEW.id;
END;

CREATE TRIGGER responses_hold_completed_after_paper AFTER UPDATE OF completed_at ON responses
WHEN OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL AND NEW.hold IS NULL
  AND NEW.channel <> 'paper' AND EXISTS (
    SELECT 1 FROM residents m JOIN residents s ON s.household_id = m.household_id
    JOIN responses r ON r.resident_id = s.id AND r.round_id = NEW.round_id
    WHERE m.id = NEW.resident_id AND r.channel = 'paper' AND r.completed_at IS NOT NULL
      AND r.hold IS NULL)
BEGIN
    UPDATE responses SET hold = 'conflict' WHERE id = NEW.id;
END;
