-- Zalo as a channel (issue 13).
-- An Official Account speaks for one commune: a follower who sends no code is greeted in its
-- name and a household code is looked up in it. NULL: an OA not tied to a commune yet (the
-- resident's join code decides).
ALTER TABLE zalo_accounts ADD COLUMN commune_code INTEGER REFERENCES communes(code);

-- When the person last wrote to us on this address (a message, a button press, a follow).
-- Zalo lets an OA send consultation messages only to people who interacted in the last 7 days,
-- and counts free replies from a person's last message: the broadcast preview and the sender
-- read this column. NULL: never seen since this migration (treated as outside the window).
ALTER TABLE addresses ADD COLUMN last_seen_at TEXT;
