-- Tamper evidence (issue 6): every row carries the hash of the previous row of its chain and its
-- own, computed by a trigger the app role cannot bypass (it may only INSERT and SELECT here).
-- A chain is one database backend (connection): a backend runs one transaction at a time, so
-- its rows are appended in order without any lock shared between connections, and concurrent
-- writers never wait for each other. `token-service admin verify-audit` walks every chain.
ALTER TABLE audit.events
    ADD COLUMN chain      integer,
    ADD COLUMN chain_seq  bigint,
    ADD COLUMN prev_hash  bytea,
    ADD COLUMN hash       bytea;
CREATE UNIQUE INDEX events_chain ON audit.events (chain, chain_seq DESC);

-- What a row's hash covers: every column but the hashes themselves, in a fixed text form.
CREATE FUNCTION audit.event_text(e audit.events) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT concat_ws('|', e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), e.action,
                     coalesce(e.actor_user_id::text, ''), coalesce(e.service_id::text, ''), coalesce(e.sp_id::text, ''),
                     coalesce(e.client_id, ''), coalesce(host(e.ip), ''), coalesce(e.user_agent, ''), coalesce(e.request_id, ''),
                     e.details::text, e.chain, e.chain_seq)
$$;

CREATE FUNCTION audit.chain_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous record;
BEGIN
    NEW.chain := pg_backend_pid();
    SELECT chain_seq, hash INTO previous FROM audit.events WHERE chain = NEW.chain ORDER BY chain_seq DESC LIMIT 1;
    NEW.chain_seq := coalesce(previous.chain_seq, 0) + 1;
    NEW.prev_hash := coalesce(previous.hash, '\x'::bytea);
    NEW.hash := sha256(NEW.prev_hash || convert_to(audit.event_text(NEW), 'UTF8'));
    RETURN NEW;
END
$$;

CREATE TRIGGER events_chain BEFORE INSERT ON audit.events FOR EACH ROW EXECUTE FUNCTION audit.chain_event();
