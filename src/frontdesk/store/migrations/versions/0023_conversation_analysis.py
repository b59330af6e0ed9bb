"""analysis (issue 17): a conversation's post-call analysis, and staff's feedback on
conversations and replies

Revision ID: 0023
Revises: 0022
Create Date: 2027-01-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.store.types import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        # NULL while live and for conversations ended before this revision (computed on
        # read, or by `frontdesk analyze-conversations`).
        batch.add_column(sa.Column("analysis", sa.JSON(), nullable=True))
    op.create_table(
        "conversation_feedback",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.Uuid(),
                  sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("turn_seq", sa.Integer(), nullable=True),
        sa.Column("rating", sa.String(4), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("category", sa.String(24), nullable=True),
        sa.Column("author", sa.String(60), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating IN ('good', 'bad')", name="ck_conversation_feedback_rating"),
    )
    op.create_index("ix_conversation_feedback_conversation_id", "conversation_feedback",
                    ["conversation_id"])
    op.create_index("ix_conversation_feedback_tenant_rating", "conversation_feedback",
                    ["tenant_id", "rating"])
    # One current rating per (conversation, reply, author); a whole-conversation rating
    # (turn_seq NULL) counts as reply 0, so NULLs do not slip past the index.
    op.create_index("uq_conversation_feedback_author", "conversation_feedback",
                    ["conversation_id", sa.text("coalesce(turn_seq, 0)"), "author"],
                    unique=True)


def downgrade() -> None:
    op.drop_table("conversation_feedback")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("analysis")
