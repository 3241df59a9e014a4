"""Sign-in hardening: lockout auditing, idle and absolute session limits, ending sessions."""
