"""Values set aside by ``mentorkit db check``: stored values that cannot be read back.

An older mentorkit could store a date it cannot read (a year before 1000 written as
``999-06-01``). ``db check`` records such a value here (its table, row, column, the value as
stored, why, and when) and reading the store skips that row; nothing is deleted or changed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "value_exclusions",
        sa.Column("exclusion_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("column_name", sa.String(64), nullable=False),
        sa.Column("raw_value", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("excluded_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_value_exclusions_row", "value_exclusions", ["table_name", "row_id"])


def downgrade() -> None:
    told = op.get_bind().execute(sa.text("SELECT count(*) FROM value_exclusions"))
    if kept := told.scalar():
        raise RuntimeError(f"{kept} stored values are set aside as unreadable; a downgrade would read them again")
    op.drop_index("ix_value_exclusions_row", table_name="value_exclusions")
    op.drop_table("value_exclusions")
