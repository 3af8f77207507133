-- Every answer touches its response's updated_at; 0019's responses_pick_update re-picked the
-- household's responses on each of those touches, the most expensive statement of an answer.
-- The pick (household_pick) can only change when the response is, or was, complete: an
-- unfinished response never counts, and it sorts after every finished one, so moving its
-- updated_at or hold changes no flag (where no member has finished, nothing counts at all).
-- The same trigger, fired only then.
DROP TRIGGER IF EXISTS responses_pick_update;

CREATE TRIGGER responses_pick_update AFTER UPDATE OF completed_at, updated_at, hold ON responses
WHEN NEW.completed_at IS NOT NULL OR OLD.completed_at IS NOT NULL
BEGIN
    UPDATE responses SET counted = (SELECT counted FROM household_pick WHERE id = responses.id)
    WHERE round_id = NEW.round_id AND resident_id IN (
        SELECT id FROM residents WHERE id = NEW.resident_id OR household_id = (
            SELECT household_id FROM residents WHERE id = NEW.resident_id));
END;
