"""The secure vault: SQLCipher cache keyed through the OS keyring."""
