-- A SERVICE_ADMIN manages the services it owns (issue 6). NULL: only SUPER_ADMINs manage it.
ALTER TABLE token.services ADD COLUMN owner_user_id uuid REFERENCES token.users (id);
CREATE INDEX services_owner ON token.services (owner_user_id) WHERE owner_user_id IS NOT NULL;
