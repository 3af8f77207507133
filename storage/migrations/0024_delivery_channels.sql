-- Broadcasts on every channel (issue 13). A delivery row is for a person on one channel
-- address: `channel` ('telegram' or 'zalo') and, off Telegram, `address` (a Zalo address is
-- "<oa id>:<user id>"); Telegram rows keep their id in chat_id (0 on other channels). Two new
-- final states: 'outside_window' (Zalo error 230: the person has not written to the OA in 7
-- days; sent when they next write) and 'quota' (Zalo error -211: the OA's quota is used up;
-- sent when they next write, which makes it a free reply, or later by ZNS). SQLite cannot
-- change a CHECK in place, so the table is rebuilt with its transitions, keeping every id.

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
                       'unknown', 'outside_window', 'quota')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT,              -- a retry waits until then (429 retry_after, backoff)
    detail        TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL,
    restarts      INTEGER NOT NULL DEFAULT 0,  -- restarts that found the row 'sending'
    channel       TEXT NOT NULL DEFAULT 'telegram' CHECK (channel IN ('telegram', 'zalo')),
    address       TEXT NOT NULL DEFAULT '',    -- the Zalo address; '' on Telegram (chat_id)
    UNIQUE (broadcast_id, resident_id)         -- one message per person, on one channel
);
INSERT INTO deliveries(id, broadcast_id, resident_id, chat_id, state, attempts, not_before,
                       detail, updated_at, restarts)
SELECT id, broadcast_id, resident_id, chat_id, state, attempts, not_before, detail, updated_at,
       restarts
FROM deliveries_old;
CREATE INDEX deliveries_to_claim ON deliveries(broadcast_id, state, restarts);
-- A person who writes on Zalo is sent what waited for them: their rows, by person.
CREATE INDEX deliveries_by_person ON deliveries(resident_id, state);

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

-- Erasure (storage.privacy) keeps the broadcast history but not where it went: it sets
-- chat_id to minus the person's id, and with it the Zalo address goes.
CREATE TRIGGER deliveries_erased AFTER UPDATE OF chat_id ON deliveries
WHEN NEW.chat_id < 0 AND NEW.address != ''
BEGIN
    UPDATE deliveries SET address = '' WHERE id = NEW.id;
END;

DROP TABLE deliveries_old;
DROP TABLE delivery_transitions_old;

-- A staff answer to a resident's question, and whether it reached them: NULL while it waits
-- (Zalo outside its window: sent when the resident next writes). Answers given before this
-- migration were delivered (or not) on Telegram at the time: they do not wait.
ALTER TABLE faq_questions ADD COLUMN delivered_at TEXT;
UPDATE faq_questions SET delivered_at = answered_at WHERE answered_at IS NOT NULL;
