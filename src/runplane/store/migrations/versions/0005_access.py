"""Access control: users with a role and an argon2 password hash, API tokens and dashboard
sessions (their secrets stored as SHA-256 only), and the append-only audit trail.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime, json_type

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = 36
USER = 64


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(USER), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(ID), primary_key=True),
        sa.Column("name", sa.String(USER), nullable=False),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("expires_at", UTCDateTime),
        sa.Column("revoked_at", UTCDateTime),
        sa.Column("revoked_by", sa.String(200)),
    )
    active = sa.text("revoked_at IS NULL")
    op.create_index(
        "uq_api_tokens_active_name",
        "api_tokens",
        ["name"],
        unique=True,
        sqlite_where=active,
        postgresql_where=active,
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_name"])
    op.create_table(
        "sessions",
        sa.Column("secret_hash", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(USER), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_name"])
    op.create_index("ix_sessions_expires", "sessions", ["expires_at"])
    op.create_table(
        "audit_log",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("detail", json_type(), nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
        sa.Column("token", sa.String(USER)),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("bucket", sa.String(200), unique=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at", "entry_id"])
    op.create_index("ix_audit_log_target", "audit_log", ["target", "at"])
    op.create_index("ix_audit_log_action_address", "audit_log", ["action", "address", "at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("sessions")
    op.drop_table("api_tokens")
    op.drop_table("users")
