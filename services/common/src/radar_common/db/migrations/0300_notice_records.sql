-- Notices as first-class records (radar_common.notices): one row per notice and orderable part,
-- however many times and from however many sources it arrives; every arrival, every revision of
-- its facts and every write kept; the latest assessment linked.

CREATE TABLE notices (
    record_id          text PRIMARY KEY,
    -- radar_common.notices.identity: 'n|<maker>|<number>|<mpn>' or the fallback
    -- 'f|<maker>|<mpn>|<kind>|<stated dates>' when the notice has no number.
    identity_key       text NOT NULL UNIQUE,
    manufacturer_key   text NOT NULL,
    mpn_key            text NOT NULL,
    number_key         text NOT NULL DEFAULT '',
    -- The current facts (radar_common.notices.facts.NoticeFacts) and the columns lists filter on.
    facts              jsonb NOT NULL,
    mpn                text NOT NULL,
    manufacturer       text NOT NULL DEFAULT '',
    notice_number      text NOT NULL DEFAULT '',
    notice_kind        text NOT NULL DEFAULT '',
    state              text NOT NULL DEFAULT 'new'
        CHECK (state IN ('new', 'needs_review', 'acknowledged', 'decided', 'closed')),
    review             text NOT NULL DEFAULT ''
        CHECK (review IN ('', 'pending', 'confirmed', 'corrected')),
    review_reasons     text[] NOT NULL DEFAULT '{}',
    confidence         double precision NOT NULL DEFAULT 0,
    field_confidence   jsonb NOT NULL DEFAULT '{}',
    -- Evidence of every field (snippet, location, attachment, page, table, row, line, confidence)
    -- and every part-number mention with its role, from the arrival the facts came from.
    evidence           jsonb NOT NULL DEFAULT '[]',
    mentions           jsonb NOT NULL DEFAULT '[]',
    owner              text NOT NULL DEFAULT '',
    decision           jsonb,
    closed_reason      text NOT NULL DEFAULT '',
    facts_version      integer NOT NULL DEFAULT 1,
    -- Bumped by every write: the ETag of GET /v1/notices/{id}, checked by If-Match.
    version            integer NOT NULL DEFAULT 1,
    sources_count      integer NOT NULL DEFAULT 1,
    received_on        date NOT NULL,
    -- The first day the current LTB date was known (no reminder for an offset already past then).
    ltb_since          date,
    -- The latest assessment, for lists and to tell what changed at the next one.
    assessment_id      text,
    assessed_facts_version integer NOT NULL DEFAULT 0,
    inputs_fingerprint text NOT NULL DEFAULT '',
    as_of              date,
    severity           text NOT NULL DEFAULT '',
    recommended_action text NOT NULL DEFAULT '',
    effective_ltb      date,
    ltb_passed         boolean NOT NULL DEFAULT false,
    ltb_quantity       bigint NOT NULL DEFAULT 0,
    ltb_cost           numeric NOT NULL DEFAULT 0,
    revenue_at_risk    numeric NOT NULL DEFAULT 0,
    matched_mpn        text NOT NULL DEFAULT '',
    -- Catalog keys that can match this notice's part (its orderable and base numbers).
    match_keys         text[] NOT NULL DEFAULT '{}',
    -- The re-assessment last asked for (a work message) and when: not asked again meanwhile.
    work_key           text NOT NULL DEFAULT '',
    work_requested_at  timestamptz,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notices_created ON notices (created_at DESC, record_id DESC);
CREATE INDEX notices_part ON notices (manufacturer_key, mpn_key);
CREATE INDEX notices_mpn ON notices (mpn_key);
CREATE INDEX notices_open ON notices (state) WHERE state <> 'closed';
CREATE INDEX notices_review ON notices (review) WHERE review = 'pending';
CREATE INDEX notices_severity ON notices (severity, created_at DESC);

-- Every arrival of a notice: the normalizer's per-arrival id, where it came from, what it said.
CREATE TABLE notice_sources (
    arrival_id  text PRIMARY KEY,
    record_id   text NOT NULL REFERENCES notices (record_id),
    event_id    text NOT NULL DEFAULT '',
    task_id     text NOT NULL DEFAULT '',
    trace_id    text NOT NULL DEFAULT '',
    source      text NOT NULL DEFAULT '',
    format      text NOT NULL DEFAULT '',
    received_at timestamptz,
    facts       jsonb NOT NULL,
    confidence  double precision NOT NULL DEFAULT 0,
    outcome     text NOT NULL
        CHECK (outcome IN ('new', 'merged', 'revised', 'stale', 'closed', 'retracted', 'review')),
    changes     jsonb NOT NULL DEFAULT '[]',
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notice_sources_record ON notice_sources (record_id, recorded_at);

-- Every version of a notice's facts, with what changed from the one before.
CREATE TABLE notice_revisions (
    record_id     text NOT NULL REFERENCES notices (record_id),
    facts_version integer NOT NULL,
    facts         jsonb NOT NULL,
    changes       jsonb NOT NULL DEFAULT '[]',
    cause         text NOT NULL,
    arrival_id    text NOT NULL DEFAULT '',
    actor         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (record_id, facts_version)
);

-- The audit trail: who did what to a notice, when, before and after. Append-only.
CREATE TABLE notice_audit (
    audit_id  bigserial PRIMARY KEY,
    record_id text NOT NULL REFERENCES notices (record_id),
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor     text NOT NULL,
    action    text NOT NULL,
    before    jsonb,
    after     jsonb,
    note      text NOT NULL DEFAULT ''
);
CREATE INDEX notice_audit_record ON notice_audit (record_id, audit_id);

CREATE FUNCTION notice_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'notice_audit is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER notice_audit_append_only BEFORE UPDATE OR DELETE ON notice_audit
    FOR EACH ROW EXECUTE FUNCTION notice_audit_append_only();

-- Reminders sent before an LTB date: one per (notice, LTB date, offset in days), ever.
CREATE TABLE notice_reminders (
    record_id     text NOT NULL REFERENCES notices (record_id),
    ltb           date NOT NULL,
    offset_days   integer NOT NULL,
    assessment_id text NOT NULL,
    sent_on       date NOT NULL,
    PRIMARY KEY (record_id, ltb, offset_days)
);

-- Catalog imports, so the scheduler re-checks which open notices' inputs changed.
CREATE TABLE notice_catalog_changes (
    change_id  bigserial PRIMARY KEY,
    origin     text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The scheduler's memory across restarts and leaders (last catalog change swept, ...).
CREATE TABLE notice_scheduler_state (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Assessments: several per notice now (arrival, revision, review, re-assessments, reminders),
-- each identified by its inputs; linked to their notice record.
ALTER TABLE assessments DROP CONSTRAINT assessments_notice_id_key;
ALTER TABLE assessments
    ADD COLUMN record_id  text,
    ADD COLUMN trigger    text NOT NULL DEFAULT 'arrival',
    ADD COLUMN alert_kind text NOT NULL DEFAULT 'new';
CREATE INDEX assessments_notice ON assessments (notice_id);
CREATE INDEX assessments_record ON assessments (record_id, computed_at);

-- Ordering terms of a part (parts.csv `moq`, `order_multiple`, optional).
ALTER TABLE parts
    ADD COLUMN moq            bigint CHECK (moq >= 0),
    ADD COLUMN order_multiple bigint CHECK (order_multiple > 0);
