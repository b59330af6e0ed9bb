"""the server-wide do-not-call list (issue 12)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.store.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "do_not_call",
        sa.Column("phone_e164", sa.String(20), primary_key=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("do_not_call")
