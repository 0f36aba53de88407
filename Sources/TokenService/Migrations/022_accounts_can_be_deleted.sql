-- Leaving (docs/leaving.md): deleting a token.users row takes everything of the account in this
-- schema with it, in the one statement of its transaction: memberships, sessions and their
-- refresh tokens, second factors, browser sessions, authorization requests and codes, consents
-- (the later tables were made with ON DELETE CASCADE already). A service the account owned and
-- deleted keeps its row without an owner.
ALTER TABLE token.memberships DROP CONSTRAINT memberships_user_id_fkey,
    ADD CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.sessions DROP CONSTRAINT sessions_user_id_fkey,
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.refresh_tokens DROP CONSTRAINT refresh_tokens_session_id_fkey,
    ADD CONSTRAINT refresh_tokens_session_id_fkey FOREIGN KEY (session_id) REFERENCES token.sessions (id) ON DELETE CASCADE;
ALTER TABLE token.totp_credentials DROP CONSTRAINT totp_credentials_user_id_fkey,
    ADD CONSTRAINT totp_credentials_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.mfa_backup_codes DROP CONSTRAINT mfa_backup_codes_user_id_fkey,
    ADD CONSTRAINT mfa_backup_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.mfa_challenges DROP CONSTRAINT mfa_challenges_user_id_fkey,
    ADD CONSTRAINT mfa_challenges_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.browser_sessions DROP CONSTRAINT browser_sessions_user_id_fkey,
    ADD CONSTRAINT browser_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.authorization_requests DROP CONSTRAINT authorization_requests_user_id_fkey,
    ADD CONSTRAINT authorization_requests_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.authorization_codes DROP CONSTRAINT authorization_codes_user_id_fkey,
    ADD CONSTRAINT authorization_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.authorization_codes DROP CONSTRAINT authorization_codes_session_id_fkey,
    ADD CONSTRAINT authorization_codes_session_id_fkey FOREIGN KEY (session_id) REFERENCES token.sessions (id) ON DELETE CASCADE;
ALTER TABLE token.consents DROP CONSTRAINT consents_user_id_fkey,
    ADD CONSTRAINT consents_user_id_fkey FOREIGN KEY (user_id) REFERENCES token.users (id) ON DELETE CASCADE;
ALTER TABLE token.services DROP CONSTRAINT services_owner_user_id_fkey,
    ADD CONSTRAINT services_owner_user_id_fkey FOREIGN KEY (owner_user_id) REFERENCES token.users (id) ON DELETE SET NULL;
