"""streaming voice (issue 15): how each business's phone calls are voiced, and each
streamed call's voice-to-voice timings

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        # Existing businesses keep the carrier's turn-based speech until they choose.
        batch.add_column(sa.Column("voice_mode", sa.String(16), nullable=False,
                                   server_default="turns"))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("voice_stats", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("voice_stats")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("voice_mode")
