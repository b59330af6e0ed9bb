"""retention (issue 16): a business's own, shorter period for its conversations and
messages

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        # NULL: the deployment's period applies (forever unless FRONTDESK_RETENTION_DAYS).
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("retention_days")
