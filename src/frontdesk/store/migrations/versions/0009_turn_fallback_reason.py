"""turn fallback reason: why the rules answered a turn the LLM was configured to answer

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fallback_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_turns", schema=None) as batch_op:
        batch_op.drop_column("fallback_reason")
