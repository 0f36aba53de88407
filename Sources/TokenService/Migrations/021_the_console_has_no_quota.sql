-- The account console is the deployment's own service: everyone who manages their account signs
-- in to it, so no plan may cap it (docs/admin.md, "Plans and quotas").
UPDATE token.services SET plan = 'enterprise' WHERE slug = 'account-console';
