"""Blueprints, one per audience: public, account, member, community admin, area admin, KB."""
