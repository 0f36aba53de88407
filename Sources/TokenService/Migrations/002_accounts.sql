-- Services (tenants), users and their memberships. Row-level security on memberships comes with
-- the multi-service issue; the columns it needs (service_id) are here already.
CREATE TABLE token.services (
    id                                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                              text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name                              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type                              text        NOT NULL CHECK (type IN ('web', 'mobile', 'desktop', 'api', 'admin')),
    status                            text        NOT NULL DEFAULT 'active'
                                                  CHECK (status IN ('active', 'inactive', 'suspended', 'maintenance')),
    allowed_origins                   text[]      NOT NULL DEFAULT '{}',
    redirect_uris                     text[]      NOT NULL DEFAULT '{}',
    access_token_ttl_seconds          integer     NOT NULL DEFAULT 900 CHECK (access_token_ttl_seconds BETWEEN 60 AND 86400),
    refresh_token_ttl_seconds         integer     NOT NULL DEFAULT 604800 CHECK (refresh_token_ttl_seconds BETWEEN 300 AND 31536000),
    remember_me_ttl_seconds           integer     NOT NULL DEFAULT 2592000 CHECK (remember_me_ttl_seconds BETWEEN 300 AND 31536000),
    session_idle_timeout_seconds      integer     NOT NULL DEFAULT 1209600 CHECK (session_idle_timeout_seconds >= 300),
    session_absolute_lifetime_seconds integer     NOT NULL DEFAULT 7776000 CHECK (session_absolute_lifetime_seconds >= 300),
    allowed_client_types              text[]      NOT NULL DEFAULT '{web,mobile,native}'
                                                  CHECK (allowed_client_types <@ '{web,mobile,native}'::text[]),
    social_providers                  text[]      NOT NULL DEFAULT '{}',
    require_email_verification        boolean     NOT NULL DEFAULT false,
    auto_create_user                  boolean     NOT NULL DEFAULT true,
    client_id                         text        NOT NULL UNIQUE,
    client_secret_hash                bytea       NOT NULL,      -- SHA-256 of a 256-bit random secret
    created_at                        timestamptz NOT NULL DEFAULT now(),
    updated_at                        timestamptz NOT NULL DEFAULT now(),
    deleted_at                        timestamptz
);

CREATE TABLE token.users (
    id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    username            text        NOT NULL CHECK (length(username) BETWEEN 3 AND 150),
    email               text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash       text,                       -- bcrypt; NULL for accounts with no password
    first_name          text        NOT NULL DEFAULT '',
    last_name           text        NOT NULL DEFAULT '',
    preferred_language  text        NOT NULL DEFAULT 'ko',
    marketing_consent   boolean     NOT NULL DEFAULT false,
    email_verified      boolean     NOT NULL DEFAULT false,
    is_active           boolean     NOT NULL DEFAULT true,
    platform_role       text        NOT NULL DEFAULT 'USER'
                                    CHECK (platform_role IN ('SUPER_ADMIN', 'SERVICE_ADMIN', 'AUDITOR', 'USER')),
    token_version       integer     NOT NULL DEFAULT 0,
    failed_logins       integer     NOT NULL DEFAULT 0,
    first_failed_at     timestamptz,
    locked_until        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
-- Names are unique regardless of case: "Alice" and "alice" are one account.
CREATE UNIQUE INDEX users_username_unique ON token.users (lower(username));
CREATE UNIQUE INDEX users_email_unique ON token.users (lower(email));

CREATE TABLE token.memberships (
    service_id     uuid        NOT NULL REFERENCES token.services (id),
    user_id        uuid        NOT NULL REFERENCES token.users (id),
    role           text        NOT NULL DEFAULT 'user'
                               CHECK (role IN ('owner', 'admin', 'content_manager', 'moderator', 'user', 'guest')),
    status         text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'suspended', 'banned')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz,
    PRIMARY KEY (service_id, user_id)
);
CREATE INDEX memberships_user ON token.memberships (user_id);
