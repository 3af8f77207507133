-- Which answers count: only complete responses (issue 15). A response abandoned half-way no
-- longer counts: every scored question of a counted response is answered, so each question's
-- answers equal the respondents and every table adds up. Per household and round the counted
-- response is the members' latest completed one (paper sheet included); a household where no
-- member has finished counts nothing yet. The triggers of 0009_counted_units.sql that re-pick
-- the flag are re-created with the new rule; flipping the flags below moves the answers out of
-- the kept counts through the flag triggers, as any later change does.
--
-- Province thresholds gain MTTQ's coverage rule (share of units surveyed, 70 % by default, 85 %
-- in preset "95") and the floor rule: whether a question under the floor makes the verdict
-- "Chưa đạt" (1) or "Cần chú ý" (0, the default).

ALTER TABLE province_thresholds
    ADD COLUMN coverage REAL NOT NULL DEFAULT 0.7 CHECK (coverage BETWEEN 0 AND 1);
ALTER TABLE province_thresholds
    ADD COLUMN floor_fails INTEGER NOT NULL DEFAULT 0 CHECK (floor_fails IN (0, 1));
UPDATE province_thresholds SET coverage = 0.85 WHERE preset = '95';

DROP TRIGGER responses_pick_insert;
DROP TRIGGER responses_pick_update;
DROP TRIGGER responses_pick_delete;
DROP TRIGGER residents_pick_household;

CREATE TRIGGER responses_pick_insert AFTER INSERT ON responses
BEGIN
    UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
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
    UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
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

CREATE TRIGGER responses_pick_delete AFTER DELETE ON responses
BEGIN
    UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
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

CREATE TRIGGER residents_pick_household AFTER UPDATE OF household_id ON residents
WHEN OLD.household_id IS NOT NEW.household_id
BEGIN
    UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
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

UPDATE responses SET counted = responses.completed_at IS NOT NULL AND coalesce((
        SELECT p.household_id IS NULL OR responses.id = (
            SELECT r2.id FROM residents p2 JOIN responses r2
            ON r2.resident_id = p2.id AND r2.round_id = responses.round_id
            WHERE p2.household_id = p.household_id
            ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1)
        FROM residents p WHERE p.id = responses.resident_id), 1);
