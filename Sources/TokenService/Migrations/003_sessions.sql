-- Sessions and their refresh-token families (DESIGN.md section 5). A session is one sign-in on
-- one device; its refresh tokens form a chain, each used once. Tokens are stored as SHA-256.
CREATE TABLE token.sessions (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid        NOT NULL REFERENCES token.users (id),
    service_id      uuid        NOT NULL REFERENCES token.services (id),
    client_type     text        NOT NULL CHECK (client_type IN ('web', 'mobile', 'native')),
    remember_me     boolean     NOT NULL DEFAULT false,
    ip              inet,
    user_agent      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,           -- absolute lifetime
    revoked_at      timestamptz,
    revoked_reason  text
);
CREATE INDEX sessions_user ON token.sessions (user_id, created_at DESC);

CREATE TABLE token.refresh_tokens (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id    uuid        NOT NULL REFERENCES token.sessions (id),
    token_hash    bytea       NOT NULL UNIQUE,
    parent_id     uuid        REFERENCES token.refresh_tokens (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);
CREATE INDEX refresh_tokens_session ON token.refresh_tokens (session_id);
-- One child per token: a spent token has at most one successor, whatever races.
CREATE UNIQUE INDEX refresh_tokens_one_child ON token.refresh_tokens (parent_id) WHERE parent_id IS NOT NULL;
