-- Watcher: since when a source has been failing (the first error after its last success;
-- NULL while it answers). The "source failed for a day" alert reads it.
ALTER TABLE watcher_sources ADD COLUMN failing_since timestamptz;
