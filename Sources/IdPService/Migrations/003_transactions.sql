-- Verification transactions (seed 002's AuthTransaction), with its statuses and constraints.
-- The auth_code is a one-time secret: only its SHA-256 is kept. The result for the SP (auth_code,
-- CI, DI) is built once, at completion, as a compact JWE under the SP's key, and kept for the
-- callback and the pull API; the plain CI/DI never rest in this table.
CREATE TABLE idp.transactions (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    sp_id            uuid        NOT NULL REFERENCES idp.service_providers (id),
    user_id          uuid        NOT NULL,
    purpose          text        NOT NULL DEFAULT '' CHECK (length(purpose) <= 200),
    status           text        NOT NULL DEFAULT 'PENDING'
                                 CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'EXPIRED')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    completed_at     timestamptz,
    auth_code_hash   bytea       UNIQUE,
    result_jwe       text,
    failure_reason   text,
    CHECK (expires_at > created_at),
    CHECK ((status = 'PENDING') = (completed_at IS NULL)),
    CHECK ((status = 'COMPLETED') = (auth_code_hash IS NOT NULL AND result_jwe IS NOT NULL))
);
-- Seed 002's indexes: pending by expiry (partial), per user and per SP by time.
CREATE INDEX transactions_pending_expiry ON idp.transactions (expires_at) WHERE status = 'PENDING';
CREATE INDEX transactions_user_created ON idp.transactions (user_id, created_at DESC);
CREATE INDEX transactions_sp_created ON idp.transactions (sp_id, created_at DESC);

-- What the user's app is told: one row per request pushed.
CREATE TABLE idp.notifications (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    transaction_id   uuid        NOT NULL REFERENCES idp.transactions (id),
    user_id          uuid        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user ON idp.notifications (user_id, created_at DESC);

-- The SP callback of each decided transaction: the outbox of DESIGN.md section 3. The row is
-- written in the same SQL transaction as the decision; delivery attempts and their schedule
-- live here, so neither a Redis flush nor a dead worker loses a callback. The id is the
-- X-Gatehouse-Delivery header, the same on every attempt.
CREATE TABLE idp.callback_deliveries (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    transaction_id   uuid        NOT NULL UNIQUE REFERENCES idp.transactions (id),
    sp_id            uuid        NOT NULL REFERENCES idp.service_providers (id),
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    body             text        NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX callback_deliveries_due ON idp.callback_deliveries (next_attempt_at) WHERE status = 'pending';
