-- Per round and question, the counted answers by value in one row (v0..v5; n: all of them):
-- a province table reads one row per commune and question instead of one per stored value.
-- Kept from score_counts by triggers on it, so every path that changes the counts (answers,
-- households re-picking, deletions, rescore) keeps this in step too.
CREATE TABLE question_values (
    round_id    INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    n           INTEGER NOT NULL CHECK (n >= 0),
    v0 INTEGER NOT NULL, v1 INTEGER NOT NULL, v2 INTEGER NOT NULL,
    v3 INTEGER NOT NULL, v4 INTEGER NOT NULL, v5 INTEGER NOT NULL,
    PRIMARY KEY (round_id, question_id)
) WITHOUT ROWID;

INSERT INTO question_values(round_id, question_id, n, v0, v1, v2, v3, v4, v5)
SELECT round_id, question_id, sum(n), sum((value = 0) * n), sum((value = 1) * n), sum((value = 2) * n), sum((value = 3) * n), sum((value = 4) * n), sum((value = 5) * n) FROM score_counts GROUP BY 1, 2;

CREATE TRIGGER score_counts_values_insert AFTER INSERT ON score_counts
BEGIN
    INSERT INTO question_values(round_id, question_id, n, v0, v1, v2, v3, v4, v5)
    VALUES (NEW.round_id, NEW.question_id, NEW.n, (NEW.value = 0) * NEW.n, (NEW.value = 1) * NEW.n, (NEW.value = 2) * NEW.n, (NEW.value = 3) * NEW.n, (NEW.value = 4) * NEW.n, (NEW.value = 5) * NEW.n)
    ON CONFLICT DO UPDATE SET n = n + excluded.n, v0 = v0 + excluded.v0, v1 = v1 + excluded.v1, v2 = v2 + excluded.v2, v3 = v3 + excluded.v3, v4 = v4 + excluded.v4, v5 = v5 + excluded.v5;
END;

-- A count row only changes or goes once its (round, question) row exists here.
CREATE TRIGGER score_counts_values_update AFTER UPDATE OF n ON score_counts
BEGIN
    UPDATE question_values SET n = n + (NEW.n - OLD.n), v0 = v0 + (NEW.value = 0) * (NEW.n - OLD.n), v1 = v1 + (NEW.value = 1) * (NEW.n - OLD.n), v2 = v2 + (NEW.value = 2) * (NEW.n - OLD.n), v3 = v3 + (NEW.value = 3) * (NEW.n - OLD.n), v4 = v4 + (NEW.value = 4) * (NEW.n - OLD.n), v5 = v5 + (NEW.value = 5) * (NEW.n - OLD.n)
    WHERE round_id = NEW.round_id AND question_id = NEW.question_id;
    DELETE FROM question_values
    WHERE round_id = NEW.round_id AND question_id = NEW.question_id AND n = 0;
END;

CREATE TRIGGER score_counts_values_delete AFTER DELETE ON score_counts
BEGIN
    UPDATE question_values SET n = n + (-OLD.n), v0 = v0 + (OLD.value = 0) * (-OLD.n), v1 = v1 + (OLD.value = 1) * (-OLD.n), v2 = v2 + (OLD.value = 2) * (-OLD.n), v3 = v3 + (OLD.value = 3) * (-OLD.n), v4 = v4 + (OLD.value = 4) * (-OLD.n), v5 = v5 + (OLD.value = 5) * (-OLD.n)
    WHERE round_id = OLD.round_id AND question_id = OLD.question_id;
    DELETE FROM question_values
    WHERE round_id = OLD.round_id AND question_id = OLD.question_id AND n = 0;
END;
