"""Users, API tokens, dashboard sessions and the append-only audit trail."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, text

from runplane.store.tables.base import ID, USER, metadata
from runplane.store.types import UTCDateTime, json_type

users = Table(
    "users",
    metadata,
    Column("name", String(USER), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(ID), primary_key=True),
    Column("name", String(USER), nullable=False),
    Column("user_name", String(USER), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", String(200)),
    # One active token per name, so `runplane tokens revoke NAME` names one.
    Index(
        "uq_api_tokens_active_name",
        "name",
        unique=True,
        sqlite_where=text("revoked_at IS NULL"),
        postgresql_where=text("revoked_at IS NULL"),
    ),
    Index("ix_api_tokens_user", "user_name"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("secret_hash", String(64), primary_key=True),
    Column("user_name", String(USER), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("address", String(64)),
    Column("user_agent", String(300)),
    Index("ix_sessions_user", "user_name"),
    Index("ix_sessions_expires", "expires_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(300), nullable=False),
    Column("detail", json_type(), nullable=False),
    Column("address", String(64)),
    Column("user_agent", String(300)),
    Column("token", String(USER)),
    Column("count", Integer, nullable=False),
    Column("bucket", String(200), unique=True),
    Index("ix_audit_log_at", "at", "entry_id"),
    Index("ix_audit_log_target", "target", "at"),
    Index("ix_audit_log_action_address", "action", "address", "at"),
    Index("ix_audit_log_actor", "actor", "at"),
)
