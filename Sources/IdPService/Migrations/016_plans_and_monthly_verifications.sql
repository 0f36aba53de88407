-- Plans and quotas for service providers (docs/admin.md, "Plans and quotas"): an SP's plan limits
-- the verification requests it may open each calendar month (UTC), GATEHOUSE_PLAN_<PLAN>_
-- MONTHLY_VERIFICATIONS. Only requests that reach a person count (an unknown number has its own
-- budget), counted in idp.open_request itself. p_monthly_limit defaults to NULL (no limit), so an
-- instance of the version before (14 arguments) still opens requests while a deployment rolls over.
ALTER TABLE idp.service_providers ADD COLUMN plan text NOT NULL DEFAULT 'free'
    CHECK (plan IN ('free', 'pro', 'studio', 'enterprise'));

-- The count of an SP with a limited plan (statistics count idp.transactions for every SP).
CREATE TABLE idp.monthly_verifications (
    sp_id    uuid    NOT NULL REFERENCES idp.service_providers (id) ON DELETE CASCADE,
    month    date    NOT NULL,
    requests integer NOT NULL CHECK (requests >= 0),
    PRIMARY KEY (sp_id, month)
);

DROP FUNCTION idp.open_request(text, uuid, text, float8, integer, text, text, text, integer, uuid, integer, integer, inet, text);

CREATE FUNCTION idp.open_request(p_phone text, p_sp_id uuid, p_purpose text, p_lifetime_seconds float8, p_max_pending integer,
                                 p_client_id text, p_request_id text, p_sp_name text, p_max_unknown integer,
                                 p_owner uuid, p_max_unknown_owner integer, p_max_unknown_deployment integer,
                                 p_ip inet DEFAULT NULL, p_user_agent text DEFAULT NULL, p_monthly_limit integer DEFAULT NULL,
                                 OUT outcome text, OUT transaction_id uuid, OUT user_id uuid,
                                 OUT created_at timestamptz, OUT expires_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_limited boolean;
    v_counted integer;
BEGIN
    SELECT (SELECT p.user_id FROM idp.identity_profiles p WHERE p.phone_number = p_phone),
           EXISTS (SELECT 1 FROM idp.unknown_number_lookups u
                   WHERE u.sp_id = p_sp_id AND u.window_start > now() - interval '10 minutes'
                     AND (u.misses >= p_max_unknown
                          OR EXISTS (SELECT 1 FROM idp.unknown_number_budgets b
                                     WHERE b.scope = 'deployment' AND b.misses >= p_max_unknown_deployment
                                       AND b.window_start > now() - interval '10 minutes')))
           OR (p_owner IS NOT NULL AND EXISTS (SELECT 1 FROM idp.unknown_number_budgets b
                                               WHERE b.scope = 'owner:' || p_owner::text AND b.misses >= p_max_unknown_owner
                                                 AND b.window_start > now() - interval '10 minutes'))
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
        -- Always in this order (deployment, then owner), so concurrent misses cannot deadlock.
        INSERT INTO idp.unknown_number_budgets AS b (scope, window_start, misses)
        SELECT s.scope, now(), 1 FROM unnest(ARRAY['deployment', 'owner:' || p_owner::text]) WITH ORDINALITY AS s(scope, n)
        WHERE s.scope IS NOT NULL ORDER BY s.n
        ON CONFLICT (scope) DO UPDATE SET
            misses = CASE WHEN b.window_start > now() - interval '10 minutes' THEN b.misses + 1 ELSE 1 END,
            window_start = CASE WHEN b.window_start > now() - interval '10 minutes' THEN b.window_start ELSE now() END;
        outcome := 'unknown_phone';
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(open_request.user_id::text));
    IF (SELECT count(*) FROM idp.transactions t
        WHERE t.user_id = open_request.user_id AND t.status = 'PENDING' AND t.expires_at > now()) >= p_max_pending THEN
        outcome := 'too_many_pending';
        RETURN;
    END IF;
    -- A limited plan's count rises only below the limit, in the statement that raises it: of many
    -- requests at once exactly the quota pass (the row is locked from the first update on). The
    -- month's row starts from the requests already made (an SP whose plan just became limited).
    -- An unlimited plan counts nothing here: no row for all of an SP's requests to queue on.
    IF p_monthly_limit IS NOT NULL THEN
        INSERT INTO idp.monthly_verifications AS m (sp_id, month, requests)
        SELECT p_sp_id, (date_trunc('month', now() AT TIME ZONE 'UTC'))::date, count(*) + 1 FROM idp.transactions t
        WHERE t.sp_id = p_sp_id AND t.created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        ON CONFLICT (sp_id, month) DO UPDATE SET requests = m.requests + 1 WHERE m.requests < p_monthly_limit
        RETURNING requests INTO v_counted;
        IF v_counted IS NULL OR v_counted > p_monthly_limit THEN
            outcome := 'quota_exceeded';
            RETURN;
        END IF;
    END IF;
    WITH created AS (
        INSERT INTO idp.transactions (sp_id, user_id, purpose, expires_at)
        VALUES (p_sp_id, open_request.user_id, p_purpose, now() + make_interval(secs => p_lifetime_seconds))
        RETURNING id, transactions.user_id, transactions.created_at, transactions.expires_at
    ), notified AS (
        INSERT INTO idp.notifications (transaction_id, user_id) SELECT id, created.user_id FROM created
    ), audited AS (
        INSERT INTO audit.events (action, actor_user_id, client_id, request_id, ip, user_agent, details)
        SELECT 'AUTH_REQUEST', created.user_id, p_client_id, p_request_id, p_ip, p_user_agent,
               jsonb_build_object('transaction_id', id::text, 'sp', p_sp_name) FROM created
    )
    SELECT id, created.created_at, created.expires_at INTO open_request.transaction_id, open_request.created_at, open_request.expires_at
    FROM created;
    outcome := 'created';
END
$$;
