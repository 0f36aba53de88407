-- One identity profile per Gatehouse user (a token.users id; another schema, so no foreign key).
-- The PIN is six digits: too few for a slow hash to protect offline, so the verifier is an
-- HMAC-SHA256 under a pepper key derived from the master key (never stored), and guessing online
-- is stopped by the lock-out columns. The CI is sealed; its blind index keeps it unique.
CREATE TABLE idp.identity_profiles (
    user_id             uuid        PRIMARY KEY,
    phone_number        text        NOT NULL UNIQUE CHECK (phone_number ~ '^01[016789]-[0-9]{3,4}-[0-9]{4}$'),
    pin_verifier        bytea       NOT NULL CHECK (length(pin_verifier) = 32),
    pin_failures        integer     NOT NULL DEFAULT 0,
    pin_first_failed_at timestamptz,
    pin_locked_until    timestamptz,
    ci_sealed           bytea       NOT NULL,
    ci_key_version      integer     NOT NULL,
    ci_blind_index      bytea       NOT NULL UNIQUE,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
