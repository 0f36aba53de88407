-- Passkeys (docs/passkeys.md): an account's WebAuthn credentials, each a public key the account
-- signs in with (no password), scoped to an RP ID. The counter is the last signature counter seen
-- (0 for authenticators that keep none); a signature whose counter does not rise is refused.
CREATE TABLE token.passkeys (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid        NOT NULL REFERENCES token.users (id) ON DELETE CASCADE,
    credential_id   bytea       NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 1 AND 1023),
    public_key      bytea       NOT NULL,
    algorithm       integer     NOT NULL CHECK (algorithm IN (-7, -8)),
    sign_count      bigint      NOT NULL DEFAULT 0,
    rp_id           text        NOT NULL,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    backup_eligible boolean     NOT NULL,
    backed_up       boolean     NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz
);
CREATE INDEX passkeys_user ON token.passkeys (user_id, created_at);
