"""dashboard users, API key scopes, appointment confirmations, customer notes (issue 13)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from frontdesk.store.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(),
                  sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("resource_id", sa.Uuid(),
                  sa.ForeignKey("resources.id", ondelete="SET NULL"), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True),
        # One person, one sign-in: an email names one user on the whole server.
        sa.UniqueConstraint("email"),
    )
    op.create_index("ix_users_tenant_id", "users", ["tenant_id"])
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("scope", sa.String(16), nullable=False,
                                   server_default="admin"))
        batch.add_column(sa.Column("allowed_origins", sa.JSON(), nullable=True))
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch.add_column(sa.Column("erased_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("notes")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("confirmed_at")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("allowed_origins")
        batch.drop_column("scope")
    op.drop_table("users")
