-- Account recovery (docs/recovery.md): the single-use tokens mailed to a person, kept as SHA-256
-- of the token (what the link carries is never stored). `verify_email` proves `email` belongs to
-- the account (24 h); `reset_password` lets the holder set a new password (30 min). A token is
-- spent by setting used_at in the same transaction as what it does.
CREATE TABLE token.email_tokens (
    token_hash  bytea       PRIMARY KEY,
    purpose     text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    user_id     uuid        NOT NULL REFERENCES token.users (id) ON DELETE CASCADE,
    email       text        NOT NULL,
    -- The service the mail spoke for (its name in the mail, its sign-in page after).
    service_id  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX email_tokens_user ON token.email_tokens (user_id, purpose) WHERE used_at IS NULL;
CREATE INDEX email_tokens_expired ON token.email_tokens (expires_at);

-- A new address waits here until its link is opened; the account keeps signing in and receiving
-- mail at the old one meanwhile.
ALTER TABLE token.users ADD COLUMN pending_email text CHECK (pending_email IS NULL OR length(pending_email) BETWEEN 3 AND 254);
