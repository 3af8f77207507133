-- Broadcasts: one row per message campaign (a round's invitation, a reminder, the result),
-- one delivery row per recipient written before anything is sent, and every state change of
-- a delivery recorded by trigger (so no code path can forget to).

CREATE TABLE broadcasts (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES rounds(id),
    commune_code   INTEGER NOT NULL REFERENCES communes(code),
    kind           TEXT NOT NULL CHECK (kind IN ('invite', 'reminder', 'result')),
    audience       TEXT NOT NULL CHECK (audience IN ('all', 'village', 'nonrespondents')),
    audience_ref   INTEGER,          -- village id, or the earlier round for 'nonrespondents'
    status         TEXT NOT NULL CHECK (status IN
                       ('scheduled', 'running', 'paused', 'done', 'cancelled', 'expired')),
    starts_at      TEXT NOT NULL,    -- not before this (UTC ISO)
    resume_at      TEXT,             -- while paused: when quiet hours or a blackout end
    launch_key     TEXT NOT NULL UNIQUE,  -- one broadcast per launch, however often confirmed
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    started_at     TEXT,
    finished_at    TEXT,
    progress_chat  INTEGER,          -- the staff message edited in place with progress
    progress_msg   INTEGER
);
CREATE INDEX broadcasts_by_round ON broadcasts(round_id);
CREATE INDEX broadcasts_pending ON broadcasts(status) WHERE status IN ('scheduled', 'running', 'paused');

CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id),
    resident_id   INTEGER NOT NULL REFERENCES residents(id),
    chat_id       INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'queued' CHECK (state IN
                      ('queued', 'sending', 'sent', 'blocked', 'unreachable', 'failed', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT,              -- a retry waits until then (429 retry_after, backoff)
    detail        TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL,
    UNIQUE (broadcast_id, resident_id)
);
CREATE INDEX deliveries_by_state ON deliveries(broadcast_id, state);

CREATE TABLE delivery_transitions (
    id           INTEGER PRIMARY KEY,
    delivery_id  INTEGER NOT NULL REFERENCES deliveries(id),
    from_state   TEXT,               -- NULL for the row's creation
    to_state     TEXT NOT NULL,
    at           TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT ''
);
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
