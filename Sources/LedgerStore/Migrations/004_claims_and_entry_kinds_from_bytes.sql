-- aidledger schema, version 4: payment claims (keyed person keys) and the non-payment entries found from the
-- entries' bytes, not from the mutable `kind` column.

-- The claims of the payments, packed per batch: `claims` holds 16 bytes per payment, the claim of payment
-- first_seq + i at offset 16 i. A claim is HMAC-SHA-256 under the deployment's person-key secret of the
-- person and of the programme and period (PersonKeys): never an ID number, never a plain hash of one. The
-- append path refuses a second payment of a claim (a person paid twice for the same programme and period)
-- unless the payment is marked supplementary. Written in the same transaction as the entries. Append-only.
CREATE TABLE payment_claims (
    ledger_id   bigint NOT NULL,
    first_seq   bigint NOT NULL,
    claims      bytea  NOT NULL CHECK (length(claims) % 16 = 0 AND length(claims) > 0),
    PRIMARY KEY (ledger_id, first_seq)
) WITH (toast_tuple_target = 8160);
CREATE TRIGGER payment_claims_append_only BEFORE UPDATE OR DELETE ON payment_claims FOR EACH ROW EXECUTE FUNCTION aidledger_refuse_change();
CREATE TRIGGER payment_claims_no_truncate BEFORE TRUNCATE ON payment_claims FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();
REVOKE ALL ON payment_claims FROM aidledger_service;
GRANT SELECT, INSERT ON payment_claims TO aidledger_service;

-- The entries that are not payments (genesis, keys, batch headers, reversals, erasures), which admission reads
-- to know the keys and the reversals. Chosen by the bytes themselves: every payment entry, and only a payment
-- entry, begins with {"body":{"account_type": (its body's first member in canonical order), so changing the
-- `kind` column cannot hide a revocation from the append path.
CREATE INDEX entries_not_payments_by_bytes ON entries (ledger_id, seq)
    WHERE substring(bytes from 1 for 24) <> '\x7b22626f6479223a7b226163636f756e745f74797065223a'::bytea;
-- The genesis and key entries (what token roles are read from), also by their first bytes: a key entry's body
-- begins with "action", the genesis entry's with "admin_key", and no other entry's does.
CREATE INDEX entries_keys_by_bytes ON entries (ledger_id, seq)
    WHERE substring(bytes from 1 for 18) = '\x7b22626f6479223a7b22616374696f6e223a'::bytea
       OR substring(bytes from 1 for 21) = '\x7b22626f6479223a7b2261646d696e5f6b6579223a'::bytea;
DROP INDEX entries_not_payments;
