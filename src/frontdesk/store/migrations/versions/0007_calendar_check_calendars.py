"""calendar connections: more calendars to check for conflicts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_connections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("check_calendars", sa.JSON(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_connections", schema=None) as batch_op:
        batch_op.drop_column("check_calendars")
