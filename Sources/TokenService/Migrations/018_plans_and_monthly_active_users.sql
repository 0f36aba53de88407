-- Plans and quotas (docs/admin.md, "Plans and quotas"): a service's plan decides how many people
-- may sign in to it each calendar month (UTC). Each person's first session of a month in a
-- service is a row of monthly_active_users; service_usage counts them, raised only below the
-- plan's limit in the same statement, so concurrent sign-ins can never pass the quota together.
ALTER TABLE token.services ADD COLUMN plan text NOT NULL DEFAULT 'free'
    CHECK (plan IN ('free', 'pro', 'studio', 'enterprise'));

CREATE TABLE token.monthly_active_users (
    service_id uuid NOT NULL REFERENCES token.services (id) ON DELETE CASCADE,
    month      date NOT NULL,
    user_id    uuid NOT NULL REFERENCES token.users (id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, month, user_id)
);

CREATE TABLE token.service_usage (
    service_id   uuid    NOT NULL REFERENCES token.services (id) ON DELETE CASCADE,
    month        date    NOT NULL,
    active_users integer NOT NULL CHECK (active_users >= 0),
    PRIMARY KEY (service_id, month)
);
