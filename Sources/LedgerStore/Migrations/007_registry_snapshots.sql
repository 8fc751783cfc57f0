-- aidledger schema, version 7: registry snapshots, the enrollment (学籍), certificate (证) and identity (身份) files a
-- cross-check joins payments against (DESIGN §4), each kept as imported, as of a date.
--
-- A snapshot is kept forever, unchanged, so that any past cross-check run can be reproduced exactly: UPDATE, DELETE
-- and TRUNCATE are refused for every role (the owner and superusers included, as for the chain in version 1; a
-- superuser can still switch triggers off). Rows are added only with their snapshot, by the transaction that
-- created it, and at COMMIT a snapshot holds exactly its rows 1 … row_count.
--
-- The rows are personal data in clear (ID numbers, names, certificates, deaths): they are granted like `openings`
-- (the service role may read and insert them, nothing else) and never logged. `data` is the row's canonical JSON
-- (RegistryRowCoding); `person_key` is the keyed hash of its ID number under the deployment's person-key secret
-- (docs/DESIGN.md, "Person keys"), the only form in which rows are joined — never a plain hash.

CREATE TABLE registry_snapshots (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text   NOT NULL CHECK (kind IN ('enrollment', 'certificates', 'identity')),
    as_of        date   NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now(),
    file_name    text   NOT NULL CHECK (length(file_name) BETWEEN 1 AND 1000),
    file_sha256  bytea  NOT NULL CHECK (length(file_sha256) = 32),
    row_count    bigint NOT NULL CHECK (row_count >= 0)
);
CREATE INDEX registry_snapshots_by_kind ON registry_snapshots (kind, as_of, id);

-- One row per row of the file, in file order (row_no 1, 2, …). No foreign key to the snapshot: the rows are
-- checked once per statement below (a per-row foreign-key check would double the COPY's time).
CREATE TABLE registry_rows (
    snapshot_id  bigint NOT NULL,
    row_no       integer NOT NULL CHECK (row_no >= 1),
    person_key   bytea  NOT NULL CHECK (length(person_key) = 16),
    data         bytea  NOT NULL,
    PRIMARY KEY (snapshot_id, row_no)
);

-- Kept as imported.
CREATE FUNCTION aidledger_registry_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'aidledger: % on % is refused: registry snapshots are kept as imported, so that any past run can be reproduced', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER registry_snapshots_unchanged BEFORE UPDATE OR DELETE ON registry_snapshots FOR EACH ROW EXECUTE FUNCTION aidledger_registry_unchanged();
CREATE TRIGGER registry_snapshots_no_truncate BEFORE TRUNCATE ON registry_snapshots FOR EACH STATEMENT EXECUTE FUNCTION aidledger_registry_unchanged();
CREATE TRIGGER registry_rows_unchanged BEFORE UPDATE OR DELETE ON registry_rows FOR EACH ROW EXECUTE FUNCTION aidledger_registry_unchanged();
CREATE TRIGGER registry_rows_no_truncate BEFORE TRUNCATE ON registry_rows FOR EACH STATEMENT EXECUTE FUNCTION aidledger_registry_unchanged();

-- Rows belong to a snapshot created by the same transaction: nothing is added to a snapshot once it is committed.
-- Once per statement (the import's one COPY), over the statement's new rows.
CREATE FUNCTION aidledger_registry_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT r.snapshot_id INTO bad FROM (SELECT DISTINCT snapshot_id FROM new_rows) r
    WHERE NOT EXISTS (SELECT 1 FROM registry_snapshots s WHERE s.id = r.snapshot_id AND s.xmin = pg_current_xact_id()::xid)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'aidledger: rows for registry snapshot % are refused: rows are written only with their snapshot, by its import', bad
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER registry_rows_of_this_import AFTER INSERT ON registry_rows REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aidledger_registry_rows_inserted();

-- At COMMIT, a new snapshot holds exactly the rows 1 … row_count (row_no is unique per snapshot, so a count and
-- the highest row_no say it).
CREATE FUNCTION aidledger_registry_snapshot_complete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    top bigint;
BEGIN
    SELECT count(*), coalesce(max(row_no), 0) INTO n, top FROM registry_rows WHERE snapshot_id = NEW.id;
    IF n <> NEW.row_count OR top <> NEW.row_count THEN
        RAISE EXCEPTION 'aidledger: registry snapshot % is incomplete at commit: % rows (up to row %), % declared', NEW.id, n, top, NEW.row_count
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER registry_snapshots_complete_at_commit AFTER INSERT ON registry_snapshots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION aidledger_registry_snapshot_complete();

-- Pinned search_path (then pg_temp, last, so that a temporary table cannot stand in for one of ours), and no
-- EXECUTE for PUBLIC, as for the functions of version 5.
DO $$
DECLARE
    s name := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'registry_rows'::regclass);
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = s::text::regnamespace
               AND p.proname IN ('aidledger_registry_unchanged', 'aidledger_registry_rows_inserted', 'aidledger_registry_snapshot_complete')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, s);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

-- The service role: like openings, read and insert; no UPDATE, DELETE or TRUNCATE (the triggers refuse them anyway).
REVOKE ALL ON registry_snapshots, registry_rows FROM aidledger_service;
GRANT SELECT, INSERT ON registry_snapshots, registry_rows TO aidledger_service;
