-- aidledger schema, version 2: the openings of consecutive entries share one row.
--
-- Version 1 kept one openings row per payment; its heap tuple and primary-key entry cost as much as the entry row
-- itself (a 1,000,000-payment append spent a third of its time there). Now one row holds the openings of the
-- entries first_seq … last_seq of one append, up to about 7.6 KB of data, so that it stays in its heap page
-- uncompressed (toast_tuple_target). `data` is JSON (UTF-8), seqs ascending:
--   {"<seq>":{"<field>":{"salt":"<32 hex>","value":"<value>"},…},…}
-- readable in SQL as convert_from(data, 'UTF8')::jsonb. A seq of the range may be absent (erased, or an entry
-- without personal data). Erasing rewrites or deletes the row, in the transaction of the signed `erase` entry.

CREATE TABLE openings_v2 (
    ledger_id   bigint NOT NULL,
    first_seq   bigint NOT NULL,
    last_seq    bigint NOT NULL CHECK (last_seq >= first_seq),
    data        bytea  NOT NULL,
    PRIMARY KEY (ledger_id, first_seq)
) WITH (toast_tuple_target = 8160);

INSERT INTO openings_v2 (ledger_id, first_seq, last_seq, data)
    SELECT ledger_id, seq, seq, convert_to('{"' || seq || '":' || convert_from(data, 'UTF8') || '}', 'UTF8') FROM openings;

DROP TABLE openings;
ALTER TABLE openings_v2 RENAME TO openings;
ALTER INDEX openings_v2_pkey RENAME TO openings_pkey;

CREATE TRIGGER openings_no_truncate BEFORE TRUNCATE ON openings FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_change();

REVOKE ALL ON openings FROM aidledger_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON openings TO aidledger_service;
