-- Watcher (issue 19): the lifecycle status of every catalog part, per source, kept current.

-- What each source said last about each part: its status, when, and its raw answer.
CREATE TABLE watcher_observations (
    source             text NOT NULL,
    mpn                text NOT NULL,
    status             text NOT NULL CHECK (status IN ('active', 'nrnd', 'eol', 'obsolete', 'unknown')),
    status_raw         text NOT NULL DEFAULT '',
    manufacturer       text NOT NULL DEFAULT '',
    last_time_buy_date date,
    last_ship_date     date,
    found              boolean NOT NULL,
    raw                jsonb NOT NULL,
    seen_at            timestamptz NOT NULL,
    changed_at         timestamptz NOT NULL,
    PRIMARY KEY (source, mpn)
);
CREATE INDEX watcher_observations_mpn ON watcher_observations (mpn);

-- What Radar has announced for each part: the most severe status any source reports, and
-- the earliest last-time-buy / last-ship dates. `version` counts announced changes.
CREATE TABLE watcher_parts (
    mpn                text PRIMARY KEY,
    manufacturer       text NOT NULL,
    status             text NOT NULL,
    last_time_buy_date date,
    last_ship_date     date,
    version            integer NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL
);

-- Changes to announce (an outbox): written in the transaction that recorded the observation,
-- then sent to ingestion with change_id as the idempotency key until it is accepted.
CREATE TABLE watcher_changes (
    change_id    text PRIMARY KEY,
    seq          bigserial NOT NULL,
    source       text NOT NULL,
    mpn          text NOT NULL,
    kind         text NOT NULL,
    old_status   text NOT NULL,
    new_status   text NOT NULL,
    payload      jsonb NOT NULL,
    detected_at  timestamptz NOT NULL DEFAULT now(),
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'refused')),
    attempts     integer NOT NULL DEFAULT 0,
    task_id      text,
    last_error   text,
    delivered_at timestamptz
);
CREATE INDEX watcher_changes_pending ON watcher_changes (seq) WHERE state = 'pending';
CREATE INDEX watcher_changes_mpn ON watcher_changes (mpn, seq);

-- Each source's current cycle (a keyset cursor: a restart resumes after the last part
-- recorded), its health, and its use of the plan's quota.
CREATE TABLE watcher_sources (
    source            text PRIMARY KEY,
    cycle             integer NOT NULL DEFAULT 0,
    cycle_started_at  timestamptz,
    cycle_finished_at timestamptz,
    cursor            text NOT NULL DEFAULT '',
    checked           bigint NOT NULL DEFAULT 0,
    total             bigint NOT NULL DEFAULT 0,
    last_success_at   timestamptz NOT NULL DEFAULT now(),
    last_error_at     timestamptz,
    last_error        text,
    quota_window      text NOT NULL DEFAULT '',
    quota_used        bigint NOT NULL DEFAULT 0,
    quota_remaining   bigint
);

-- The singleton lease: the replica holding it polls; `token` grows on every takeover and
-- fences writes of a replica that lost it.
CREATE TABLE watcher_lease (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    token      bigint NOT NULL,
    expires_at timestamptz NOT NULL
);
