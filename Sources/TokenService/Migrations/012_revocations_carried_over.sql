-- Revocations made before 010 lived only in Redis, which gateways no longer read: a user who
-- signed out everywhere or changed their password just before the upgrade would have their old
-- access tokens accepted again by gateways started after it. Every user whose token version was
-- ever raised gets the row "tokens below this version are refused" for one more access-token
-- life. (Single access tokens revoked by logout before the upgrade are not carried over: their
-- jtis were only in Redis; they expire within their service's access-token lifetime.)
INSERT INTO token.revocations (subject, token_version, expires_at)
SELECT u.id::text, u.token_version, now() + interval '86460 seconds'
FROM token.users u
WHERE u.token_version > 0
  AND NOT EXISTS (SELECT 1 FROM token.revocations r WHERE r.subject = u.id::text AND r.token_version >= u.token_version);
