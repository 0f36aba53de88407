-- Invitations to a service by e-mail (docs/admin.md, "Members"): an admin invites an address
-- with a role; the mail's link (its token made when the mail goes out, kept as SHA-256) lets the
-- person make their account there once, within 7 days.
CREATE TABLE token.invitations (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id  uuid        NOT NULL REFERENCES token.services (id) ON DELETE CASCADE,
    email       text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    role        text        NOT NULL,
    invited_by  uuid        REFERENCES token.users (id) ON DELETE SET NULL,
    token_hash  bytea       UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid        REFERENCES token.users (id) ON DELETE SET NULL
);
CREATE INDEX invitations_of_service ON token.invitations (service_id, created_at DESC);
