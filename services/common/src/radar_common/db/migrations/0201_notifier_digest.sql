-- Notifier: assessments waiting for a route's daily digest. digest_key names the digest that
-- carries an item once one has claimed it (its notification row uses the key as assessment_id).
CREATE TABLE notifier_digest_items (
    route         text NOT NULL,
    channel       text NOT NULL,
    assessment_id text NOT NULL,
    task_id       text NOT NULL,
    trace_id      text NOT NULL,
    severity      text NOT NULL,
    summary       text NOT NULL,
    status_url    text NOT NULL,
    digest_key    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (route, channel, assessment_id)
);
CREATE INDEX notifier_digest_items_open ON notifier_digest_items (route, channel)
    WHERE digest_key IS NULL;
CREATE INDEX notifier_digest_items_key ON notifier_digest_items (digest_key);
