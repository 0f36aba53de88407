-- How a session's sign-in was made: 'password', or the social provider's name (issue 4).
-- Access tokens say it in `amr` (pwd, or fed for a federated sign-in).
ALTER TABLE token.sessions ADD COLUMN auth_method text NOT NULL DEFAULT 'password';
-- A sign-in waiting for its second factor remembers how its first was made.
ALTER TABLE token.mfa_challenges ADD COLUMN auth_method text NOT NULL DEFAULT 'password';
