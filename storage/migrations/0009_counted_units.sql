-- One counted answer per household where household codes are used, every resident elsewhere.
--
-- responses.counted says whether a response's answers are in the kept counts. A resident outside
-- any household: every response counts. A household: exactly one response per round counts, its
-- members' (paper-sheet stand-in included) latest completed response, else the latest updated
-- one (ties: the newest row). Triggers re-pick it in the answer's transaction whenever a response
-- is started, answered, completed or deleted, or a member joins or leaves the household, and a
-- change of the flag moves that response's answers in or out of score_counts and village_counts.
-- commune_counts holds the units a commune is judged on: issued households, and residents
-- outside any household (paper stand-ins belong to their household, so they are never counted).
-- `ykien rescore` (storage.scores.rebuild) computes the same from the stored rows.

DROP TRIGGER answers_count_insert;
DROP TRIGGER answers_count_delete;
DROP TRIGGER answers_count_update;
DROP TRIGGER responses_count_delete;
DROP TRIGGER residents_count_insert;
DROP TRIGGER residents_count_delete;
DROP TRIGGER residents_count_move;

ALTER TABLE responses ADD COLUMN counted INTEGER NOT NULL DEFAULT 0 CHECK (counted IN (0, 1));
CREATE INDEX responses_by_resident ON responses(resident_id);
CREATE INDEX residents_by_household ON residents(household_id);

DROP TABLE commune_counts;
CREATE TABLE commune_counts (
    commune_code INTEGER PRIMARY KEY,
    residents    INTEGER NOT NULL CHECK (residents >= 0),  -- outside any household
    households   INTEGER NOT NULL CHECK (households >= 0)  -- issued household codes
) WITHOUT ROWID;

-- Existing databases: the same rebuild as `ykien rescore`.
UPDATE responses SET counted = coalesce((
    SELECT p.household_id IS NULL OR responses.id = (
        SELECT r2.id FROM residents p2 JOIN responses r2
        ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
        WHERE p2.household_id = p.household_id
        ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1)
    FROM residents p WHERE p.id = responses.resident_id), 1);
DELETE FROM score_counts;
DELETE FROM village_counts;
INSERT INTO score_counts(round_id, question_id, value, n)
SELECT r.round_id, a.question_id, a.value_int, count(*) FROM answers a
JOIN responses r ON r.id = a.response_id
WHERE r.counted = 1 AND a.skipped = 0 AND a.value_int IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO village_counts(round_id, village_id, question_id, value, n)
SELECT r.round_id, coalesce(r.village_id, 0), a.question_id, a.value_int, count(*) FROM answers a
JOIN responses r ON r.id = a.response_id
WHERE r.counted = 1 AND a.skipped = 0 AND a.value_int IS NOT NULL GROUP BY 1, 2, 3, 4;
INSERT INTO commune_counts(commune_code, residents, households)
SELECT code, (SELECT count(*) FROM residents WHERE commune_code = code AND household_id IS NULL),
       (SELECT count(*) FROM households WHERE commune_code = code)
FROM communes WHERE code IN (SELECT commune_code FROM residents UNION SELECT commune_code FROM households);
DELETE FROM commune_counts WHERE residents = 0 AND households = 0;

-- Which response counts: re-picked for the household (or the lone resident) of a response.
CREATE TRIGGER responses_pick_insert AFTER INSERT ON responses
BEGIN
    UPDATE responses SET counted = coalesce((
        SELECT p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1)
        FROM residents p WHERE p.id = responses.resident_id), 1)
    WHERE round_id = NEW.round_id AND resident_id IN (
        SELECT id FROM residents WHERE id = NEW.resident_id OR household_id = (
            SELECT household_id FROM residents WHERE id = NEW.resident_id));
END;

