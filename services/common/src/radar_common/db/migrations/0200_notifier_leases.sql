-- Notifier: a lease on each pending notification, so that a send orphaned by a dead process can
-- be retried by a redelivery while a live replica's send is never repeated; and token buckets
-- per destination shared by every replica.
ALTER TABLE notifications
    ADD COLUMN lease_owner text,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN route text NOT NULL DEFAULT '';

CREATE INDEX notifications_state ON notifications (state) WHERE state IN ('pending', 'failed');

CREATE TABLE notifier_rate_buckets (
    destination text PRIMARY KEY,
    tokens      double precision NOT NULL,
    updated_at  timestamptz NOT NULL
);
