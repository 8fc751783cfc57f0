-- aidledger schema, version 5: the service role (the daemon) can write only what an append writes.
--
-- Before this version the service role's grants were table-wide: it could move the head by hand, insert a stray
-- entry or checkpoint above the head (which then blocked every later append for good: nobody may delete from the
-- chain), rewrite or delete openings with no record, and mint or un-revoke API tokens; and it could not read
-- `aidledger_schema`, so the daemon did not start as that role at all.
--
-- Now, for every role (the owner and superusers included, as for the append-only triggers of version 1; a
-- superuser can still switch triggers off, and the verifier catches what is done then):
--   * the head moves only forward, over entries written in the same transaction contiguously from the old size
--     + 1 to the new size, with a head that matches its last entry and its checkpoint note, and at COMMIT a
--     checkpoint stored at the new size;
--   * an entry is kept only if, at COMMIT, its ledger's head covers it (a stray entry is refused, never left in
--     the way of the next append); a checkpoint, an openings row, a claims row or a batch row is accepted only
--     as the append writes it: for the head, entries or batch entry written by the same transaction;
--   * an openings row changes or disappears only by the erasure of openings that an `erase` entry written in
--     the same transaction names;
--   * a revoked API token stays revoked.
-- The service role additionally loses INSERT on ledgers, ledger_heads and api_tokens (ledgers are created and
-- tokens issued by the owner with `aidledger init` / `aidledger tokens issue`; the daemon does neither on a
-- configured database), UPDATE on api_tokens (the daemon never revokes) and UPDATE, DELETE on openings (the
-- daemon never erases: `aidledger erase` is run by the owner), keeps UPDATE on ledger_heads only for the columns
-- the append sets, and gains SELECT on aidledger_schema (the daemon checks the schema version at start).
--
-- The checks are PL/pgSQL functions owned by the schema owner, SECURITY DEFINER with search_path pinned below to
-- the schema of these tables (then pg_temp, last, so that a temporary table cannot stand in for one of ours);
-- EXECUTE is revoked from PUBLIC. Per-row work is kept off the bulk path: the COPY of entries and openings is
-- checked by statement-level triggers over the transition table, so an append of 10,000 payments adds a few set
-- queries, not 10,000 trigger calls. Nothing here reads or changes an existing row: entries' bytes are untouched.