CREATE TRIGGER responses_pick_update AFTER UPDATE OF completed_at, updated_at ON responses
BEGIN
    UPDATE responses SET counted = coalesce((
        SELECT p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1)
        FROM residents p WHERE p.id = responses.resident_id), 1)
    WHERE round_id = NEW.round_id AND resident_id IN (
        SELECT id FROM residents WHERE id = NEW.resident_id OR household_id = (
            SELECT household_id FROM residents WHERE id = NEW.resident_id));
END;

-- A deleted response: its answers leave the counts (before the cascade takes them), then another
-- member's response may count instead.
CREATE TRIGGER responses_count_delete BEFORE DELETE ON responses
WHEN OLD.counted = 1
BEGIN
    UPDATE score_counts SET n = n - 1
    WHERE round_id = OLD.round_id AND (question_id, value) IN (
        SELECT question_id, value_int FROM answers
        WHERE response_id = OLD.id AND skipped = 0 AND value_int IS NOT NULL);
    UPDATE village_counts SET n = n - 1
    WHERE round_id = OLD.round_id AND village_id = coalesce(OLD.village_id, 0)
      AND (question_id, value) IN (
        SELECT question_id, value_int FROM answers
        WHERE response_id = OLD.id AND skipped = 0 AND value_int IS NOT NULL);
    DELETE FROM score_counts WHERE round_id = OLD.round_id AND n = 0;
    DELETE FROM village_counts WHERE round_id = OLD.round_id AND n = 0;
END;

CREATE TRIGGER responses_pick_delete AFTER DELETE ON responses
BEGIN
    UPDATE responses SET counted = coalesce((
        SELECT p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1)
        FROM residents p WHERE p.id = responses.resident_id), 1)
    WHERE round_id = OLD.round_id AND resident_id IN (
        SELECT id FROM residents WHERE household_id = (
            SELECT household_id FROM residents WHERE id = OLD.resident_id));
END;

-- A member joins, leaves or changes household: both households re-pick in every round.
CREATE TRIGGER residents_pick_household AFTER UPDATE OF household_id ON residents
WHEN OLD.household_id IS NOT NEW.household_id
BEGIN
    UPDATE responses SET counted = coalesce((
        SELECT p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1)
        FROM residents p WHERE p.id = responses.resident_id), 1)
    WHERE resident_id IN (
        SELECT id FROM residents
        WHERE id = NEW.id OR household_id IN (OLD.household_id, NEW.household_id));
END;

-- The flag moved: the response's answers go into or out of the counts.
CREATE TRIGGER responses_counted_on AFTER UPDATE OF counted ON responses
WHEN OLD.counted = 0 AND NEW.counted = 1
BEGIN
    INSERT INTO score_counts(round_id, question_id, value, n)
    SELECT NEW.round_id, question_id, value_int, 1 FROM answers
    WHERE response_id = NEW.id AND skipped = 0 AND value_int IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO village_counts(round_id, village_id, question_id, value, n)
    SELECT NEW.round_id, coalesce(NEW.village_id, 0), question_id, value_int, 1 FROM answers
    WHERE response_id = NEW.id AND skipped = 0 AND value_int IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER responses_counted_off AFTER UPDATE OF counted ON responses
WHEN OLD.counted = 1 AND NEW.counted = 0
BEGIN
    UPDATE score_counts SET n = n - 1
    WHERE round_id = NEW.round_id AND (question_id, value) IN (
        SELECT question_id, value_int FROM answers
        WHERE response_id = NEW.id AND skipped = 0 AND value_int IS NOT NULL);
    UPDATE village_counts SET n = n - 1
    WHERE round_id = NEW.round_id AND village_id = coalesce(NEW.village_id, 0)
      AND (question_id, value) IN (
        SELECT question_id, value_int FROM answers
        WHERE response_id = NEW.id AND skipped = 0 AND value_int IS NOT NULL);
    DELETE FROM score_counts WHERE round_id = NEW.round_id AND n = 0;
    DELETE FROM village_counts WHERE round_id = NEW.round_id AND n = 0;
END;

