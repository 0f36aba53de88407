-- Jobs that must survive a Redis flush are written here in the same transaction as the change
-- they follow from; Shared's Outbox hands them to Redis and its sweeper re-sends undone rows.
CREATE TABLE social.outbox (
    id              uuid        PRIMARY KEY,
    queue           text        NOT NULL,
    payload         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL,
    dispatch_count  integer     NOT NULL DEFAULT 0,
    done_at         timestamptz
);
CREATE INDEX outbox_due ON social.outbox (next_attempt_at) WHERE done_at IS NULL;
