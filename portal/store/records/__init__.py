"""Service records: attendance and hours of sign-ups, certificates and quarterly summaries."""
