"""calendar push notifications (issue 17 D): Google watch channels and Microsoft Graph
subscriptions per connected calendar, and a generation on each connection that a
notification bumps so every process reads the calendar's busy times again

Revision ID: 0024
Revises: 0023
Create Date: 2027-01-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.store.types import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_connections") as batch:
        batch.add_column(sa.Column("busy_generation", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "calendar_push_channels",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("connection_id", sa.Uuid(),
                  sa.ForeignKey("calendar_connections.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("calendar", sa.String(1000), nullable=False),
        sa.Column("external_id", sa.String(300), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_notified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_message", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_calendar_push_channels_tenant_id", "calendar_push_channels",
                    ["tenant_id"])
    op.create_index("ix_calendar_push_channels_connection_id", "calendar_push_channels",
                    ["connection_id"])
    op.create_index("ix_calendar_push_channels_external_id", "calendar_push_channels",
                    ["external_id"])


def downgrade() -> None:
    op.drop_table("calendar_push_channels")
    with op.batch_alter_table("calendar_connections") as batch:
        batch.drop_column("busy_generation")
