-- Staff may pause a running broadcast (/broadcast) and resume it later. Kept apart from
-- status, which the sender moves between running and paused (quiet hours) by itself: a held
-- broadcast stays held across quiet hours and restarts until staff resume it.
ALTER TABLE broadcasts ADD COLUMN held_at TEXT;  -- set while staff have paused it (UTC ISO)
