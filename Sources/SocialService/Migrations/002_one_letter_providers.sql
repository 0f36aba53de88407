-- X's provider name is one letter ("x"): a provider name is 1 to 31 lowercase letters, digits
-- or hyphens, starting with a letter (it was 2 to 31).
ALTER TABLE social.linked_accounts DROP CONSTRAINT linked_accounts_provider_check;
ALTER TABLE social.linked_accounts ADD CONSTRAINT linked_accounts_provider_check CHECK (provider ~ '^[a-z][a-z0-9-]{0,30}$');
