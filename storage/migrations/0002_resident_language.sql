-- The language a resident's Telegram app reports, so replies can follow it (vi by default).
ALTER TABLE residents ADD COLUMN language_code TEXT NOT NULL DEFAULT 'vi'
    CHECK (language_code IN ('vi', 'en'));
