"""a business's own greeting, instructions and message texts (issue 13, settings pages)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        # Existing businesses keep the built-in wording: an empty override is none.
        batch.add_column(sa.Column("greeting", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("instructions", sa.Text(), nullable=True))
        batch.add_column(sa.Column("message_templates", sa.JSON(), nullable=False,
                                   server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("message_templates")
        batch.drop_column("instructions")
        batch.drop_column("greeting")
