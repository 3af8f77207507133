-- What the deployment has learned about itself, one row per key. 'bot_username' is the bot's
-- username as Telegram's getMe answered it when the bot last started: the command line (which
-- runs without the bot) prints join links, invitations and household sheets for that bot.
CREATE TABLE bot_settings (
    key        TEXT PRIMARY KEY CHECK (key IN ('bot_username')),
    value      TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 64),
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
