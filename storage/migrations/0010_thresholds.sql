-- Verdict thresholds chosen by a province (`ykien thresholds set`); a province without a row
-- uses the deployment's defaults (overall >= 90 %, every question >= 70 %).
CREATE TABLE province_thresholds (
    province_code  INTEGER PRIMARY KEY REFERENCES provinces(code),
    preset         TEXT,              -- '90', '95', or NULL when set figure by figure
    overall        REAL NOT NULL CHECK (overall BETWEEN 0.5 AND 1),
    question_floor REAL NOT NULL CHECK (question_floor BETWEEN 0 AND 1),
    fail_below     REAL NOT NULL CHECK (fail_below BETWEEN 0 AND overall),
    margin         REAL NOT NULL CHECK (margin > 0 AND margin < 1),
    set_at         TEXT NOT NULL
);
