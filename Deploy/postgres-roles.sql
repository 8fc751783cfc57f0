-- Roles, database and grants for aidledger on a production PostgreSQL (15 or later). Run with psql as a superuser,
-- once, before the first `aidledger migrate`; re-running is harmless:
--
--   psql -v ON_ERROR_STOP=1 -f Deploy/postgres-roles.sql                      (database `aidledger`)
--   psql -v ON_ERROR_STOP=1 -v dbname=ledger_hn -f Deploy/postgres-roles.sql  (another name)
--
--   aidledger_owner    owns the database and the schema: runs `aidledger migrate`, `aidledger init`, and the
--                      admin commands (`keys enroll|revoke`, `tokens issue|revoke`, `erase`, `import`).
--   aidledger_service  NOLOGIN group role: what the daemon may do, granted by the migrations (see below).
--   aidledgerd         the daemon's login role, a member of aidledger_service.
--
-- Authentication is yours to set (pg_hba.conf): a password (ALTER ROLE … PASSWORD), peer or certificates.

\if :{?dbname}
\else
\set dbname aidledger
\endif

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidledger_owner') THEN
        CREATE ROLE aidledger_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidledger_service') THEN
        CREATE ROLE aidledger_service NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidledgerd') THEN
        CREATE ROLE aidledgerd LOGIN;
    END IF;
END
$$;
-- Membership (also when aidledgerd existed before); the daemon needs no role attributes of its own.
GRANT aidledger_service TO aidledgerd;
ALTER ROLE aidledgerd NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE aidledger_owner NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- Durability: receipts are answered after COMMIT with synchronous_commit on (the default). Keep it on for the
-- daemon's role.
ALTER ROLE aidledgerd SET synchronous_commit = on;

-- The database, owned by the schema owner.
SELECT format('CREATE DATABASE %I OWNER aidledger_owner', :'dbname')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname') \gexec
SELECT format('ALTER DATABASE %I OWNER TO aidledger_owner', :'dbname') \gexec

-- Only the owner and the daemon connect; nobody else may create anything in it.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'dbname') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO aidledger_service', :'dbname') \gexec

\connect :"dbname"
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO aidledger_service;

-- Next, as aidledger_owner: `aidledger migrate --database postgresql://aidledger_owner@HOST/DBNAME`.
--
-- After the migrations (version 5), aidledger_service has:
--   SELECT                                on aidledger_schema, ledgers, api_tokens, and everything below;
--   SELECT, INSERT                        on entries, checkpoints, batches, openings, payment_claims, access_log,
--                                         registry_snapshots, registry_rows (migration 7);
--   SELECT, UPDATE (size, last_hash, frontier, last_time, checkpoint) on ledger_heads;
-- and no UPDATE, DELETE or TRUNCATE anywhere else. What it inserts is checked by triggers (migration 005): the head
-- moves only forward, over entries its transaction appended, with a checkpoint stored at the new size; an entry
-- above the head, a checkpoint that is not the head's, openings, claims or batch rows not of the transaction's
-- own entries are refused (at COMMIT for entries). Openings change only by an erase on record (`aidledger erase`,
-- as the owner), and a revoked token stays revoked, for every role. Check with:
--   SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = 'aidledger_service' ORDER BY 1, 2;
--   SELECT table_name, column_name, privilege_type FROM information_schema.column_privileges
--     WHERE grantee = 'aidledger_service' AND privilege_type = 'UPDATE';