-- Every entry has a seq ≥ 1 (the format's rule; a row at seq 0 or below would lie outside every check below).
-- NOT VALID: enforced for new rows without scanning the existing ones.
ALTER TABLE entries ADD CONSTRAINT entries_seq_positive CHECK (seq >= 1) NOT VALID;

-- ---------------------------------------------------------------------------------------------------------------
-- Helpers

-- The items of an openings row's `data` (format in 002_openings_rows_of_entries.sql): one per opening, its seq,
-- field code and its bytes (code, salt, length, value) as stored. Raises on a malformed row, so that an UPDATE
-- cannot store one.
CREATE FUNCTION aidledger_openings_items(data bytea, first_seq bigint, last_seq bigint)
RETURNS TABLE (seq bigint, code int, item bytea) LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER AS $$
DECLARE
    n int := length(data);
    p int := 1;
    s bigint;
    previous bigint := NULL;
    count int;
    len int;
BEGIN
    IF n < 1 OR get_byte(data, 0) <> 1 THEN
        RAISE EXCEPTION 'aidledger: openings row %…%: unknown version', first_seq, last_seq USING ERRCODE = 'check_violation';
    END IF;
    WHILE p < n LOOP
        IF p + 9 > n THEN
            RAISE EXCEPTION 'aidledger: openings row %…%: truncated entry', first_seq, last_seq USING ERRCODE = 'check_violation';
        END IF;
        s := ('x' || encode(substring(data FROM p + 1 FOR 8), 'hex'))::bit(64)::bigint;
        count := get_byte(data, p + 8);
        p := p + 9;
        IF s < first_seq OR s > last_seq OR (previous IS NOT NULL AND s <= previous) THEN
            RAISE EXCEPTION 'aidledger: openings row %…%: seq % out of order or range', first_seq, last_seq, s USING ERRCODE = 'check_violation';
        END IF;
        previous := s;
        FOR k IN 1..count LOOP
            IF p + 19 > n OR get_byte(data, p) NOT BETWEEN 1 AND 7 THEN
                RAISE EXCEPTION 'aidledger: openings row %…%: bad field', first_seq, last_seq USING ERRCODE = 'check_violation';
            END IF;
            len := get_byte(data, p + 17) * 256 + get_byte(data, p + 18);
            IF p + 19 + len > n THEN
                RAISE EXCEPTION 'aidledger: openings row %…%: bad value', first_seq, last_seq USING ERRCODE = 'check_violation';
            END IF;
            seq := s;
            code := get_byte(data, p);
            item := substring(data FROM p + 1 FOR 19 + len);
            RETURN NEXT;
            p := p + 19 + len;
        END LOOP;
    END LOOP;
END
$$;

-- The (target seq, field code) pairs that the `erase` entries written by the current transaction erase. The
-- entries of the current transaction are the top of the ledger (it appends after the head it locked), so the
-- non-payment entries are read backwards from the top, on the partial index of migration 004, until the first
-- one written by another transaction. An erase entry's body is {"fields":[…],…,"target":seq} (FORMAT.md §6.6).
CREATE FUNCTION aidledger_erased_here(ledger bigint)
RETURNS TABLE (target bigint, code int) LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
    here xid := pg_current_xact_id()::xid;
    r record;
    j jsonb;
BEGIN
    FOR r IN SELECT e.xmin AS x, e.bytes FROM entries e
             WHERE e.ledger_id = ledger
               AND substring(e.bytes from 1 for 24) <> '\x7b22626f6479223a7b226163636f756e745f74797065223a'::bytea
             ORDER BY e.seq DESC
    LOOP
        EXIT WHEN r.x <> here;
        CONTINUE WHEN substring(r.bytes from 1 for 19) <> convert_to('{"body":{"fields":[', 'UTF8');
        j := convert_from(r.bytes, 'UTF8')::jsonb;
        CONTINUE WHEN j ->> 'kind' IS DISTINCT FROM 'erase';
        RETURN QUERY
            SELECT (j -> 'body' ->> 'target')::bigint,
                   CASE f WHEN 'id_number' THEN 1 WHEN 'name' THEN 2 WHEN 'category' THEN 3 WHEN 'cert_type' THEN 4
                          WHEN 'cert_number' THEN 5 WHEN 'account_number' THEN 6 WHEN 'bank_ref' THEN 7 END
            FROM jsonb_array_elements_text(j -> 'body' -> 'fields') AS f;
    END LOOP;
END
$$;

-- What a head must agree with, wherever it is written: its ledger exists, the entry at its size exists, the
-- frontier has one node per set bit of the size, the checkpoint note is of this ledger at this size; and, for
-- ed25519-sha256 ledgers (PostgreSQL has SHA-256 but no SM3), last_hash is the entry hash of that entry
-- (H(0x00 || bytes), FORMAT.md §4) and the note's root is the root of the frontier (§10). The signature of the
-- note cannot be checked in SQL; the append path checks it (`checkHead`) before it signs anything.
CREATE FUNCTION aidledger_check_head_row(h ledger_heads)
RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
    l record;
    last bytea;
    root bytea;
    k int;
BEGIN
    SELECT origin, suite INTO l FROM ledgers WHERE id = h.ledger_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aidledger: a head for ledger %, which does not exist', h.ledger_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT bytes INTO last FROM entries WHERE ledger_id = h.ledger_id AND seq = h.size;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aidledger: the head of % names size % but there is no entry %', l.origin, h.size, h.size USING ERRCODE = 'insufficient_privilege';
    END IF;
    k := length(replace(h.size::bit(64)::text, '0', ''));
    IF length(h.frontier) <> 32 * k THEN
        RAISE EXCEPTION 'aidledger: the head of % has a frontier of % bytes for size %', l.origin, length(h.frontier), h.size USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF split_part(h.checkpoint, E'\n', 1) <> l.origin OR split_part(h.checkpoint, E'\n', 2) <> h.size::text THEN
        RAISE EXCEPTION 'aidledger: the head of % carries a checkpoint note that is not of this ledger at size %', l.origin, h.size USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF l.suite = 'ed25519-sha256' THEN
        IF h.last_hash <> sha256('\x00'::bytea || last) THEN
            RAISE EXCEPTION 'aidledger: the head of % does not hold the hash of entry %', l.origin, h.size USING ERRCODE = 'insufficient_privilege';
        END IF;
        root := substring(h.frontier FROM 32 * (k - 1) + 1 FOR 32);
        FOR i IN REVERSE k - 1 .. 1 LOOP
            root := sha256('\x01'::bytea || substring(h.frontier FROM 32 * (i - 1) + 1 FOR 32) || root);
        END LOOP;
        IF encode(root, 'base64') <> split_part(h.checkpoint, E'\n', 3) THEN
            RAISE EXCEPTION 'aidledger: the head of % has a frontier whose root is not its checkpoint''s', l.origin USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------------------------
-- The head (ledger_heads)

-- Guards every UPDATE of a head, at once: the ledger stays the same, the size grows, and every entry from the old
-- size + 1 to the new size exists and was written by this transaction (the append COPYs its entries before it
-- compare-and-swaps the head); the row agrees with its last entry and its note (aidledger_check_head_row).
CREATE FUNCTION aidledger_head_moves_forward() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    here xid := pg_current_xact_id()::xid;
    n bigint;
    mine bigint;
BEGIN
    IF NEW.ledger_id <> OLD.ledger_id THEN
        RAISE EXCEPTION 'aidledger: a head cannot change its ledger' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.size <= OLD.size THEN
        RAISE EXCEPTION 'aidledger: the head of ledger % only moves forward (from % to % refused)', OLD.ledger_id, OLD.size, NEW.size
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT count(*), count(*) FILTER (WHERE xmin = here) INTO n, mine
        FROM entries WHERE ledger_id = NEW.ledger_id AND seq > OLD.size AND seq <= NEW.size;
    IF n <> NEW.size - OLD.size OR mine <> n THEN
        RAISE EXCEPTION 'aidledger: the head of ledger % moves from % to % only over entries % to % appended in this transaction',
            OLD.ledger_id, OLD.size, NEW.size, OLD.size + 1, NEW.size USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM aidledger_check_head_row(NEW);
    RETURN NEW;
END
$$;
CREATE TRIGGER ledger_heads_move_forward BEFORE UPDATE ON ledger_heads FOR EACH ROW EXECUTE FUNCTION aidledger_head_moves_forward();

-- Guards every head written by a transaction, at its COMMIT (the append stores the checkpoint after it moved the
-- head; `aidledger init` writes the head before the genesis entry): the head row as committed has a checkpoint
-- stored at its size with its note, no entry of its ledger lies above it, and a new head (INSERT) covers entries
-- 1 … size and agrees with them.
CREATE FUNCTION aidledger_head_at_commit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    h ledger_heads;
    top bigint;
BEGIN
    SELECT * INTO h FROM ledger_heads WHERE ledger_id = NEW.ledger_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aidledger: the head of ledger % is missing at commit', NEW.ledger_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM checkpoints WHERE ledger_id = h.ledger_id AND size = h.size AND note = h.checkpoint) THEN
        RAISE EXCEPTION 'aidledger: the head of ledger % moved to % without its checkpoint stored at that size', h.ledger_id, h.size
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT max(seq) INTO top FROM entries WHERE ledger_id = h.ledger_id;
    IF top IS DISTINCT FROM h.size THEN
        RAISE EXCEPTION 'aidledger: the head of ledger % is at % but its entries end at %', h.ledger_id, h.size, top
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF (SELECT count(*) FROM entries WHERE ledger_id = h.ledger_id AND seq BETWEEN 1 AND h.size) <> h.size THEN
            RAISE EXCEPTION 'aidledger: the new head of ledger % does not cover entries 1 to %', h.ledger_id, h.size
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM aidledger_check_head_row(h);
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER ledger_heads_checked_at_commit AFTER INSERT OR UPDATE ON ledger_heads
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION aidledger_head_at_commit();

-- A head is never removed.
CREATE TRIGGER ledger_heads_no_delete BEFORE DELETE ON ledger_heads FOR EACH ROW EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER ledger_heads_no_truncate BEFORE TRUNCATE ON ledger_heads FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();

-- ---------------------------------------------------------------------------------------------------------------
-- Entries: none above the head at COMMIT

-- The ledgers whose entries the current transaction inserted, to be checked at its COMMIT. Rows live only inside
-- the inserting transaction (the check deletes them). No role but the owner has any privilege on it.
CREATE TABLE aidledger_commit_checks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ledger_id   bigint NOT NULL
);
REVOKE ALL ON aidledger_commit_checks FROM PUBLIC;

