-- The cleanup jobs (issue 22, docs/retention.md) delete refresh tokens past their expiry and
-- sessions that ended long ago.
--
-- 1. A token's successor keeps its row when the token is deleted: the chain's link becomes NULL.
--    A deleted token can no longer be presented, so nothing needs to find its successor.
ALTER TABLE token.refresh_tokens DROP CONSTRAINT refresh_tokens_parent_id_fkey;
ALTER TABLE token.refresh_tokens
    ADD CONSTRAINT refresh_tokens_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES token.refresh_tokens (id) ON DELETE SET NULL;

-- 2. What lets a cleanup batch find its rows without reading the table. BRIN: rows arrive in
--    about the order of these columns, and a BRIN entry costs an insert almost nothing (the
--    rotation path writes a token per refresh). Neither column is ever updated.
CREATE INDEX refresh_tokens_expiry ON token.refresh_tokens USING brin (expires_at);
CREATE INDEX sessions_created ON token.sessions USING brin (created_at);
