-- The skeleton's records: one assessment per notice, one notification per (assessment, channel).
CREATE TABLE assessments (
    assessment_id text PRIMARY KEY,
    notice_id     text NOT NULL UNIQUE,
    task_id       text NOT NULL,
    trace_id      text NOT NULL,
    mpn           text NOT NULL,
    severity      text NOT NULL,
    engine        text NOT NULL,
    body          jsonb NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessments_mpn ON assessments (mpn);
CREATE INDEX assessments_task ON assessments (task_id);

CREATE TABLE notifications (
    notification_id text PRIMARY KEY,
    assessment_id   text NOT NULL,
    task_id         text NOT NULL,
    trace_id        text NOT NULL,
    channel         text NOT NULL,
    state           text NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'dead', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (assessment_id, channel)
);
CREATE INDEX notifications_task ON notifications (task_id);
