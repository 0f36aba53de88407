-- The deliveries view shows an SP's owner each delivery's last error. It used to be the HTTP
-- client's own text, which named the address and port tried and how they answered (a port
-- scanner, issue 27); it is now one of a few fixed phrases (Shared/Net/OutboundFailure.swift).
-- Errors stored before are rewritten to those phrases.
UPDATE idp.callback_deliveries
SET last_error = CASE WHEN last_error ILIKE '%timeout%' OR last_error ILIKE '%deadline%' THEN 'timed out' ELSE 'connection failed' END
WHERE last_error IS NOT NULL
  AND last_error !~ '^answered [0-9]+$'
  AND last_error NOT IN ('timed out', 'connection failed', 'refused by address policy', 'the service provider no longer exists');
