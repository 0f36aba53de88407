-- A service may require every sign-in through the hosted pages to have passed a second factor
-- (docs/oidc.md, "Single sign-on"): a browser session without one is asked for it, and an
-- account without MFA is turned away at the client with access_denied.
ALTER TABLE token.services ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;
