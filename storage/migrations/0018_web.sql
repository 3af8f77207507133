-- The web e-sheet (issue 12): browser sessions, wrong-code lockouts, final submits.
--
-- web_sessions: a browser's random cookie, stored only as its SHA-256, bound to the one
-- household whose code it opened (NULL before a code is given). Nothing about the person:
-- no address, no user agent, no IP; a new code in the same browser rebinds it.
CREATE TABLE web_sessions (
    token_hash   TEXT PRIMARY KEY,
    household_id INTEGER REFERENCES households(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    seen_at      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_by_household ON web_sessions(household_id);

-- Wrong household codes per browser (key: its token hash) and per commune (key: its code),
-- counted over a window; `locked_until` set when the count reaches the limit.
CREATE TABLE web_failures (
    scope        TEXT NOT NULL CHECK (scope IN ('browser', 'commune')),
    key          TEXT NOT NULL,
    window_start TEXT NOT NULL,
    failures     INTEGER NOT NULL CHECK (failures > 0),
    locked_until TEXT,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

-- The household's final "Gửi phiếu" on the web: the first one is kept (a replay changes nothing).
CREATE TABLE web_submits (
    response_id  INTEGER PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
    submitted_at TEXT NOT NULL
);
