"""Raw rows kept compactly: an import records its file's column names once, and each of its
submissions keeps the cells as a JSON array (rows stored before keep their JSON objects).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("raw_columns", sa.JSON))


def downgrade() -> None:
    kept = op.get_bind().execute(sa.text("SELECT count(*) FROM imports WHERE raw_columns IS NOT NULL")).scalar()
    if kept:
        raise RuntimeError(f"{kept} imports keep their files' column names here; a downgrade would lose them")
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("raw_columns")
