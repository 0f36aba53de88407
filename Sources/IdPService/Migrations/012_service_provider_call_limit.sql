-- A service provider's own limit on its calls (verification requests, status polls and long
-- polls, results, statistics), counted per client id at the gateway. NULL: the deployment's
-- default, GATEHOUSE_RATE_LIMIT_SP (docs/limits.md). Set by the operator:
-- idp-service admin call-limit --client-id ID (--per-minute N | --default).
ALTER TABLE idp.service_providers ADD COLUMN calls_per_minute integer CHECK (calls_per_minute > 0);
