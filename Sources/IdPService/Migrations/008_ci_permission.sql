-- Whether an SP's results carry the plain CI (issue 27). The CI is the same for a person at every
-- SP, so any two SPs holding it can join their records; the DI (per SP) is what most need. Only
-- the operator grants it (`idp-service admin ci-permission`, the future CIBA `kr_identity`
-- scope); every SP, those that existed before this migration included, starts without it.
ALTER TABLE idp.service_providers ADD COLUMN may_receive_ci boolean NOT NULL DEFAULT false;
