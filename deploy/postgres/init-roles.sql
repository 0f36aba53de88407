-- Gatehouse database roles. Run once per database, as a superuser, connected to the
-- Gatehouse database (compose runs it from /docker-entrypoint-initdb.d on first start).
--
--   gatehouse_owner  owns the database and every schema/table: migrations run as it.
--   gatehouse_app    what the services run as: owns nothing, so FORCE ROW LEVEL SECURITY
--                    applies to it. Its table privileges are granted by the migrations.
--
-- Passwords come from psql variables owner_pw / app_pw when given
-- (psql -v owner_pw=... -v app_pw=...), otherwise from the compose secret files.
\set ON_ERROR_STOP on

\if :{?owner_pw}
\else
  \set owner_pw `cat /run/secrets/pg_owner_password`
\endif
\if :{?app_pw}
\else
  \set app_pw `cat /run/secrets/pg_app_password`
\endif

CREATE ROLE gatehouse_owner LOGIN PASSWORD :'owner_pw'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE gatehouse_app LOGIN PASSWORD :'app_pw'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

SELECT current_database() AS gatehouse_db \gset
ALTER DATABASE :"gatehouse_db" OWNER TO gatehouse_owner;
REVOKE ALL ON DATABASE :"gatehouse_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"gatehouse_db" TO gatehouse_app;

-- Nobody but the owner creates objects in public (already the PostgreSQL 15 default).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
