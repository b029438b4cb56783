"""Notifications: rules, the outbox an execution's end writes to, matching, and sending."""
