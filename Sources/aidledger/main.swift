import AidLedgerCLI
AidLedgerCommand.main()
