-- The per-SP limit on unknown phone numbers (so numbers cannot be enumerated cheaply) moves from
-- a Redis counter into idp.open_request: the check rides on the phone lookup the request makes
-- anyway, which saves every SP request a Redis round trip (and a miss two more), and the count
-- now survives a Redis flush. A fixed 10-minute window per SP, from its first miss.
CREATE TABLE idp.unknown_number_lookups (
    sp_id        uuid        PRIMARY KEY REFERENCES idp.service_providers (id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    misses       integer     NOT NULL CHECK (misses > 0)
);

DROP FUNCTION idp.open_request(text, uuid, text, float8, integer, text, text, text);

-- As 006, with p_max_unknown: 'too_many_unknown_numbers' once this SP has asked for that many
-- numbers without a profile in its current window, whatever the number asked now (a known
-- number answered differently would give the game away); each miss is counted as it answers.
CREATE FUNCTION idp.open_request(p_phone text, p_sp_id uuid, p_purpose text, p_lifetime_seconds float8, p_max_pending integer,
                                 p_client_id text, p_request_id text, p_sp_name text, p_max_unknown integer,
                                 OUT outcome text, OUT transaction_id uuid, OUT user_id uuid,
                                 OUT created_at timestamptz, OUT expires_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_limited boolean;
BEGIN
    SELECT (SELECT p.user_id FROM idp.identity_profiles p WHERE p.phone_number = p_phone),
           EXISTS (SELECT 1 FROM idp.unknown_number_lookups u
                   WHERE u.sp_id = p_sp_id AND u.misses >= p_max_unknown AND u.window_start > now() - interval '10 minutes')
    INTO open_request.user_id, v_limited;
    IF v_limited THEN
        outcome := 'too_many_unknown_numbers';
        RETURN;
    END IF;
    IF open_request.user_id IS NULL THEN
        INSERT INTO idp.unknown_number_lookups AS u (sp_id, window_start, misses) VALUES (p_sp_id, now(), 1)
        ON CONFLICT (sp_id) DO UPDATE SET
            misses = CASE WHEN u.window_start > now() - interval '10 minutes' THEN u.misses + 1 ELSE 1 END,
            window_start = CASE WHEN u.window_start > now() - interval '10 minutes' THEN u.window_start ELSE now() END;
        outcome := 'unknown_phone';
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(open_request.user_id::text));
    IF (SELECT count(*) FROM idp.transactions t
        WHERE t.user_id = open_request.user_id AND t.status = 'PENDING' AND t.expires_at > now()) >= p_max_pending THEN
        outcome := 'too_many_pending';
        RETURN;
    END IF;
    WITH created AS (
        INSERT INTO idp.transactions (sp_id, user_id, purpose, expires_at)
        VALUES (p_sp_id, open_request.user_id, p_purpose, now() + make_interval(secs => p_lifetime_seconds))
        RETURNING id, transactions.user_id, transactions.created_at, transactions.expires_at
    ), notified AS (
        INSERT INTO idp.notifications (transaction_id, user_id) SELECT id, created.user_id FROM created
    ), audited AS (
        INSERT INTO audit.events (action, actor_user_id, client_id, request_id, details)
        SELECT 'AUTH_REQUEST', created.user_id, p_client_id, p_request_id,
               jsonb_build_object('transaction_id', id::text, 'sp', p_sp_name) FROM created
    )
    SELECT id, created.created_at, created.expires_at INTO open_request.transaction_id, open_request.created_at, open_request.expires_at
    FROM created;
    outcome := 'created';
END
$$;
