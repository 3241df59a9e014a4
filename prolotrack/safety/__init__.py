"""Pre-session safety: screening, dose checks, adverse events, consent and clinic settings."""
