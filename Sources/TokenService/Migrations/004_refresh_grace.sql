-- A refresh retried within the grace window gets the pair the first attempt produced. That pair
-- is kept on the spent token, sealed under the master key, so any instance can answer the retry.
ALTER TABLE token.refresh_tokens
    ADD COLUMN grace_result bytea,
    ADD COLUMN grace_key_version integer;
ALTER TABLE token.services
    ADD COLUMN refresh_grace_seconds integer NOT NULL DEFAULT 10 CHECK (refresh_grace_seconds BETWEEN 0 AND 60);
