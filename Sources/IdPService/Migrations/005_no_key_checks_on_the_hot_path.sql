-- A notification and a callback delivery are written in the same statement or function as, or
-- after, the transaction they belong to, and reach it by id. Their foreign keys made each insert
-- look the transaction up again and lock its row FOR KEY SHARE (two lookups and two row locks
-- per verification, on the load benchmark's path; docs/benchmarks.md). What the keys guarded is
-- kept as 004 keeps it for service providers: a transaction is never deleted, for everyone, the
-- owner role included, so nothing can be left pointing at a missing one.
ALTER TABLE idp.notifications DROP CONSTRAINT notifications_transaction_id_fkey;
ALTER TABLE idp.callback_deliveries DROP CONSTRAINT callback_deliveries_transaction_id_fkey;

CREATE FUNCTION idp.refuse_transaction_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'verification transactions are kept, never deleted (notifications and callbacks refer to them)'
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER transactions_never_deleted BEFORE DELETE ON idp.transactions
    FOR EACH ROW EXECUTE FUNCTION idp.refuse_transaction_delete();
