-- Zalo Official Accounts this deployment sends through, one row per OA (ids are per OA).
-- The tokens are secrets like the pseudonym key: backups hold them. The refresh token works
-- once: it is replaced in the same transaction that used it (storage.zalo.rotate_tokens).
-- refresh_error is Zalo's error code or name for the last failed refresh, never a token.
CREATE TABLE zalo_accounts (
    oa_id              TEXT PRIMARY KEY CHECK (length(oa_id) BETWEEN 1 AND 64),
    app_id             TEXT NOT NULL CHECK (length(app_id) BETWEEN 1 AND 64),
    app_secret         TEXT NOT NULL CHECK (length(app_secret) > 0),
    oa_secret          TEXT NOT NULL CHECK (length(oa_secret) > 0),
    access_token       TEXT NOT NULL CHECK (length(access_token) > 0),
    refresh_token      TEXT NOT NULL CHECK (length(refresh_token) > 0),
    access_expires_at  TEXT NOT NULL,
    refresh_expires_at TEXT NOT NULL,
    connected_at       TEXT NOT NULL,
    refreshed_at       TEXT,
    refresh_failed_at  TEXT,
    refresh_error      TEXT
) WITHOUT ROWID;

-- Webhook events as they arrived, verified and parsed, before any work is done on them: the
-- webhook answers Zalo once the row is committed, and a worker handles the rows in order.
-- Zalo retries deliveries, so one event can arrive twice: event_key (the msg_id, or for a
-- follow or unfollow the event, user and time) makes the second arrival a no-op.
CREATE TABLE zalo_inbox (
    id          INTEGER PRIMARY KEY,
    event_key   TEXT NOT NULL UNIQUE,
    oa_id       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'button', 'follow', 'unfollow')),
    user_id     TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',  -- the text or the button payload
    sent_at     TEXT NOT NULL,  -- Zalo's timestamp
    received_at TEXT NOT NULL,
    handled_at  TEXT
);
CREATE INDEX zalo_inbox_pending ON zalo_inbox(id) WHERE handled_at IS NULL;
