-- aidledger schema, version 3: the daemon's API tokens and the record of every read of personal values.

-- API tokens, stored only as SHA-256 hashes. A token names a key enrolled in its ledger: role and unit scope
-- come from that key's entry in the ledger (and its revocation there ends the token too).
CREATE TABLE api_tokens (
    token_hash  bytea  PRIMARY KEY CHECK (length(token_hash) = 32),
    ledger_id   bigint NOT NULL REFERENCES ledgers (id),
    key_name    text   NOT NULL,
    label       text   NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Who saw which personal values of which entry, when, and why. Append-only: inspectors list it.
CREATE TABLE access_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ledger_id   bigint NOT NULL REFERENCES ledgers (id),
    principal   text   NOT NULL,
    seq         bigint NOT NULL,
    fields      text[] NOT NULL,
    purpose     text   NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_log_by_ledger ON access_log (ledger_id, id);

CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log FOR EACH ROW EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();

REVOKE ALL ON api_tokens, access_log FROM aidledger_service;
GRANT SELECT, INSERT ON api_tokens TO aidledger_service;
GRANT UPDATE (revoked_at) ON api_tokens TO aidledger_service;
GRANT SELECT, INSERT ON access_log TO aidledger_service;
