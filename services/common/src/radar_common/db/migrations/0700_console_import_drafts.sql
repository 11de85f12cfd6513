-- The console's catalog uploads between "upload" and "import": the files as uploaded, so that
-- the user can map columns and preview errors before anything reaches the catalog tables.
-- Only the person who uploaded a draft sees it; drafts are dropped after a day.
CREATE TABLE IF NOT EXISTS console_import_drafts (
    id uuid PRIMARY KEY,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    file_names text[] NOT NULL,
    file_contents bytea[] NOT NULL
);
CREATE INDEX IF NOT EXISTS console_import_drafts_created_at ON console_import_drafts (created_at);
