-- Isolation between services (DESIGN.md section 2, issue 6): a membership is visible and
-- writable only inside a transaction that named its service with
-- set_config('app.service_id', <id>, true). A query that forgets its WHERE clause still sees one
-- service at most; with no service named it sees nothing. FORCE applies it to the owner too.
ALTER TABLE token.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE token.memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_of_the_service ON token.memberships
    USING (service_id = nullif(current_setting('app.service_id', true), '')::uuid)
    WITH CHECK (service_id = nullif(current_setting('app.service_id', true), '')::uuid);

-- A user's membership of one service, for queries that learn the service from another row (a
-- session, a slug): it names the service for the rest of the transaction, then reads.
CREATE FUNCTION token.membership(p_service uuid, p_user uuid) RETURNS TABLE (role text, status text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.service_id', p_service::text, true);
    RETURN QUERY SELECT m.role, m.status FROM token.memberships m WHERE m.service_id = p_service AND m.user_id = p_user;
END
$$;
