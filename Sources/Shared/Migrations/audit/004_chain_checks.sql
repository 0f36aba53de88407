-- What the scheduled check of the hash chains found (token-service's AuditChainSchedule), so the
-- admin console shows it without walking every row on a page view. Append-only, as the log.
CREATE TABLE audit.chain_checks (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    checked_at     timestamptz NOT NULL DEFAULT now(),
    rows_checked   bigint      NOT NULL,
    chains         integer     NOT NULL,
    problem_count  integer     NOT NULL,
    problems       text[]      NOT NULL DEFAULT '{}'   -- the first 20, as verify-audit words them
);
