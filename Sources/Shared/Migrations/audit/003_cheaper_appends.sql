-- Appending an audit row is on every state change's path (three per verification, issue 5's
-- 500 transactions/s), so it should cost as little as tamper evidence allows.
--
-- 1. The chain's head (sequence and hash of this backend's last row) is remembered in a session
--    setting instead of being looked up in the chain index on every insert. Settings changed in
--    a transaction or savepoint that rolls back are rolled back with it, so the remembered head
--    is always the last row this backend committed (or wrote earlier in the same transaction). A
--    backend starts without it and reads the head once. Setting it by hand cannot hide anything:
--    a wrong head only produces a row whose prev_hash does not match, which verify-audit reports.
-- 2. occurred_at is only ever filtered by range (the audit API orders and pages by id), and rows
--    arrive in time order: a BRIN index serves the ranges at a fraction of a B-tree's insert cost.
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
    NEW.hash := sha256(NEW.prev_hash || convert_to(audit.event_text(NEW), 'UTF8'));
    PERFORM set_config('gatehouse.audit_chain_head', NEW.chain_seq || ':' || encode(NEW.hash, 'hex'), false);
    RETURN NEW;
END
$$;

DROP INDEX audit.events_occurred_at;
CREATE INDEX events_occurred_at ON audit.events USING brin (occurred_at);
