-- Faults (issue 18). Delivery rows get a final state 'unknown' and a count of the restarts
-- that found them in flight: a row caught 'sending' by a crash is sent again once, and one
-- caught a second time is 'unknown' (its call was started at most twice) instead of being
-- sent again at every restart of a crash loop. SQLite cannot change a CHECK in place, so the table is
-- rebuilt (with its transitions, which reference it), keeping every id.

CREATE TEMP TABLE deliveries_old AS SELECT * FROM deliveries;
CREATE TEMP TABLE delivery_transitions_old AS SELECT * FROM delivery_transitions;
DROP TABLE delivery_transitions;
DROP TABLE deliveries;

CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id),
    resident_id   INTEGER NOT NULL REFERENCES residents(id),
    chat_id       INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'queued' CHECK (state IN
                      ('queued', 'sending', 'sent', 'blocked', 'unreachable', 'failed', 'skipped',
                       'unknown')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT,              -- a retry waits until then (429 retry_after, backoff)
    detail        TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL,
    restarts      INTEGER NOT NULL DEFAULT 0,  -- restarts that found the row 'sending'
    UNIQUE (broadcast_id, resident_id)
);
INSERT INTO deliveries(id, broadcast_id, resident_id, chat_id, state, attempts, not_before,
                       detail, updated_at)
SELECT id, broadcast_id, resident_id, chat_id, state, attempts, not_before, detail, updated_at
FROM deliveries_old;
-- The sender claims queued rows in this order: rows a restart found in flight after the others.
CREATE INDEX deliveries_to_claim ON deliveries(broadcast_id, state, restarts);

CREATE TABLE delivery_transitions (
    id           INTEGER PRIMARY KEY,
    delivery_id  INTEGER NOT NULL REFERENCES deliveries(id),
    from_state   TEXT,               -- NULL for the row's creation
    to_state     TEXT NOT NULL,
    at           TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT ''
);
INSERT INTO delivery_transitions(id, delivery_id, from_state, to_state, at, detail)
SELECT id, delivery_id, from_state, to_state, at, detail FROM delivery_transitions_old;
CREATE INDEX delivery_transitions_by_delivery ON delivery_transitions(delivery_id);

CREATE TRIGGER deliveries_created AFTER INSERT ON deliveries
BEGIN
    INSERT INTO delivery_transitions(delivery_id, from_state, to_state, at, detail)
    VALUES (NEW.id, NULL, NEW.state, NEW.updated_at, NEW.detail);
END;

CREATE TRIGGER deliveries_moved AFTER UPDATE OF state ON deliveries
WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO delivery_transitions(delivery_id, from_state, to_state, at, detail)
    VALUES (NEW.id, OLD.state, NEW.state, NEW.updated_at, NEW.detail);
END;

DROP TABLE deliveries_old;
DROP TABLE delivery_transitions_old;

-- Updates python-telegram-bot could not read: skipped (the offset moves past them) and kept
-- here with a short reason, instead of being fetched again in a tight loop.
CREATE TABLE skipped_updates (
    update_id  INTEGER PRIMARY KEY,
    reason     TEXT NOT NULL,
    seen_at    TEXT NOT NULL
);
