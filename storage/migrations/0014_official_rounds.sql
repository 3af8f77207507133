-- A round the commune's Fatherland Front runs as its official survey (`ykien round open
-- --official`); every other round's figures are printed as "Kết quả tham khảo" (indicative).
ALTER TABLE rounds ADD COLUMN official INTEGER NOT NULL DEFAULT 0 CHECK (official IN (0, 1));
