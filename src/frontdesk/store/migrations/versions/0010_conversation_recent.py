"""conversation recent: the last messages said, kept on the conversation row

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 11:00:00

Nullable and not backfilled: a conversation without it has its window rebuilt from its
turns the first time it is read or written (services/conversations.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recent", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("recent")
