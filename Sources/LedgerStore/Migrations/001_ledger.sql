-- aidledger schema, version 1: ledgers, their heads, entries, checkpoints, openings, batch ids.
-- Applied by `aidledger init` (or the daemon at start) inside one transaction; see Deploy/ for production roles.

CREATE TABLE ledgers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin      text NOT NULL UNIQUE,
    suite       text NOT NULL CHECK (suite IN ('ed25519-sha256', 'sm2-sm3')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The head of each ledger: what an append needs without re-reading the chain. Appends lock this row and
-- compare-and-swap it (WHERE size = the size they built on), so two writers can never fork a ledger.
CREATE TABLE ledger_heads (
    ledger_id   bigint PRIMARY KEY REFERENCES ledgers (id),
    size        bigint NOT NULL CHECK (size >= 0),
    last_hash   bytea  NOT NULL CHECK (length(last_hash) = 32),
    frontier    bytea  NOT NULL,              -- the Merkle frontier: 32-byte subtree roots, largest first
    last_time   text   NOT NULL,
    checkpoint  text   NOT NULL               -- the latest signed checkpoint note
);

-- Entries exactly as hashed (canonical JSON): the bytes are the record, and their hash is computed from them,
-- never stored beside them. Append-only. No foreign key to ledgers: every entry is written by an append that
-- holds its ledger's head row locked, and a per-row foreign-key check doubled the COPY time.
CREATE TABLE entries (
    ledger_id   bigint NOT NULL,
    seq         bigint NOT NULL,
    kind        text   NOT NULL,
    bytes       bytea  NOT NULL,
    PRIMARY KEY (ledger_id, seq)
);

-- The few entries that are not payments (genesis, keys, batch headers, reversals, erasures), for the key state
-- and reversal checks an append makes: without it each check scanned the whole ledger.
CREATE INDEX entries_not_payments ON entries (ledger_id, kind, seq) WHERE kind <> 'payment';

-- Every signed checkpoint. Append-only.
CREATE TABLE checkpoints (
    ledger_id   bigint NOT NULL REFERENCES ledgers (id),
    size        bigint NOT NULL CHECK (size >= 1),
    note        text   NOT NULL,
    signed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ledger_id, size)
);

-- Batch ids, unique per ledger (a retried batch is recognised, never appended twice). Append-only.
CREATE TABLE batches (
    ledger_id   bigint NOT NULL REFERENCES ledgers (id),
    batch_id    text   NOT NULL,
    seq         bigint NOT NULL,
    count       bigint NOT NULL,
    PRIMARY KEY (ledger_id, batch_id)
);

-- Openings of commitments: personal data, kept apart from the chain, one row per entry. `data` is canonical JSON
-- (UTF-8): {"<field>":{"salt":"<32 hex>","value":"<value>"},…} — readable in SQL as convert_from(data, 'UTF8')::jsonb.
-- The only rows that may change, by `aidledger erase`, which first appends a signed entry saying which and why.
-- Written in the same transaction as their entries. (One row per field cost five index insertions per payment,
-- measured 9 times the row cost; arrays cost a decode per row.)
CREATE TABLE openings (
    ledger_id     bigint NOT NULL,
    seq           bigint NOT NULL,
    data          bytea  NOT NULL,
    PRIMARY KEY (ledger_id, seq)
);

-- Append-only, enforced for every role including the owner and superusers (who can still disable triggers:
-- the verifier catches what they do then).
CREATE FUNCTION aidledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'aidledger: % on % is refused: the ledger is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries FOR EACH ROW EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints FOR EACH ROW EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER batches_append_only BEFORE UPDATE OR DELETE ON batches FOR EACH ROW EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER batches_no_truncate BEFORE TRUNCATE ON batches FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER ledgers_append_only BEFORE UPDATE OR DELETE ON ledgers FOR EACH ROW EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER ledgers_no_truncate BEFORE TRUNCATE ON ledgers FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER openings_no_truncate BEFORE TRUNCATE ON openings FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();

-- The service role: what the daemon and CLI need, and no more. No UPDATE, DELETE or TRUNCATE on the chain.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aidledger_service') THEN
        CREATE ROLE aidledger_service NOLOGIN;
    END IF;
END
$$;
REVOKE ALL ON ledgers, ledger_heads, entries, checkpoints, batches, openings FROM aidledger_service;
GRANT SELECT, INSERT ON ledgers, entries, checkpoints, batches TO aidledger_service;
GRANT SELECT, INSERT, UPDATE ON ledger_heads TO aidledger_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON openings TO aidledger_service;
