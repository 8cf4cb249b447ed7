"""Accounts: users and their passwords, one-time reset codes, personal data (export, deletion)."""
