-- aidledger schema, version 2: the openings of consecutive entries share one row.
--
-- Version 1 kept one openings row per payment, as JSON with hex salts; its heap tuple and primary-key entry
-- cost as much as the entry row itself, and its bytes were a third of what an append wrote. Now one row holds
-- the openings of the entries first_seq … last_seq of one append, binary, up to about 7.6 KB of data, so that
-- it stays in its heap page uncompressed (toast_tuple_target). `data` (all integers big-endian):
--   data  = 0x01 entry*                        (format version 1)
--   entry = seq:int8 count:int1 field*count    (seqs ascending; an entry without openings is absent)
--   field = code:int1 salt:16 bytes length:int2 value:UTF-8
-- Field codes, fixed: 1 id_number, 2 name, 3 category, 4 cert_type, 5 cert_number, 6 account_number, 7 bank_ref.
-- A seq of the range may be absent (erased). Erasing rewrites or deletes the row, in the transaction of the
-- signed `erase` entry. The Swift side is LedgerStore/OpeningsRow.swift.

CREATE TABLE openings_v2 (
    ledger_id   bigint NOT NULL,
    first_seq   bigint NOT NULL,
    last_seq    bigint NOT NULL CHECK (last_seq >= first_seq),
    data        bytea  NOT NULL,
    PRIMARY KEY (ledger_id, first_seq)
) WITH (toast_tuple_target = 8160);

INSERT INTO openings_v2 (ledger_id, first_seq, last_seq, data)
    SELECT o.ledger_id, o.seq, o.seq,
           '\x01'::bytea || int8send(o.seq) || set_byte('\x00'::bytea, 0, count(*)::int)
           || string_agg(set_byte('\x00'::bytea, 0, CASE f.key WHEN 'id_number' THEN 1 WHEN 'name' THEN 2 WHEN 'category' THEN 3
                                                             WHEN 'cert_type' THEN 4 WHEN 'cert_number' THEN 5
                                                             WHEN 'account_number' THEN 6 WHEN 'bank_ref' THEN 7 END)
                         || decode(f.value ->> 'salt', 'hex')
                         || int2send(octet_length(convert_to(f.value ->> 'value', 'UTF8'))::int2)
                         || convert_to(f.value ->> 'value', 'UTF8'), ''::bytea ORDER BY f.key)
    FROM openings o, jsonb_each(convert_from(o.data, 'UTF8')::jsonb) f
    WHERE f.key IN ('id_number', 'name', 'category', 'cert_type', 'cert_number', 'account_number', 'bank_ref')
    GROUP BY o.ledger_id, o.seq;

DROP TABLE openings;
ALTER TABLE openings_v2 RENAME TO openings;
ALTER INDEX openings_v2_pkey RENAME TO openings_pkey;

CREATE TRIGGER openings_no_truncate BEFORE TRUNCATE ON openings FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();

REVOKE ALL ON openings FROM aidledger_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON openings TO aidledger_service;