-- After each statement that inserts entries (the append's one COPY): one commit check per ledger written.
CREATE FUNCTION aidledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    INSERT INTO aidledger_commit_checks (ledger_id) SELECT DISTINCT ledger_id FROM new_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER entries_checked_at_commit AFTER INSERT ON entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aidledger_entries_inserted();

-- At COMMIT: the ledger has a head, and no entry of it lies above the head. A stray entry (one not covered by a
-- head move in the same transaction) makes the whole transaction fail, so it never stays to block the ledger.
CREATE FUNCTION aidledger_entries_at_commit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    size bigint;
    top bigint;
BEGIN
    SELECT h.size INTO size FROM ledger_heads h WHERE h.ledger_id = NEW.ledger_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aidledger: entries of ledger %, which has no head, are refused', NEW.ledger_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT max(seq) INTO top FROM entries WHERE ledger_id = NEW.ledger_id;
    IF top > size THEN
        RAISE EXCEPTION 'aidledger: entry % of ledger % lies above its head (%): entries are written only by an append that moves the head over them',
            top, NEW.ledger_id, size USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM aidledger_commit_checks WHERE id = NEW.id;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER aidledger_commit_checks_at_commit AFTER INSERT ON aidledger_commit_checks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION aidledger_entries_at_commit();

-- ---------------------------------------------------------------------------------------------------------------
-- Checkpoints: only the one at the head, stored by the transaction that moved the head there

CREATE FUNCTION aidledger_checkpoint_of_the_head() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    h record;
BEGIN
    SELECT size, checkpoint, xmin AS x INTO h FROM ledger_heads WHERE ledger_id = NEW.ledger_id;
    IF NOT FOUND OR h.size <> NEW.size OR h.checkpoint <> NEW.note OR h.x <> pg_current_xact_id()::xid THEN
        RAISE EXCEPTION 'aidledger: a checkpoint of ledger % at size % is refused: checkpoints are stored only by the append that moves the head to their size, with its note',
            NEW.ledger_id, NEW.size USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER checkpoints_of_the_head BEFORE INSERT ON checkpoints FOR EACH ROW EXECUTE FUNCTION aidledger_checkpoint_of_the_head();

-- ---------------------------------------------------------------------------------------------------------------
-- Openings, claims, batch ids: only for entries of the same transaction

-- A new openings row covers payments appended by this transaction: its first and last seq are payment entries
-- written by it (every payment entry, and only one, begins with {"body":{"account_type":, migration 004).
CREATE FUNCTION aidledger_openings_inserted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    here xid := pg_current_xact_id()::xid;
    bad record;
BEGIN
    SELECT o.ledger_id, o.first_seq, o.last_seq INTO bad FROM new_rows o
    WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.ledger_id = o.ledger_id AND e.seq = o.first_seq AND e.xmin = here
                        AND substring(e.bytes from 1 for 24) = '\x7b22626f6479223a7b226163636f756e745f74797065223a'::bytea)
       OR NOT EXISTS (SELECT 1 FROM entries e WHERE e.ledger_id = o.ledger_id AND e.seq = o.last_seq AND e.xmin = here
                        AND substring(e.bytes from 1 for 24) = '\x7b22626f6479223a7b226163636f756e745f74797065223a'::bytea)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'aidledger: an openings row of ledger % for seq % to % is refused: openings are written only with the payments they open, by their append',
            bad.ledger_id, bad.first_seq, bad.last_seq USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER openings_of_this_append AFTER INSERT ON openings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aidledger_openings_inserted();

-- An openings row is rewritten or deleted only by an erasure on record: the openings it loses are exactly
-- openings that `erase` entries written by this transaction name (target seq and field), it gains and changes
-- none, and it keeps its ledger and seq range. (`aidledger erase`, as the owner, appends the erase entry and then
-- deletes the openings in the same transaction: GroupAppend.append → LedgerStore.deleteOpenings.)
CREATE FUNCTION aidledger_openings_erased_on_record() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    bad record;
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.ledger_id, NEW.first_seq, NEW.last_seq) IS DISTINCT FROM (OLD.ledger_id, OLD.first_seq, OLD.last_seq) THEN
        RAISE EXCEPTION 'aidledger: an openings row keeps its ledger and seq range' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT n.seq INTO bad FROM aidledger_openings_items(NEW.data, NEW.first_seq, NEW.last_seq) n
        WHERE NOT EXISTS (SELECT 1 FROM aidledger_openings_items(OLD.data, OLD.first_seq, OLD.last_seq) o WHERE o.seq = n.seq AND o.item = n.item)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'aidledger: openings of seq % would be added or changed: openings are only ever erased', bad.seq
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    SELECT o.seq, o.code INTO bad FROM aidledger_openings_items(OLD.data, OLD.first_seq, OLD.last_seq) o
    WHERE (TG_OP = 'DELETE' OR NOT EXISTS (SELECT 1 FROM aidledger_openings_items(NEW.data, NEW.first_seq, NEW.last_seq) n WHERE n.seq = o.seq AND n.item = o.item))
      AND NOT EXISTS (SELECT 1 FROM aidledger_erased_here(OLD.ledger_id) x WHERE x.target = o.seq AND x.code = o.code)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'aidledger: % of the openings of seq % (field %) is refused: openings are erased only with an erase entry naming them, appended in the same transaction',
            TG_OP, bad.seq, bad.code USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER openings_erased_on_record BEFORE UPDATE OR DELETE ON openings FOR EACH ROW EXECUTE FUNCTION aidledger_openings_erased_on_record();

-- A claims row belongs to a batch appended by this transaction: the entry before its first seq is a batch entry
-- written by it, with one 16-byte claim per payment (`count`).
CREATE FUNCTION aidledger_claims_inserted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    here xid := pg_current_xact_id()::xid;
    bad record;
BEGIN
    SELECT c.ledger_id, c.first_seq INTO bad FROM new_rows c
    WHERE NOT EXISTS (
        SELECT 1 FROM entries e, LATERAL (SELECT convert_from(e.bytes, 'UTF8')::jsonb AS j) x
        WHERE e.ledger_id = c.ledger_id AND e.seq = c.first_seq - 1 AND e.xmin = here
          AND substring(e.bytes from 1 for 21) = convert_to('{"body":{"batch_id":"', 'UTF8')
          AND x.j ->> 'kind' = 'batch' AND (x.j -> 'body' ->> 'count')::bigint = length(c.claims) / 16)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'aidledger: a claims row of ledger % at seq % is refused: claims are written only with their batch, by its append',
            bad.ledger_id, bad.first_seq USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER payment_claims_of_this_append AFTER INSERT ON payment_claims REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aidledger_claims_inserted();

-- A batch-id row names a batch entry written by this transaction, with its batch id and count.
CREATE FUNCTION aidledger_batches_inserted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    here xid := pg_current_xact_id()::xid;
    bad record;
BEGIN
    SELECT b.ledger_id, b.batch_id INTO bad FROM new_rows b
    WHERE NOT EXISTS (
        SELECT 1 FROM entries e, LATERAL (SELECT convert_from(e.bytes, 'UTF8')::jsonb AS j) x
        WHERE e.ledger_id = b.ledger_id AND e.seq = b.seq AND e.xmin = here
          AND substring(e.bytes from 1 for 21) = convert_to('{"body":{"batch_id":"', 'UTF8')
          AND x.j ->> 'kind' = 'batch' AND x.j -> 'body' ->> 'batch_id' = b.batch_id AND (x.j -> 'body' ->> 'count')::bigint = b.count)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'aidledger: batch row % of ledger % is refused: batch ids are written only with their batch entry, by its append',
            bad.batch_id, bad.ledger_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER batches_of_this_append AFTER INSERT ON batches REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aidledger_batches_inserted();

-- ---------------------------------------------------------------------------------------------------------------
-- API tokens: a revoked token stays revoked

-- The only change to a token is its revocation (revoked_at from NULL to a time); nothing else of it changes.
CREATE FUNCTION aidledger_token_only_revoked() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF (NEW.token_hash, NEW.ledger_id, NEW.key_name, NEW.label, NEW.created_at) IS DISTINCT FROM (OLD.token_hash, OLD.ledger_id, OLD.key_name, OLD.label, OLD.created_at)
       OR OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL THEN
        RAISE EXCEPTION 'aidledger: an API token can only be revoked, once (a revoked token stays revoked)' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER api_tokens_only_revoked BEFORE UPDATE ON api_tokens FOR EACH ROW EXECUTE FUNCTION aidledger_token_only_revoked();

-- ---------------------------------------------------------------------------------------------------------------
-- Pinned search_path and EXECUTE of the functions above; the grants of the service role.

DO $$
DECLARE
    s name := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'entries'::regclass);
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = s::text::regnamespace
               AND p.proname IN ('aidledger_openings_items', 'aidledger_erased_here', 'aidledger_check_head_row',
                                 'aidledger_head_moves_forward', 'aidledger_head_at_commit', 'aidledger_entries_inserted',
                                 'aidledger_entries_at_commit', 'aidledger_checkpoint_of_the_head', 'aidledger_openings_inserted',
                                 'aidledger_openings_erased_on_record', 'aidledger_claims_inserted', 'aidledger_batches_inserted',
                                 'aidledger_token_only_revoked')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, s);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

-- The daemon checks the schema version at start (it never migrates a configured database).
GRANT SELECT ON aidledger_schema TO aidledger_service;
-- Ledgers are created by `aidledger init` as the owner; the daemon only appends to them.
REVOKE INSERT ON ledgers FROM aidledger_service;
REVOKE INSERT, UPDATE ON ledger_heads FROM aidledger_service;
GRANT UPDATE (size, last_hash, frontier, last_time, checkpoint) ON ledger_heads TO aidledger_service;
-- Erasure is the admin's, with `aidledger erase` as the owner; the daemon has no erase route.
REVOKE UPDATE, DELETE ON openings FROM aidledger_service;
-- Tokens are issued and revoked by the owner (`aidledger tokens issue|revoke`); the daemon only reads them.
REVOKE INSERT, UPDATE ON api_tokens FROM aidledger_service;
