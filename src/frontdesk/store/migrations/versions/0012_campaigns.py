"""campaigns and their leads (issue 12)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.store.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column[object]]:
    return [sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
            sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("meeting_request_id", sa.Uuid(),
                  sa.ForeignKey("meeting_requests.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("max_concurrent_calls", sa.Integer(), nullable=False),
        sa.Column("calls_per_minute", sa.Integer(), nullable=False),
        sa.Column("require_consent", sa.Boolean(), nullable=False),
        *_stamps(),
    )
    op.create_index("ix_campaigns_tenant_id", "campaigns", ["tenant_id"])
    op.create_index("ix_campaigns_meeting_request_id", "campaigns", ["meeting_request_id"])
    op.create_table(
        "campaign_leads",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("campaign_id", sa.Uuid(),
                  sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("customer_id", sa.Uuid(),
                  sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("phone_e164", sa.String(20), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("consent_at", sa.Date(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(24), nullable=True),
        *_stamps(),
        sa.UniqueConstraint("campaign_id", "phone_e164"),
    )
    for column in ("tenant_id", "campaign_id", "customer_id"):
        op.create_index(f"ix_campaign_leads_{column}", "campaign_leads", [column])
    # The dialer's question: this campaign's pending leads due by now, soonest first.
    op.create_index("ix_campaign_leads_due", "campaign_leads",
                    ["campaign_id", "status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("campaign_leads")
    op.drop_table("campaigns")
