-- The cleanup jobs (issue 22, docs/retention.md) delete decided transactions a year and more
-- old, and callback deliveries and notifications once they served.
--
-- 1. A transaction was never deleted (005), so nothing could be left pointing at a missing one.
--    The retention cleanup may now delete one: it deletes the transaction's notification and
--    delivery in the same statement, and says so by setting gatehouse.retention_cleanup for its
--    own transaction only. Any other delete is refused as before.
CREATE OR REPLACE FUNCTION idp.refuse_transaction_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('gatehouse.retention_cleanup', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'verification transactions are kept, never deleted (notifications and callbacks refer to them)'
        USING ERRCODE = 'restrict_violation';
END
$$;

-- 2. BRIN indexes on the creation times let a batch find its rows without reading the tables:
--    rows arrive in that order, a BRIN entry costs an insert almost nothing, and these columns
--    are never updated, so decisions stay HOT updates.
CREATE INDEX transactions_created ON idp.transactions USING brin (created_at);
CREATE INDEX callback_deliveries_created ON idp.callback_deliveries USING brin (created_at);
CREATE INDEX notifications_created ON idp.notifications USING brin (created_at);
