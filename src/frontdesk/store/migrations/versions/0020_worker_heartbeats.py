"""worker heartbeats (issue 16): each `frontdesk worker` process says it is alive, so a
server's /ready can tell whether anyone delivers the outbox; and an index for counting
the phone calls still open when metrics are scraped

Revision ID: 0020
Revises: 0019
Create Date: 2027-01-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.store.types import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(120), primary_key=True),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversations_open", "conversations",
                    ["channel", "ended_at", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_open", table_name="conversations")
    op.drop_table("worker_heartbeats")
