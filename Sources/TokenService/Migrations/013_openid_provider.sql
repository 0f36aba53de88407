-- Gatehouse as an OpenID Provider (docs/oidc.md): what a service says about itself as a client,
-- browser sessions (single sign-on), authorization requests waiting for a page, authorization
-- codes and remembered consent.

-- A public client (a browser or native app) has no secret: PKCE is its only proof, and the token
-- endpoint does not ask it for a secret. A confidential one must prove its secret to exchange a
-- code. Consent is asked of third-party services only (first_party, set by the operator).
ALTER TABLE token.services
    ADD COLUMN public_client              boolean NOT NULL DEFAULT false,
    ADD COLUMN post_logout_redirect_uris  text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN logo_url                   text    CHECK (logo_url IS NULL OR (logo_url ~ '^https://' AND length(logo_url) <= 2048)),
    ADD COLUMN pairwise_subjects          boolean NOT NULL DEFAULT false,
    -- The service's own scopes, which its clients may ask for besides the standard ones.
    ADD COLUMN scopes                     text[]  NOT NULL DEFAULT '{}',
    -- A refresh token with every code exchange, not only when offline_access is asked for.
    ADD COLUMN refresh_without_offline_access boolean NOT NULL DEFAULT false,
    -- Keys a pairwise subject: SHA-256(salt || user id), different for every service.
    ADD COLUMN subject_salt               bytea   NOT NULL DEFAULT uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());

-- One signed-in browser: its cookie's token is stored as SHA-256. What it proved (amr) and when
-- (auth_time, mfa_at) decide whether a later authorization request may skip the password.
CREATE TABLE token.browser_sessions (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash      bytea       NOT NULL UNIQUE,
    user_id         uuid        NOT NULL REFERENCES token.users (id),
    amr             text[]      NOT NULL,
    auth_time       timestamptz NOT NULL DEFAULT now(),
    mfa_at          timestamptz,
    ip              inet,
    user_agent      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text
);
CREATE INDEX browser_sessions_user ON token.browser_sessions (user_id, created_at DESC);

-- A token session opened by exchanging a code remembers the browser session it came from, so
-- that signing the browser out ends the apps' sessions too.
ALTER TABLE token.sessions ADD COLUMN browser_session_id uuid REFERENCES token.browser_sessions (id);
CREATE INDEX sessions_browser ON token.sessions (browser_session_id) WHERE browser_session_id IS NOT NULL;

-- An accepted authorization request waiting for the person (sign-in, second factor, consent).
-- Its id is the only handle the page holds; after the password, user_id and the second factor's
-- challenge token are kept here, never in the page.
CREATE TABLE token.authorization_requests (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id      uuid        NOT NULL REFERENCES token.services (id),
    request         jsonb       NOT NULL,
    user_id         uuid        REFERENCES token.users (id),
    mfa_token       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX authorization_requests_expiry ON token.authorization_requests (expires_at);

-- Codes live 60 seconds and are spent once; the session an exchange opened is remembered so a
-- replayed code can end it.
CREATE TABLE token.authorization_codes (
    code_hash           bytea       PRIMARY KEY,
    service_id          uuid        NOT NULL REFERENCES token.services (id),
    user_id             uuid        NOT NULL REFERENCES token.users (id),
    browser_session_id  uuid        NOT NULL REFERENCES token.browser_sessions (id),
    redirect_uri        text        NOT NULL,
    scopes              text[]      NOT NULL,
    nonce               text,
    code_challenge      text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    used_at             timestamptz,
    -- What the exchange issued, so that a replay can revoke it.
    session_id          uuid        REFERENCES token.sessions (id),
    access_token_jti    text,
    access_token_exp    integer
);
CREATE INDEX authorization_codes_expiry ON token.authorization_codes (expires_at);

-- What a person allowed a third-party service; revoking deletes the row.
CREATE TABLE token.consents (
    user_id     uuid        NOT NULL REFERENCES token.users (id),
    service_id  uuid        NOT NULL REFERENCES token.services (id),
    scopes      text[]      NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, service_id)
);
