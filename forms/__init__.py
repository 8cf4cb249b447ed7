"""WTForms classes for the portal. No storage imports: choices come from the views."""
