-- Roles and grants for aidledger on a production PostgreSQL. Run as a superuser (or a role with CREATEROLE),
-- once, before the first `aidledger migrate`; re-running is harmless.
--
--   aidledger_owner    owns the schema: runs `aidledger migrate` (and `aidledger init` for a new ledger).
--   aidledger_service  NOLOGIN group role created by the migrations with exactly what the daemon needs: no
--                      UPDATE, DELETE or TRUNCATE on the chain (entries, checkpoints, batches, ledgers, access_log);
--                      triggers refuse those even to the owner.
--   aidledgerd         the daemon's login role, a member of aidledger_service.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidledger_owner') THEN
        CREATE ROLE aidledger_owner LOGIN;          -- set a password or use peer/cert authentication
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidledger_service') THEN
        CREATE ROLE aidledger_service NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidledgerd') THEN
        CREATE ROLE aidledgerd LOGIN IN ROLE aidledger_service;
    END IF;
END
$$;

-- The database itself (adjust the name): owned by the schema owner, the daemon may only connect.
-- CREATE DATABASE aidledger OWNER aidledger_owner;
-- \c aidledger
-- REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- GRANT USAGE ON SCHEMA public TO aidledger_service;

-- After `aidledger migrate --database postgresql://aidledger_owner@…/aidledger`, the migrations have granted
-- aidledger_service: SELECT, INSERT on ledgers, entries, checkpoints, batches, api_tokens, access_log;
-- SELECT, INSERT, UPDATE on ledger_heads; SELECT, INSERT, UPDATE, DELETE on openings (erasure);
-- UPDATE (revoked_at) on api_tokens. Check with:
--   SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = 'aidledger_service' ORDER BY 1, 2;

-- Durability: receipts are answered after COMMIT with synchronous_commit on (the default). Keep it on for the
-- daemon's role:
ALTER ROLE aidledgerd SET synchronous_commit = on;
