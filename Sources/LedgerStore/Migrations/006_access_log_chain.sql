-- aidledger schema, version 6: the access log becomes a hash chain whose head the ledger commits.
--
-- Each new record of a personal read gets its number n in the ledger's log (1, 2, …), the previous record's
-- chain hash and its own (FORMAT.md §6.7: H("aidledger/v1/access" || 0x00 || prev || canonical record), H the
-- ledger's hash function). `access_log_heads` holds the last record's n and hash; writers lock it, so records
-- are chained one at a time. Appends commit the head in an `access` entry, so a record altered or deleted after
-- that no longer hashes to a head the ledger key has signed (`aidledger verify` from the database checks it).
-- Records from before this version keep n NULL: they are listed, not chained.

ALTER TABLE access_log ADD COLUMN n bigint, ADD COLUMN prev bytea, ADD COLUMN hash bytea;
ALTER TABLE access_log ADD CONSTRAINT access_log_chain_complete
    CHECK ((n IS NULL AND prev IS NULL AND hash IS NULL) OR (n >= 1 AND length(prev) = 32 AND length(hash) = 32)) NOT VALID;
CREATE UNIQUE INDEX access_log_chain ON access_log (ledger_id, n) WHERE n IS NOT NULL;

CREATE TABLE access_log_heads (
    ledger_id bigint PRIMARY KEY REFERENCES ledgers (id),
    n         bigint NOT NULL CHECK (n >= 0),
    hash      bytea  NOT NULL CHECK (length(hash) = 32)
);

-- The head only moves to the record just added: n + 1, that record's hash.
CREATE FUNCTION aidledger_access_log_head_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.n <> 0 OR NEW.hash <> '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea THEN
            RAISE EXCEPTION 'an access-log head starts at 0' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.ledger_id <> OLD.ledger_id OR NEW.n <> OLD.n + 1
       OR NOT EXISTS (SELECT 1 FROM access_log WHERE ledger_id = NEW.ledger_id AND n = NEW.n AND hash = NEW.hash AND prev = OLD.hash) THEN
        RAISE EXCEPTION 'the access-log head moves only to the record just chained after it' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER access_log_heads_move BEFORE INSERT OR UPDATE ON access_log_heads FOR EACH ROW EXECUTE FUNCTION aidledger_access_log_head_moves();
CREATE TRIGGER access_log_heads_no_delete BEFORE DELETE ON access_log_heads FOR EACH ROW EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER access_log_heads_no_truncate BEFORE TRUNCATE ON access_log_heads FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();

REVOKE ALL ON access_log_heads FROM aidledger_service;
GRANT SELECT, INSERT, UPDATE ON access_log_heads TO aidledger_service;
