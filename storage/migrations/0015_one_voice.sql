-- One person, one household, one voice (issue 17).
--
-- responses.voter_key: HMAC-SHA256 under the deployment's pseudonym key of the round and the
-- channel address (surveys.pseudonym.voter_key). It stays on a response after /deletedata, so a
-- person who erases, rejoins and answers again in the same round replaces their detached
-- response instead of counting twice; without the key nobody can link it to the address, and it
-- differs from round to round.
ALTER TABLE responses ADD COLUMN voter_key TEXT;
CREATE UNIQUE INDEX responses_by_voter ON responses(round_id, voter_key)
WHERE voter_key IS NOT NULL;

-- responses.hold: a chat answer of a household whose paper sheet was already complete in the
-- round is held ('conflict') and never counts until staff decide; 'set_aside' is the answer staff
-- did not take (the chat answer when they keep the paper sheet, or the paper sheet when they
-- take the chat answer). A held response is out of the household pick.
ALTER TABLE responses ADD COLUMN hold TEXT CHECK (hold IN ('conflict', 'set_aside'));

-- A chat member's new response, where the household's paper sheet is complete: held.
CREATE TRIGGER responses_hold_after_paper AFTER INSERT ON responses
WHEN NEW.hold IS NULL AND EXISTS (
    SELECT 1 FROM residents m JOIN residents s ON s.household_id = m.household_id
    JOIN responses r ON r.resident_id = s.id AND r.round_id = NEW.round_id
    WHERE m.id = NEW.resident_id AND m.telegram_user_id > -1000000000000
      AND s.telegram_user_id <= -1000000000000 AND r.completed_at IS NOT NULL
      AND r.hold IS NULL)
BEGIN
    UPDATE responses SET hold = 'conflict' WHERE id = NEW.id;
END;

-- The same when a chat answer started before the paper sheet is completed after it.
CREATE TRIGGER responses_hold_completed_after_paper AFTER UPDATE OF completed_at ON responses
WHEN OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL AND NEW.hold IS NULL AND EXISTS (
    SELECT 1 FROM residents m JOIN residents s ON s.household_id = m.household_id
    JOIN responses r ON r.resident_id = s.id AND r.round_id = NEW.round_id
    WHERE m.id = NEW.resident_id AND m.telegram_user_id > -1000000000000
      AND s.telegram_user_id <= -1000000000000 AND r.completed_at IS NOT NULL
      AND r.hold IS NULL)
BEGIN
    UPDATE responses SET hold = 'conflict' WHERE id = NEW.id;
END;

-- The household pick of migrations 0009 and 0013 (complete responses only), leaving held
-- responses out.
DROP TRIGGER responses_pick_insert;
DROP TRIGGER responses_pick_update;
DROP TRIGGER responses_pick_delete;
DROP TRIGGER residents_pick_household;

CREATE TRIGGER responses_pick_insert AFTER INSERT ON responses
BEGIN
    UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
        SELECT responses.hold IS NULL AND (p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id AND r2.hold IS NULL
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1))
        FROM residents p WHERE p.id = responses.resident_id), 1)
    WHERE round_id = NEW.round_id AND resident_id IN (
        SELECT id FROM residents WHERE id = NEW.resident_id OR household_id = (
            SELECT household_id FROM residents WHERE id = NEW.resident_id));
END;

CREATE TRIGGER responses_pick_update AFTER UPDATE OF completed_at, updated_at, hold ON responses
BEGIN
    UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
        SELECT responses.hold IS NULL AND (p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id AND r2.hold IS NULL
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1))
        FROM residents p WHERE p.id = responses.resident_id), 1)
    WHERE round_id = NEW.round_id AND resident_id IN (
        SELECT id FROM residents WHERE id = NEW.resident_id OR household_id = (
            SELECT household_id FROM residents WHERE id = NEW.resident_id));
END;

CREATE TRIGGER responses_pick_delete AFTER DELETE ON responses
BEGIN
    UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
        SELECT responses.hold IS NULL AND (p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id AND r2.hold IS NULL
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1))
        FROM residents p WHERE p.id = responses.resident_id), 1)
    WHERE round_id = OLD.round_id AND resident_id IN (
        SELECT id FROM residents WHERE household_id = (
            SELECT household_id FROM residents WHERE id = OLD.resident_id));
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

-- Residents' own actions (a refused staff command, ...) are counted per local day, action and
-- outcome, not appended one by one to the audit log, which keeps what staff, officers and the
-- operator do: a resident cannot grow the append-only log.
CREATE TABLE resident_actions (
    day     TEXT NOT NULL,   -- YYYY-MM-DD, Vietnam time
    action  TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n       INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (day, action, outcome)
) WITHOUT ROWID;

-- Senders staff marked as spam in /questions: their questions stay stored (and in /mydata) but
-- are not shown to staff; the operator lifts a mark (`ykien spam unmark ID`).
CREATE TABLE question_spam (
    id          INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL UNIQUE REFERENCES residents(id),
    marked_by   INTEGER NOT NULL,   -- the staff member's Telegram id
    marked_at   TEXT NOT NULL
);