-- Answers of a counted response, as before (migration 0006), now only when it counts.
CREATE TRIGGER answers_count_insert AFTER INSERT ON answers
WHEN NEW.skipped = 0 AND NEW.value_int IS NOT NULL
 AND (SELECT counted FROM responses WHERE id = NEW.response_id) = 1
BEGIN
    INSERT INTO score_counts(round_id, question_id, value, n)
    SELECT round_id, NEW.question_id, NEW.value_int, 1 FROM responses WHERE id = NEW.response_id
    ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO village_counts(round_id, village_id, question_id, value, n)
    SELECT round_id, coalesce(village_id, 0), NEW.question_id, NEW.value_int, 1
    FROM responses WHERE id = NEW.response_id
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- An answer deleted on its own (when its response is deleted, nothing matches here:
-- responses_count_delete has taken the answers off).
CREATE TRIGGER answers_count_delete AFTER DELETE ON answers
WHEN OLD.skipped = 0 AND OLD.value_int IS NOT NULL
 AND (SELECT counted FROM responses WHERE id = OLD.response_id) = 1
BEGIN
    UPDATE score_counts SET n = n - 1
    WHERE round_id = (SELECT round_id FROM responses WHERE id = OLD.response_id)
      AND question_id = OLD.question_id AND value = OLD.value_int;
    UPDATE village_counts SET n = n - 1
    WHERE (round_id, village_id) = (SELECT round_id, coalesce(village_id, 0) FROM responses
                                    WHERE id = OLD.response_id)
      AND question_id = OLD.question_id AND value = OLD.value_int;
    DELETE FROM score_counts WHERE n = 0
      AND round_id = (SELECT round_id FROM responses WHERE id = OLD.response_id);
    DELETE FROM village_counts WHERE n = 0
      AND round_id = (SELECT round_id FROM responses WHERE id = OLD.response_id);
END;

CREATE TRIGGER answers_count_update AFTER UPDATE OF value_int, skipped ON answers
WHEN (SELECT counted FROM responses WHERE id = NEW.response_id) = 1
BEGIN
    UPDATE score_counts SET n = n - 1
    WHERE OLD.skipped = 0 AND OLD.value_int IS NOT NULL
      AND round_id = (SELECT round_id FROM responses WHERE id = OLD.response_id)
      AND question_id = OLD.question_id AND value = OLD.value_int;
    UPDATE village_counts SET n = n - 1
    WHERE OLD.skipped = 0 AND OLD.value_int IS NOT NULL
      AND (round_id, village_id) = (SELECT round_id, coalesce(village_id, 0) FROM responses
                                    WHERE id = OLD.response_id)
      AND question_id = OLD.question_id AND value = OLD.value_int;
    DELETE FROM score_counts WHERE n = 0
      AND round_id = (SELECT round_id FROM responses WHERE id = OLD.response_id);
    DELETE FROM village_counts WHERE n = 0
      AND round_id = (SELECT round_id FROM responses WHERE id = OLD.response_id);
    INSERT INTO score_counts(round_id, question_id, value, n)
    SELECT round_id, NEW.question_id, NEW.value_int, 1 FROM responses
    WHERE id = NEW.response_id AND NEW.skipped = 0 AND NEW.value_int IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO village_counts(round_id, village_id, question_id, value, n)
    SELECT round_id, coalesce(village_id, 0), NEW.question_id, NEW.value_int, 1
    FROM responses WHERE id = NEW.response_id AND NEW.skipped = 0 AND NEW.value_int IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Units: residents outside any household, and issued households.
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

CREATE TRIGGER households_units_insert AFTER INSERT ON households
BEGIN
    INSERT INTO commune_counts(commune_code, residents, households) VALUES (NEW.commune_code, 0, 1)
    ON CONFLICT DO UPDATE SET households = households + 1;
END;

CREATE TRIGGER households_units_delete AFTER DELETE ON households
BEGIN
    UPDATE commune_counts SET households = households - 1 WHERE commune_code = OLD.commune_code;
END;
