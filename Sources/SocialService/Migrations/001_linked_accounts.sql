-- A user's accounts at social providers (seed 000's social_accounts, issue 4). user_id names a
-- token.users row; another service's table, so no foreign key across the schemas.
CREATE TABLE social.linked_accounts (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id              uuid        NOT NULL,
    provider             text        NOT NULL CHECK (provider ~ '^[a-z][a-z0-9-]{1,30}$'),
    provider_user_id     text        NOT NULL CHECK (length(provider_user_id) BETWEEN 1 AND 255),
    email                text,
    email_verified       boolean     NOT NULL DEFAULT false,
    display_name         text,
    username             text,
    avatar_url           text,
    locale               text,
    raw_profile          jsonb       NOT NULL DEFAULT '{}',
    -- The provider's access and refresh tokens, AES-256-GCM under the master key ring
    -- (purpose social.provider_tokens, context the link id); NULL when none were kept.
    provider_tokens      bytea,
    master_key_version   integer,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    last_login_at        timestamptz,
    UNIQUE (provider, provider_user_id),
    UNIQUE (user_id, provider)
);
CREATE INDEX linked_accounts_user ON social.linked_accounts (user_id);
