"""phone verifications: one-time codes for stated numbers; trusted caller IDs

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("caller_verified", sa.Boolean(), server_default="0", nullable=False)
        )
    # Until now every door's number was trusted; the phone doors (carrier caller ID, SMS
    # From, numbers we dialled) still are. A chat's number becomes a claim from here on.
    op.execute(
        "UPDATE conversations SET caller_verified = TRUE "
        "WHERE channel IN ('phone', 'sms') AND caller_phone IS NOT NULL"
    )
    op.create_table(
        "phone_verifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("phone_e164", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", frontdesk.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", frontdesk.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", frontdesk.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replaced_at", frontdesk.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phone_verifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_phone_verifications_phone", ["tenant_id", "phone_e164", "created_at"]
        )
        batch_op.create_index(
            "ix_phone_verifications_conversation", ["conversation_id", "created_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("phone_verifications", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_verifications_conversation")
        batch_op.drop_index("ix_phone_verifications_phone")
    op.drop_table("phone_verifications")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("caller_verified")
