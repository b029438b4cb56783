"""Search across every log: a full-text index of `execution_logs.message`, built here for
the lines already stored and kept in step by the database itself as lines are written.

SQLite: an FTS5 table over `execution_logs` (external content, keyed by its rowid) that
triggers fill in the writer's own statement. PostgreSQL: a GIN index over the `simple`
tsvector of the message with every character but letters and digits made a space, so both
backends cut `sales.eu` into `sales` and `eu` (see `store/log_search.py`).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from runplane.store.log_index import create_log_index, drop_log_index

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_log_index(op.get_bind())


def downgrade() -> None:
    drop_log_index(op.get_bind())
