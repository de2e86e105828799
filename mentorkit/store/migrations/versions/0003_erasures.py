"""An audit log of erasures (the right to erasure), holding no personal data; mk_meta retired
(Alembic's own table records the schema revision now).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("erasure_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("erased_at", sa.DateTime, nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("removed", sa.JSON, nullable=False),
    )
    op.drop_table("mk_meta")


def downgrade() -> None:
    op.drop_table("erasures")
    op.create_table(
        "mk_meta", sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.String(256), nullable=False)
    )
