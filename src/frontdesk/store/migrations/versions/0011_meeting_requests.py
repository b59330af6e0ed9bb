"""meeting requests: what an outbound campaign needs booked (issue 12)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.store.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_requests",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("resource_id", sa.Uuid(),
                  sa.ForeignKey("resources.id", ondelete="SET NULL"), nullable=True),
        sa.Column("service_id", sa.Uuid(),
                  sa.ForeignKey("services.id", ondelete="SET NULL"), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("hard_constraints", sa.JSON(), nullable=False),
        sa.Column("soft_constraints", sa.JSON(), nullable=False),
        sa.Column("bookings_wanted", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_meeting_requests_tenant_id", "meeting_requests", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_meeting_requests_tenant_id", table_name="meeting_requests")
    op.drop_table("meeting_requests")
