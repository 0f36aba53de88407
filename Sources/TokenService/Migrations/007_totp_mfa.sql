-- TOTP multi-factor sign-in (issue 6). The secret is encrypted under the master key ring
-- (purpose token.totp_secret, context the user id); backup codes are kept only as HMACs under a
-- pepper derived from the master key. users.mfa_enabled mirrors "a credential with enabled_at",
-- changed in the same transactions, so sign-in and refresh read it without a join.
ALTER TABLE token.users ADD COLUMN mfa_enabled boolean NOT NULL DEFAULT false;

CREATE TABLE token.totp_credentials (
    user_id             uuid        PRIMARY KEY REFERENCES token.users (id),
    secret              bytea       NOT NULL,
    master_key_version  integer     NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    enabled_at          timestamptz,            -- NULL while enrolment waits for the first code
    last_used_step      bigint,                 -- the newest 30 s step accepted: older and equal codes are refused
    failed_attempts     integer     NOT NULL DEFAULT 0,
    first_failed_at     timestamptz,
    locked_until        timestamptz
);

CREATE TABLE token.mfa_backup_codes (
    user_id     uuid        NOT NULL REFERENCES token.users (id),
    code_hash   bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- A password sign-in waiting for its second factor: the mfa_token (kept as SHA-256) and what
-- the session will be opened with.
CREATE TABLE token.mfa_challenges (
    token_hash    bytea       PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES token.users (id),
    service_id    uuid        NOT NULL REFERENCES token.services (id),
    client_type   text        NOT NULL,
    remember_me   boolean     NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX mfa_challenges_expiry ON token.mfa_challenges (expires_at);

-- When the session last passed the second factor (sign-in or step-up); admin routes ask for
-- one within 30 minutes.
ALTER TABLE token.sessions ADD COLUMN mfa_at timestamptz;

-- A service may require its admins to have passed MFA recently before they manage it.
ALTER TABLE token.services ADD COLUMN require_admin_mfa boolean NOT NULL DEFAULT false;
