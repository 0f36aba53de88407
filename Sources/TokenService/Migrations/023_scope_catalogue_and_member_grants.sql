-- Scopes per service (docs/oidc.md, "A service's own scopes"; seed 000 section 1.2). The catalogue
-- lives beside the names it already had (`scopes`), position by position: the consent page's
-- words in Korean and English, the scopes every member holds (`default_scopes`) and the ones
-- every authorization of the service includes (`required_scopes`, also default). A scope is
-- defined once, so a CHECK keeps the arrays aligned.
ALTER TABLE token.services
    ADD COLUMN scope_descriptions_ko text[] NOT NULL DEFAULT '{}',
    ADD COLUMN scope_descriptions_en text[] NOT NULL DEFAULT '{}',
    ADD COLUMN default_scopes        text[] NOT NULL DEFAULT '{}',
    ADD COLUMN required_scopes       text[] NOT NULL DEFAULT '{}';
-- Scopes defined before had no holders: anyone's client could be granted them. They stay so
-- (default: every member holds them), named by themselves until an admin gives them words.
UPDATE token.services SET scope_descriptions_ko = scopes, scope_descriptions_en = scopes, default_scopes = scopes
WHERE cardinality(scopes) > 0;
ALTER TABLE token.services ADD CONSTRAINT scope_catalogue_aligned CHECK (
    cardinality(scope_descriptions_ko) = cardinality(scopes) AND cardinality(scope_descriptions_en) = cardinality(scopes)
    AND default_scopes <@ scopes AND required_scopes <@ default_scopes);

-- What one member holds besides their role: scopes of the catalogue granted to them (on top of
-- the defaults) and permissions of their own. Both reach their access tokens.
ALTER TABLE token.memberships
    ADD COLUMN scopes      text[] NOT NULL DEFAULT '{}',
    ADD COLUMN permissions text[] NOT NULL DEFAULT '{}';

-- Every path that signs a member's token reads the membership through this function (it names
-- the service for the row-level policy); it now answers the grants too.
DROP FUNCTION token.membership(uuid, uuid);
CREATE FUNCTION token.membership(p_service uuid, p_user uuid)
    RETURNS TABLE (role text, status text, scopes text[], permissions text[])
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.service_id', p_service::text, true);
    RETURN QUERY SELECT m.role, m.status, m.scopes, m.permissions FROM token.memberships m
                 WHERE m.service_id = p_service AND m.user_id = p_user;
END
$$;
