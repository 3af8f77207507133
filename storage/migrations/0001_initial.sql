-- Administrative units after the 2025 reform, keyed by official code (mã đơn vị hành chính).
CREATE TABLE provinces (
    code          INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    division_type TEXT NOT NULL
);

CREATE TABLE communes (
    code          INTEGER PRIMARY KEY,
    province_code INTEGER NOT NULL REFERENCES provinces(code),
    name          TEXT NOT NULL,
    name_folded   TEXT NOT NULL,   -- lower case, no diacritics, đ -> d: for search
    division_type TEXT NOT NULL
);
CREATE INDEX communes_by_province ON communes(province_code);

-- The token in a commune's join link (t.me/<bot>?start=j<token>); random, so links are not guessable.
CREATE TABLE join_links (
    token        TEXT PRIMARY KEY,
    commune_code INTEGER NOT NULL UNIQUE REFERENCES communes(code),
    created_at   TEXT NOT NULL
);

CREATE TABLE villages (
    id           INTEGER PRIMARY KEY,
    commune_code INTEGER NOT NULL REFERENCES communes(code),
    name         TEXT NOT NULL,
    UNIQUE (commune_code, name)
);

CREATE TABLE residents (
    id               INTEGER PRIMARY KEY,
    telegram_user_id INTEGER NOT NULL UNIQUE,
    display_name     TEXT NOT NULL DEFAULT '',
    commune_code     INTEGER REFERENCES communes(code),
    village_id       INTEGER REFERENCES villages(id),
    joined_at        TEXT NOT NULL,
    stopped_at       TEXT            -- set by /stop or a 403; NULL means subscribed
);
CREATE INDEX residents_by_commune ON residents(commune_code);

-- What a chat is in the middle of that stored answers cannot tell: typing a commune name
-- (ref = province code) or rewriting a comment (ref = response id, question = its id).
-- The database, not memory, holds it so a restart loses nothing.
CREATE TABLE chat_states (
    telegram_user_id INTEGER PRIMARY KEY,
    state            TEXT NOT NULL CHECK (state IN ('search_commune', 'edit_comment')),
    ref              INTEGER NOT NULL,
    question_id      TEXT,
    updated_at       TEXT NOT NULL
);

-- Group chats the bot has already told that it works in private chats only.
CREATE TABLE group_chats (
    chat_id     INTEGER PRIMARY KEY,
    notified_at TEXT NOT NULL
);

CREATE TABLE surveys (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    definition TEXT NOT NULL,        -- JSON, see surveys.definitions.survey_to_dict
    source     TEXT NOT NULL,        -- 'catalog' or the file it was added from
    added_at   TEXT NOT NULL
);

CREATE TABLE rounds (
    id           INTEGER PRIMARY KEY,
    commune_code INTEGER NOT NULL REFERENCES communes(code),
    survey_id    TEXT NOT NULL REFERENCES surveys(id),
    opens_at     TEXT NOT NULL,
    closes_at    TEXT,               -- planned close; NULL: open until closed by hand
    closed_at    TEXT,               -- actual close by hand
    created_at   TEXT NOT NULL
);
CREATE INDEX rounds_by_commune ON rounds(commune_code);

-- One response per resident and round; answers hang off it.
CREATE TABLE responses (
    id           INTEGER PRIMARY KEY,
    round_id     INTEGER NOT NULL REFERENCES rounds(id),
    resident_id  INTEGER NOT NULL REFERENCES residents(id),
    started_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    completed_at TEXT,
    UNIQUE (round_id, resident_id)
);

CREATE TABLE answers (
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    value_int   INTEGER,             -- scale 0..5, yes/no 1/0
    value_text  TEXT,                -- choice code or comment
    skipped     INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1)),
    answered_at TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id)
);
