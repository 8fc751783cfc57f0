@_exported import LedgerCrypto
