"""outbound calls, campaign call attempts, meeting participants, SMS follow-up (issue 12)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.store.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbound_calls",
        sa.Column("outbox_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("to_e164", sa.String(20), nullable=False),
        sa.Column("from_e164", sa.String(20), nullable=False),
        sa.Column("provider", sa.String(16), nullable=True),
        sa.Column("call_id", sa.String(64), nullable=True),
        sa.Column("conversation_id", sa.Uuid(),
                  sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True),
        _when("dial_started_at", nullable=False),
        _when("placed_at"),
    )
    op.create_index("ix_outbound_calls_tenant_id", "outbound_calls", ["tenant_id"])
    op.create_table(
        "campaign_attempts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("campaign_id", sa.Uuid(),
                  sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lead_id", sa.Uuid(),
                  sa.ForeignKey("campaign_leads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Uuid(), nullable=True),
        sa.Column("call_id", sa.String(64), nullable=True),
        sa.Column("conversation_id", sa.Uuid(),
                  sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True),
        _when("started_at", nullable=False),
        _when("placed_at"),
        _when("ended_at"),
        sa.Column("outcome", sa.String(24), nullable=True),
        _when("callback_at"),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.UniqueConstraint("lead_id", "number"),
    )
    op.create_index("ix_campaign_attempts_tenant_id", "campaign_attempts", ["tenant_id"])
    # Pacing: calls this campaign started in the last minute.
    op.create_index("ix_campaign_attempts_started", "campaign_attempts",
                    ["campaign_id", "started_at"])
    op.create_index("ix_campaign_attempts_conversation_id", "campaign_attempts",
                    ["conversation_id"])
    op.create_index("ix_campaign_attempts_outbox_id", "campaign_attempts", ["outbox_id"])
    op.create_table(
        "meeting_participants",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("meeting_request_id", sa.Uuid(),
                  sa.ForeignKey("meeting_requests.id", ondelete="CASCADE"), nullable=False),
        sa.Column("customer_id", sa.Uuid(),
                  sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone_e164", sa.String(20), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("availability", sa.JSON(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
    )
    op.create_index("ix_meeting_participants_tenant_id", "meeting_participants", ["tenant_id"])
    op.create_index("ix_meeting_participants_meeting_request_id", "meeting_participants",
                    ["meeting_request_id"])
    with op.batch_alter_table("campaign_leads") as batch:
        batch.add_column(sa.Column("sms_opt_in", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("sms_follow_up", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("sms_follow_up")
    with op.batch_alter_table("campaign_leads") as batch:
        batch.drop_column("sms_opt_in")
    op.drop_table("meeting_participants")
    op.drop_table("campaign_attempts")
    op.drop_table("outbound_calls")
