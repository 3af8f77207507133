-- Scores kept up to date as answers arrive: counts per round, question and stored value (and per
-- village), and registered residents per commune. Triggers maintain them inside the transaction
-- that writes the answer, so a summary reads a few hundred rows whatever the number of answers,
-- and no write path (answering, changing, deleting a response, a cascade) can forget them.
-- They are derived data: `ykien rescore` (storage.scores.rebuild) recomputes them from answers.

-- The village a response was given from, fixed when the response starts, so that moving to
-- another village later does not move old answers between villages.
ALTER TABLE responses ADD COLUMN village_id INTEGER REFERENCES villages(id);
UPDATE responses SET village_id = (SELECT village_id FROM residents WHERE id = resident_id);

CREATE TRIGGER responses_village AFTER INSERT ON responses
WHEN NEW.village_id IS NULL
BEGIN
    UPDATE responses SET village_id = (SELECT village_id FROM residents WHERE id = NEW.resident_id)
    WHERE id = NEW.id;
END;

-- value: value_int of a counted answer (not skipped, not NULL). Rows that fall to 0 are deleted
-- by the trigger that decremented them.
CREATE TABLE score_counts (
    round_id    INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    value       INTEGER NOT NULL,
    n           INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (round_id, question_id, value)
) WITHOUT ROWID;

-- village_id 0: residents who had not chosen a village when they started.
CREATE TABLE village_counts (
    round_id    INTEGER NOT NULL,
    village_id  INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    value       INTEGER NOT NULL,
    n           INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (round_id, village_id, question_id, value)
) WITHOUT ROWID;

-- Registered residents per commune: N of the sampling rule.
CREATE TABLE commune_counts (
    commune_code INTEGER PRIMARY KEY,
    residents    INTEGER NOT NULL CHECK (residents >= 0)
) WITHOUT ROWID;

CREATE TRIGGER answers_count_insert AFTER INSERT ON answers
WHEN NEW.skipped = 0 AND NEW.value_int IS NOT NULL
BEGIN
    INSERT INTO score_counts(round_id, question_id, value, n)
    SELECT round_id, NEW.question_id, NEW.value_int, 1 FROM responses WHERE id = NEW.response_id
    ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO village_counts(round_id, village_id, question_id, value, n)
    SELECT round_id, coalesce(village_id, 0), NEW.question_id, NEW.value_int, 1
    FROM responses WHERE id = NEW.response_id
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- An answer deleted on its own. When its whole response is deleted the response row is already
-- gone here (cascade), so nothing matches: responses_count_delete has taken the answers off.
CREATE TRIGGER answers_count_delete AFTER DELETE ON answers
WHEN OLD.skipped = 0 AND OLD.value_int IS NOT NULL
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

-- A changed answer (the upsert's DO UPDATE): the old value out, the new one in.
CREATE TRIGGER answers_count_update AFTER UPDATE OF value_int, skipped ON answers
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

-- A whole response deleted (a resident's data erased): its answers leave the counts first.
CREATE TRIGGER responses_count_delete BEFORE DELETE ON responses
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

CREATE TRIGGER residents_count_insert AFTER INSERT ON residents
WHEN NEW.commune_code IS NOT NULL
BEGIN
    INSERT INTO commune_counts(commune_code, residents) VALUES (NEW.commune_code, 1)
    ON CONFLICT DO UPDATE SET residents = residents + 1;
END;

CREATE TRIGGER residents_count_delete AFTER DELETE ON residents
WHEN OLD.commune_code IS NOT NULL
BEGIN
    UPDATE commune_counts SET residents = residents - 1 WHERE commune_code = OLD.commune_code;
END;

CREATE TRIGGER residents_count_move AFTER UPDATE OF commune_code ON residents
WHEN OLD.commune_code IS NOT NEW.commune_code
BEGIN
    UPDATE commune_counts SET residents = residents - 1 WHERE commune_code = OLD.commune_code;
    INSERT INTO commune_counts(commune_code, residents)
    SELECT NEW.commune_code, 1 WHERE NEW.commune_code IS NOT NULL
    ON CONFLICT DO UPDATE SET residents = residents + 1;
END;

-- Existing databases: the same rebuild as `ykien rescore`.
INSERT INTO score_counts(round_id, question_id, value, n)
SELECT r.round_id, a.question_id, a.value_int, count(*) FROM answers a
JOIN responses r ON r.id = a.response_id
WHERE a.skipped = 0 AND a.value_int IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO village_counts(round_id, village_id, question_id, value, n)
SELECT r.round_id, coalesce(r.village_id, 0), a.question_id, a.value_int, count(*) FROM answers a
JOIN responses r ON r.id = a.response_id
WHERE a.skipped = 0 AND a.value_int IS NOT NULL GROUP BY 1, 2, 3, 4;
INSERT INTO commune_counts(commune_code, residents)
SELECT commune_code, count(*) FROM residents WHERE commune_code IS NOT NULL GROUP BY 1;
