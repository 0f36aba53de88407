-- Issue 27 (security audit).
--
-- 1. Sign-in failures are counted per identifier and client address (a lock-out one address can
--    set for itself, not for everyone), and per identifier across addresses (a slowdown). The
--    identifier is the account when one exists and the name typed otherwise, so unknown and
--    existing accounts answer the same sequence. `pending` counts attempts claimed and not yet
--    settled, so a burst cannot compare more passwords than the lock-out allows; claims older
--    than 30 s (a process that died mid-attempt) no longer count.
CREATE TABLE token.sign_in_throttles (
    key              bytea       PRIMARY KEY,          -- SHA-256 of the kind, identifier and address
    user_id          uuid        REFERENCES token.users (id) ON DELETE CASCADE,
    failures         integer     NOT NULL DEFAULT 0,
    first_failed_at  timestamptz,
    locked_until     timestamptz,
    pending          integer     NOT NULL DEFAULT 0,
    pending_since    timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_throttles_user ON token.sign_in_throttles (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX sign_in_throttles_updated ON token.sign_in_throttles (updated_at);

-- The account-wide lock it replaces: anyone who knew a username could keep it locked.
ALTER TABLE token.users DROP COLUMN failed_logins, DROP COLUMN first_failed_at, DROP COLUMN locked_until;

-- 2. One account per name as people read it: the name's key is NFKC with case folded
--    (computed by token-service; composed and decomposed, fullwidth and case variants share it).
ALTER TABLE token.users ADD COLUMN username_key text;
UPDATE token.users u SET username_key = CASE WHEN k.n = 1 THEN k.plain ELSE k.plain || '~' || u.id::text END
FROM (SELECT id, lower(normalize(username, NFKC)) AS plain,
             row_number() OVER (PARTITION BY lower(normalize(username, NFKC)) ORDER BY created_at, id) AS n
      FROM token.users) k
WHERE u.id = k.id;
ALTER TABLE token.users ALTER COLUMN username_key SET NOT NULL;
CREATE UNIQUE INDEX users_username_key_unique ON token.users (username_key);
DROP INDEX token.users_username_unique;

-- 3. Account-security changes (linking a social account, unlinking) need a recent proof of who
--    is asking: the session's last re-entered password, next to mfa_at.
ALTER TABLE token.sessions ADD COLUMN reauthenticated_at timestamptz;

-- 4. First-party services (the deployment's own apps) may change account security; a token of
--    any other service may not. Set by the operator only.
ALTER TABLE token.services ADD COLUMN first_party boolean NOT NULL DEFAULT false;
