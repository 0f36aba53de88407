-- Service providers (SPs): the organisations that ask Gatehouse to verify a person (seed 002's
-- ServiceProvider). The client secret is checked, so only its SHA-256 is kept (shown once). The
-- webhook secret and the result keys must be used, not only checked, so they are sealed under
-- the master key (AES-256-GCM, the key version beside each).
CREATE TABLE idp.service_providers (
    id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    client_id           text        NOT NULL UNIQUE,
    client_secret_hash  bytea       NOT NULL,
    callback_url        text        NOT NULL CHECK (callback_url ~ '^https?://'),
    webhook_secret      bytea       NOT NULL,   -- sealed, purpose idp.webhook_secret, context the SP id
    webhook_key_version integer     NOT NULL,
    owner_user_id       uuid,                   -- the SERVICE_ADMIN who manages it (a token.users id)
    is_active           boolean     NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- The AES-256 keys an SP's results are encrypted under (JWE dir + A256GCM), versioned so they
-- rotate: the newest is used, older ones are kept for the SP's records but never used again.
CREATE TABLE idp.result_keys (
    sp_id               uuid        NOT NULL REFERENCES idp.service_providers (id),
    version             integer     NOT NULL CHECK (version >= 1),
    kid                 text        NOT NULL UNIQUE,
    key_sealed          bytea       NOT NULL,   -- sealed, purpose idp.result_key, context the kid
    master_key_version  integer     NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    retired_at          timestamptz,
    PRIMARY KEY (sp_id, version)
);
CREATE UNIQUE INDEX result_keys_one_active ON idp.result_keys (sp_id) WHERE retired_at IS NULL;
