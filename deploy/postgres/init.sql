-- One database and one login role per Kepuri service (DESIGN.md §3: services never read each
-- other's tables). The official postgres image runs this file once, with psql, when it initialises
-- an empty data volume (/docker-entrypoint-initdb.d); it does not run again on later starts, so a
-- changed password needs `ALTER ROLE` by hand or `docker compose down -v` (which deletes the data).
--
-- The passwords come from the postgres container's environment (psql's \getenv, PostgreSQL >= 15),
-- which docker-compose.yml fills from KEPURI_<SERVICE>_DB_PASSWORD. An unset variable makes the
-- statement below fail (the entrypoint runs psql with ON_ERROR_STOP), so no role is ever created
-- without a password. Each service creates its own tables at start (its migrations), as the owner
-- of its database.

\set ON_ERROR_STOP on

\getenv registration_password KEPURI_REGISTRATION_DB_PASSWORD
\getenv review_password KEPURI_REVIEW_DB_PASSWORD
\getenv notification_password KEPURI_NOTIFICATION_DB_PASSWORD
\getenv analytics_password KEPURI_ANALYTICS_DB_PASSWORD

CREATE ROLE registration LOGIN PASSWORD :'registration_password';
CREATE ROLE review LOGIN PASSWORD :'review_password';
CREATE ROLE notification LOGIN PASSWORD :'notification_password';
CREATE ROLE analytics LOGIN PASSWORD :'analytics_password';

CREATE DATABASE registration OWNER registration ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE review OWNER review ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE notification OWNER notification ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE analytics OWNER analytics ENCODING 'UTF8' TEMPLATE template0;

-- Only its owner (and the superuser) may connect to a service's database.
REVOKE ALL ON DATABASE registration FROM PUBLIC;
REVOKE ALL ON DATABASE review FROM PUBLIC;
REVOKE ALL ON DATABASE notification FROM PUBLIC;
REVOKE ALL ON DATABASE analytics FROM PUBLIC;

-- The key vault (shared/privacy/vault.py): each person's key, for crypto-shredding. Registration
-- makes and destroys keys; notification may only read them. It is infrastructure, like the bus, not
-- a service's database; its tables are created here so that the read-only roles never have to.
-- Review reads only the platform's matching key (matching_keys), never a person's key.
CREATE DATABASE kepuri_keys OWNER registration ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE kepuri_keys FROM PUBLIC;
GRANT CONNECT ON DATABASE kepuri_keys TO notification;
GRANT CONNECT ON DATABASE kepuri_keys TO review;
\connect kepuri_keys
CREATE TABLE subject_keys (
    key_id varchar(32) PRIMARY KEY,
    key bytea NOT NULL,
    created_at timestamptz NOT NULL
);
ALTER TABLE subject_keys OWNER TO registration;
GRANT SELECT ON subject_keys TO notification;
CREATE TABLE matching_keys (
    name varchar(32) PRIMARY KEY,
    key bytea NOT NULL,
    created_at timestamptz NOT NULL
);
ALTER TABLE matching_keys OWNER TO registration;
GRANT SELECT ON matching_keys TO review;
