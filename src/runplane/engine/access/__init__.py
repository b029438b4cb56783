"""Access control's writes: users, API tokens, dashboard logins, and the audit trail every
state change and security event is appended to."""
