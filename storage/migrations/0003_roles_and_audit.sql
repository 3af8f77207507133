-- Roles (staff of a commune, officer of a province or of listed communes, administrator),
-- one-time invitations that grant them, and an append-only audit log.

CREATE TABLE grants (
    id               INTEGER PRIMARY KEY,
    telegram_user_id INTEGER NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('staff', 'officer', 'admin')),
    commune_code     INTEGER REFERENCES communes(code),
    province_code    INTEGER REFERENCES provinces(code),
    granted_at       TEXT NOT NULL,
    granted_by       TEXT NOT NULL,
    revoked_at       TEXT,
    CHECK (
        (role = 'staff' AND commune_code IS NOT NULL AND province_code IS NULL)
        OR (role = 'officer' AND (commune_code IS NULL) <> (province_code IS NULL))
        OR (role = 'admin' AND commune_code IS NULL AND province_code IS NULL)
    )
);
CREATE INDEX grants_user ON grants(telegram_user_id) WHERE revoked_at IS NULL;

CREATE TABLE invitations (
    id            INTEGER PRIMARY KEY,
    token         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('staff', 'officer')),
    commune_code  INTEGER REFERENCES communes(code),
    province_code INTEGER REFERENCES provinces(code),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    used_by       INTEGER,
    revoked_at    TEXT,
    grant_id      INTEGER REFERENCES grants(id)
);

-- Who did what, where, when, and how it ended. The application only ever inserts here;
-- the triggers make that a property of the database, not a promise of the code.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    commune_code  INTEGER,
    province_code INTEGER,
    outcome       TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    detail        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Pending chat steps belong to more features now (FAQ hand-off, staff replies, wizards):
-- the state name is validated by the domain, and `data` carries a small JSON payload.
CREATE TABLE chat_states_new (
    telegram_user_id INTEGER PRIMARY KEY,
    state            TEXT NOT NULL CHECK (length(state) BETWEEN 1 AND 40),
    ref              INTEGER NOT NULL,
    question_id      TEXT,
    data             TEXT NOT NULL DEFAULT '{}',
    updated_at       TEXT NOT NULL
);
INSERT INTO chat_states_new(telegram_user_id, state, ref, question_id, updated_at)
    SELECT telegram_user_id, state, ref, question_id, updated_at FROM chat_states;
DROP TABLE chat_states;
ALTER TABLE chat_states_new RENAME TO chat_states;
