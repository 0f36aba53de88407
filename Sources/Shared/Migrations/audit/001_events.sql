-- The one shared table: every service inserts its audit rows in the same transaction as the
-- change they record. The app role gets SELECT and INSERT only (append-only).
CREATE TABLE audit.events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    action        text        NOT NULL CHECK (action ~ '^[A-Z][A-Z_]*$'),
    actor_user_id uuid,
    service_id    uuid,
    sp_id         uuid,
    client_id     text,
    ip            inet,
    user_agent    text,
    request_id    text,
    details       jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_occurred_at ON audit.events (occurred_at DESC);
CREATE INDEX events_actor ON audit.events (actor_user_id, occurred_at DESC) WHERE actor_user_id IS NOT NULL;
CREATE INDEX events_service ON audit.events (service_id, occurred_at DESC) WHERE service_id IS NOT NULL;
