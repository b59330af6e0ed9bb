"""what a business tells its callers (issue 14): facts, its own FAQ, the details it
requires before booking, and those details kept on each appointment

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        # Existing businesses told callers nothing: empty, so the agent never invents it.
        batch.add_column(sa.Column("info", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("faq", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("required_fields", sa.JSON(), nullable=False,
                                   server_default="[]"))
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("intake", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("intake")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("required_fields")
        batch.drop_column("faq")
        batch.drop_column("info")
