-- The OpenID Provider's review (docs/oidc.md):
-- 1. An app session opened by an authorization code keeps the scopes the person granted, and
--    every refresh gives exactly those (NULL: a session of the JSON API, with its fixed scopes).
ALTER TABLE token.sessions ADD COLUMN scopes text[];
-- 2. A browser session belongs to the account's token version at its sign-in: a password change,
--    "sign out everywhere" or MFA turned off (each raises the version) ends it too.
ALTER TABLE token.browser_sessions ADD COLUMN token_version integer NOT NULL DEFAULT 0;
-- 3. The browser session a pending request's own pages opened: only that one counts as "just
--    signed in" for prompt=login, max_age and select_account.
ALTER TABLE token.authorization_requests ADD COLUMN signed_in_session uuid REFERENCES token.browser_sessions (id) ON DELETE SET NULL;
