-- Leaving (docs/leaving.md): a person who deletes their account takes their personal data out of
-- the audit log too, and the hash chains must still verify. A row's hash (format 2) therefore
-- covers a digest of its personal fields instead of the fields themselves:
--
--   personal fields:  actor_user_id, ip, user_agent, details
--   personal_digest:  sha256(personal_salt || those fields in a fixed text form)
--   hash:             sha256(prev_hash || the other columns || personal_digest)
--
-- The salt is 16 random bytes per row. Erasing a row sets the personal fields to NULL (or '{}')
-- and drops the salt, keeping the digest: the chain verifies as before, the digest can no longer
-- be checked against anything (there is nothing left to check), and without the salt nobody can
-- test a guess (an address, a user id) against it. Rows of format 1 (written before this
-- migration) hashed their personal fields directly: an erased one keeps its place in the chain
-- (the next row still names its hash) but its own content can no longer be checked.
ALTER TABLE audit.events
    ADD COLUMN hash_format     smallint NOT NULL DEFAULT 1,
    ADD COLUMN personal_salt   bytea,
    ADD COLUMN personal_digest bytea,
    ADD COLUMN erased_at       timestamptz;

CREATE FUNCTION audit.personal_text(e audit.events) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT concat_ws('|', coalesce(e.actor_user_id::text, ''), coalesce(host(e.ip), ''), coalesce(e.user_agent, ''),
                     e.details::text)
$$;

CREATE FUNCTION audit.event_text_v2(e audit.events) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT concat_ws('|', 'v2', e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), e.action,
                     coalesce(e.service_id::text, ''), coalesce(e.sp_id::text, ''), coalesce(e.client_id, ''),
                     coalesce(e.request_id, ''), encode(e.personal_digest, 'hex'), e.chain, e.chain_seq)
$$;

-- Whether a row is what its hash says (given the previous row's hash in prev_hash).
CREATE FUNCTION audit.event_intact(e audit.events) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN e.hash_format = 1 THEN e.erased_at IS NOT NULL OR e.hash = sha256(e.prev_hash || convert_to(audit.event_text(e), 'UTF8'))
        ELSE e.hash = sha256(e.prev_hash || convert_to(audit.event_text_v2(e), 'UTF8'))
             AND (e.erased_at IS NOT NULL OR e.personal_digest = sha256(e.personal_salt || convert_to(audit.personal_text(e), 'UTF8')))
    END
$$;

CREATE OR REPLACE FUNCTION audit.chain_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head text := current_setting('gatehouse.audit_chain_head', true);
    previous_seq bigint;
    previous_hash bytea;
BEGIN
    NEW.chain := pg_backend_pid();
    IF coalesce(head, '') <> '' THEN
        previous_seq := split_part(head, ':', 1)::bigint;
        previous_hash := decode(split_part(head, ':', 2), 'hex');
    ELSE
        SELECT chain_seq, hash INTO previous_seq, previous_hash FROM audit.events WHERE chain = NEW.chain ORDER BY chain_seq DESC LIMIT 1;
    END IF;
    NEW.chain_seq := coalesce(previous_seq, 0) + 1;
    NEW.prev_hash := coalesce(previous_hash, '\x'::bytea);
    NEW.hash_format := 2;
    NEW.erased_at := NULL;
    NEW.personal_salt := uuid_send(gen_random_uuid());
    NEW.personal_digest := sha256(NEW.personal_salt || convert_to(audit.personal_text(NEW), 'UTF8'));
    NEW.hash := sha256(NEW.prev_hash || convert_to(audit.event_text_v2(NEW), 'UTF8'));
    PERFORM set_config('gatehouse.audit_chain_head', NEW.chain_seq || ':' || encode(NEW.hash, 'hex'), false);
    RETURN NEW;
END
$$;

-- The rows about an account that another account wrote (an admin locking it) name it in
-- details.user_id; this finds them without reading the whole log.
CREATE INDEX events_subject ON audit.events ((details ->> 'user_id')) WHERE details ? 'user_id';

-- The one change the log allows (the app role may only INSERT and SELECT, so this runs as the
-- owner): the rows the account wrote lose who, where from and what (actor, address, user agent,
-- details); the rows others wrote about it lose their details (which name it), keeping who did
-- it. Returns how many rows it minimised.
CREATE FUNCTION audit.erase_person(p_user uuid) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    erased integer;
BEGIN
    UPDATE audit.events e SET
        actor_user_id = CASE WHEN e.actor_user_id = p_user THEN NULL ELSE e.actor_user_id END,
        ip            = CASE WHEN e.actor_user_id = p_user THEN NULL ELSE e.ip END,
        user_agent    = CASE WHEN e.actor_user_id = p_user THEN NULL ELSE e.user_agent END,
        details       = '{}'::jsonb,
        personal_salt = NULL,
        erased_at     = now()
    WHERE (e.actor_user_id = p_user OR (e.details ? 'user_id' AND e.details ->> 'user_id' = p_user::text))
      AND e.erased_at IS NULL;
    GET DIAGNOSTICS erased = ROW_COUNT;
    RETURN erased;
END
$$;
