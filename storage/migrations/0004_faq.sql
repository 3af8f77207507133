-- The FAQ (categories and entries, shipped or added by staff), what residents asked and how it
-- was matched, their feedback on answers, and each commune's queue of questions for a person.

CREATE TABLE faq_categories (
    id    TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 20),
    title TEXT NOT NULL,
    ord   INTEGER NOT NULL
);

CREATE TABLE faq_entries (
    id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 3 AND 40),
    category_id TEXT NOT NULL REFERENCES faq_categories(id),
    questions   TEXT NOT NULL,  -- JSON list of phrasings
    answer      TEXT NOT NULL CHECK (length(answer) BETWEEN 1 AND 900),
    source      TEXT NOT NULL DEFAULT '',
    reviewed    TEXT NOT NULL,  -- ISO date
    origin      TEXT NOT NULL CHECK (origin IN ('package', 'import', 'staff')),
    updated_at  TEXT NOT NULL
);

-- One row per free-text question: the matcher's verdict, for feedback buttons and for review.
CREATE TABLE faq_asks (
    id               INTEGER PRIMARY KEY,
    telegram_user_id INTEGER NOT NULL,
    text             TEXT NOT NULL,
    verdict          TEXT NOT NULL CHECK (verdict IN ('confident', 'unsure', 'none')),
    entry_id         TEXT REFERENCES faq_entries(id) ON DELETE SET NULL,
    asked_at         TEXT NOT NULL
);
CREATE INDEX faq_asks_verdict ON faq_asks(verdict);

CREATE TABLE faq_feedback (
    ask_id           INTEGER PRIMARY KEY REFERENCES faq_asks(id),
    entry_id         TEXT NOT NULL REFERENCES faq_entries(id) ON DELETE CASCADE,
    helpful          INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    at               TEXT NOT NULL
);

-- Questions sent to a commune for a person to answer; answered once.
CREATE TABLE faq_questions (
    id            INTEGER PRIMARY KEY,
    ask_id        INTEGER NOT NULL UNIQUE REFERENCES faq_asks(id),
    commune_code  INTEGER NOT NULL REFERENCES communes(code),
    resident_id   INTEGER NOT NULL REFERENCES residents(id),
    text          TEXT NOT NULL,
    asked_at      TEXT NOT NULL,
    answer        TEXT CHECK (answer IS NULL OR length(answer) BETWEEN 1 AND 900),
    answered_by   INTEGER,
    answered_at   TEXT,
    entry_id      TEXT REFERENCES faq_entries(id) ON DELETE SET NULL,
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX faq_questions_open ON faq_questions(commune_code, asked_at) WHERE answer IS NULL;
