-- Access-token signing keys (DESIGN.md section 5). A key is generated as 'next' and published at
-- once, becomes 'current' (the one that signs) at the following rotation, and is then 'retired':
-- still published until every token it signed has expired (publish_until), never used again.
CREATE TABLE token.signing_keys (
    kid                 text        PRIMARY KEY,
    algorithm           text        NOT NULL CHECK (algorithm IN ('ES256')),
    public_jwk          jsonb       NOT NULL,
    private_key         bytea       NOT NULL,   -- AES-256-GCM, purpose token.signing_key, context kid
    master_key_version  integer     NOT NULL,
    status              text        NOT NULL CHECK (status IN ('next', 'current', 'retired')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    activated_at        timestamptz,
    retired_at          timestamptz,
    publish_until       timestamptz,
    CHECK ((status = 'retired') = (retired_at IS NOT NULL AND publish_until IS NOT NULL))
);
-- At most one current and one next key at any time.
CREATE UNIQUE INDEX signing_keys_one_current ON token.signing_keys (status) WHERE status IN ('current', 'next');
