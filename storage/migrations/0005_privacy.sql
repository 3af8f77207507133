-- Invitations for several communes (an officer of listed communes, staff of more than one),
-- chats whose command menu must be redone at the bot's next start, and erased identities.

CREATE TABLE invitation_communes (
    invitation_id INTEGER NOT NULL REFERENCES invitations(id),
    commune_code  INTEGER NOT NULL REFERENCES communes(code),
    PRIMARY KEY (invitation_id, commune_code)
);

-- A grant or revocation made outside the chat (the command line) marks the person here;
-- the bot sets their per-chat command menu at its next start and removes the mark.
CREATE TABLE menu_dirty (
    telegram_user_id INTEGER PRIMARY KEY,
    marked_at        TEXT NOT NULL
);

-- Set when a resident's identity was removed (/deletedata or the retention period); the row
-- stays, with no Telegram id or name, so the answers still count as anonymous answers.
ALTER TABLE residents ADD COLUMN erased_at TEXT;

-- Households (hộ gia đình): a code printed on a paper sheet for the village front committee to
-- hand out; every member who opens its link is bound to the household, village and commune.
CREATE TABLE households (
    id           INTEGER PRIMARY KEY,
    commune_code INTEGER NOT NULL REFERENCES communes(code),
    village_id   INTEGER NOT NULL REFERENCES villages(id),
    code         TEXT NOT NULL UNIQUE,   -- short, unambiguous, typed by staff for paper sheets
    issued_at    TEXT NOT NULL
);
CREATE INDEX households_by_village ON households(village_id);
ALTER TABLE residents ADD COLUMN household_id INTEGER REFERENCES households(id);
