"""Accounts: register, log in and out, passwords and profile (``account``); admin accounts and
reset codes (``admin_accounts``); consent, personal data, deletion, password reset (``privacy``).
"""

from . import account, admin_accounts, privacy

blueprints = (account.bp, admin_accounts.bp, privacy.bp)
