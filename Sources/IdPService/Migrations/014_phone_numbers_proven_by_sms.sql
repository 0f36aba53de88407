-- A phone number becomes a profile's only once its owner proves it with a code sent to it by SMS
-- (issue 22): anyone could claim any number no one held, and then received the verification
-- requests service providers sent for its owner.
--
-- 1. A profile may have no number: a new person's profile (PIN, CI) exists from the first PUT,
--    its number arrives with the proof. A number proven later by someone else leaves the profile
--    that held it (the most recent proof wins: carriers recycle numbers). phone_verified_at is when
--    the number was proven; numbers set before this migration were never proven and keep working
--    until someone proves them.
ALTER TABLE idp.identity_profiles ALTER COLUMN phone_number DROP NOT NULL;
ALTER TABLE idp.identity_profiles ADD COLUMN phone_verified_at timestamptz;

-- 2. A claim: the number asked for, the code's HMAC (never the code), its tries and its end. A
--    claim holds nothing: the number is the profile's only when the claim is PROVEN, so an unproven
--    claim never blocks anyone nor receives a request. A newer claim of the same person REPLACES a
--    pending one; five wrong codes make it DEAD. The rows are also what the code limits count (per
--    number and per person per hour), so a Redis flush does not reset them.
CREATE TABLE idp.phone_claims (
    id           uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES idp.identity_profiles (user_id) ON DELETE CASCADE,
    phone_number text        NOT NULL CHECK (phone_number ~ '^01[016789]-[0-9]{3,4}-[0-9]{4}$'),
    code_hash    bytea       NOT NULL CHECK (length(code_hash) = 32),
    attempts     integer     NOT NULL DEFAULT 0,
    status       text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'PROVEN', 'DEAD', 'REPLACED')),
    -- The SMS: PENDING until the worker's attempt succeeds (SENT) or it gives up (DEAD).
    sms_status   text        NOT NULL DEFAULT 'PENDING' CHECK (sms_status IN ('PENDING', 'SENT', 'DEAD')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    decided_at   timestamptz
);
CREATE INDEX phone_claims_by_user ON idp.phone_claims (user_id, created_at DESC);
CREATE INDEX phone_claims_by_number ON idp.phone_claims (phone_number, created_at DESC);
