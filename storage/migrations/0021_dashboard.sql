-- The officers' and staff's dashboard (issue 14): one-time sign-in links and browser sessions.
--
-- Both secrets (32 random bytes each) are stored only as their SHA-256. A link or a session
-- belongs to a role holder (the person, residents.id, the grants are keyed by); `grant_id` is
-- the role a command-line link was made for (NULL from chat, or for a configured administrator):
-- the session ends when that role is revoked, or when the person holds no role at all.
CREATE TABLE dashboard_links (
    secret_hash      TEXT PRIMARY KEY,
    resident_id      INTEGER NOT NULL REFERENCES residents(id),
    grant_id         INTEGER REFERENCES grants(id),
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    used_at          TEXT
) WITHOUT ROWID;

CREATE TABLE dashboard_sessions (
    token_hash       TEXT PRIMARY KEY,
    resident_id      INTEGER NOT NULL REFERENCES residents(id),
    grant_id         INTEGER REFERENCES grants(id),
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    ended_at         TEXT
) WITHOUT ROWID;
