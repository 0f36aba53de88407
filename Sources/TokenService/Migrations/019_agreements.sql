-- What each person agreed to, by version and time (docs/accounts.md, "Agreements"): the terms
-- and the privacy policy at registration (the deployment's current versions), and marketing
-- mail whenever they allow or withdraw it. A row per version: accepting a new version adds one,
-- withdrawing marketing stamps withdrawn_at.
CREATE TABLE token.agreements (
    user_id      uuid        NOT NULL REFERENCES token.users (id) ON DELETE CASCADE,
    kind         text        NOT NULL CHECK (kind IN ('terms', 'privacy', 'marketing')),
    version      text        NOT NULL CHECK (length(version) BETWEEN 1 AND 40),
    accepted_at  timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz,
    PRIMARY KEY (user_id, kind, version)
);

-- Marketing allowed before versions were recorded: version 1, from the account's creation.
INSERT INTO token.agreements (user_id, kind, version, accepted_at)
SELECT id, 'marketing', '1', created_at FROM token.users WHERE marketing_consent;
