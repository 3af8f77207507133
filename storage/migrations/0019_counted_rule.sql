-- Which response counts for a household, written once (issue 11).
--
-- household_pick holds the rule of migrations 0009, 0013 and 0015: a response counts when it is
-- complete and not held for staff, and, where its resident belongs to a household, when it is
-- the household's pick in its round: the members' (paper-sheet stand-in included) latest
-- completed response that is not held, else their latest updated one (ties: the newest row) --
-- so a household where no member has finished counts nothing yet. The triggers below only say
-- which responses to re-pick and take the flag from the view; `ykien rescore`
-- (storage.scores.rebuild) and the reference reading of the tests (storage.responses) read the
-- same view. The flag triggers of 0009 move a response's answers into or out of the counts.
CREATE VIEW household_pick AS
SELECT r.id, r.round_id,
       r.completed_at IS NOT NULL AND r.hold IS NULL AND (p.household_id IS NULL OR r.id = (
           SELECT r2.id FROM residents p2 JOIN responses r2
           ON r2.resident_id = p2.id AND r2.round_id = r.round_id
           WHERE p2.household_id = p.household_id AND r2.hold IS NULL
           ORDER BY r2.completed_at IS NULL, r2.updated_at DESC, r2.id DESC LIMIT 1)) AS counted
FROM responses r JOIN residents p ON p.id = r.resident_id;

DROP TRIGGER IF EXISTS responses_pick_insert;
DROP TRIGGER IF EXISTS responses_pick_update;
DROP TRIGGER IF EXISTS responses_pick_delete;
DROP TRIGGER IF EXISTS residents_pick_household;

-- A response started, answered, completed or held: its household (or its lone resident)
-- re-picks in its round.
CREATE TRIGGER responses_pick_insert AFTER INSERT ON responses
BEGIN
    UPDATE responses SET counted = (SELECT counted FROM household_pick WHERE id = responses.id)
    WHERE round_id = NEW.round_id AND resident_id IN (
        SELECT id FROM residents WHERE id = NEW.resident_id OR household_id = (
            SELECT household_id FROM residents WHERE id = NEW.resident_id));
END;

CREATE TRIGGER responses_pick_update AFTER UPDATE OF completed_at, updated_at, hold ON responses
BEGIN
    UPDATE responses SET counted = (SELECT counted FROM household_pick WHERE id = responses.id)
    WHERE round_id = NEW.round_id AND resident_id IN (
        SELECT id FROM residents WHERE id = NEW.resident_id OR household_id = (
            SELECT household_id FROM residents WHERE id = NEW.resident_id));
END;

-- A response deleted: another member's response may count instead.
CREATE TRIGGER responses_pick_delete AFTER DELETE ON responses
BEGIN
    UPDATE responses SET counted = (SELECT counted FROM household_pick WHERE id = responses.id)
    WHERE round_id = OLD.round_id AND resident_id IN (
        SELECT id FROM residents WHERE household_id = (
            SELECT household_id FROM residents WHERE id = OLD.resident_id));
END;

-- A member joins, leaves or changes household: both households re-pick in every round.
CREATE TRIGGER residents_pick_household AFTER UPDATE OF household_id ON residents
WHEN OLD.household_id IS NOT NEW.household_id
BEGIN
    UPDATE responses SET counted = (SELECT counted FROM household_pick WHERE id = responses.id)
    WHERE resident_id IN (
        SELECT id FROM residents
        WHERE id = NEW.id OR household_id IN (OLD.household_id, NEW.household_id));
END;

-- The flags as the view gives them (the same as before: the rule has not changed).
UPDATE responses SET counted = (SELECT counted FROM household_pick WHERE id = responses.id)
WHERE counted IS NOT (SELECT counted FROM household_pick WHERE id = responses.id);
