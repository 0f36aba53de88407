-- Revocations outlive Redis (issue 27). Gateways verify tokens locally, so what they must refuse
-- although the signature is good is pushed to them; this table is the record they load at start,
-- after Redis comes back, and every 30 s (TokenRPC.revocations). A row matters until every token
-- it refuses has expired, so `expires_at` is at most the longest access-token life (a day, plus
-- the verifiers' leeway) away, and the token-service workers delete the rows past it.
--   jti:                   one access token (logout, /oauth/revoke).
--   subject, token_version: every token of `subject` (a user's id, or a service's client id for
--                          its own client_credentials tokens) whose `tv` is below the version.
CREATE TABLE token.revocations (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    jti           text        UNIQUE,
    subject       text,
    token_version integer,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((jti IS NULL) = (subject IS NOT NULL) AND (subject IS NULL) = (token_version IS NULL))
);
CREATE INDEX revocations_expiry ON token.revocations (expires_at);

-- A service's own tokens carry the generation of its client secret as `tv`; rotating the secret
-- raises it, so the tokens got with the old secret stop verifying.
ALTER TABLE token.services ADD COLUMN secret_version integer NOT NULL DEFAULT 0;

-- Raising a version is the revocation, whichever code path raises it (logout-all, password
-- change, MFA changes, role changes, admin commands, secret rotation): the row is written by the
-- same statement, so in the same transaction, and no path can forget it.
CREATE FUNCTION token.record_user_version_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO token.revocations (subject, token_version, expires_at)
    VALUES (NEW.id::text, NEW.token_version, now() + interval '86460 seconds');
    RETURN NEW;
END $$;
CREATE TRIGGER users_token_version_revokes AFTER UPDATE OF token_version ON token.users
    FOR EACH ROW WHEN (NEW.token_version > OLD.token_version) EXECUTE FUNCTION token.record_user_version_revocation();

CREATE FUNCTION token.record_client_version_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO token.revocations (subject, token_version, expires_at)
    VALUES (NEW.client_id, NEW.secret_version, now() + interval '86460 seconds');
    RETURN NEW;
END $$;
CREATE TRIGGER services_secret_version_revokes AFTER UPDATE OF secret_version ON token.services
    FOR EACH ROW WHEN (NEW.secret_version > OLD.secret_version) EXECUTE FUNCTION token.record_client_version_revocation();
