"""The latest quarantined row of each roster participant and each goal that no later import stored.

An import names such a row in the reason of a row that depends on it (a goal whose pair's roster
row was quarantined): ``quarantined_rows`` keeps the subject (``participant`` or ``goal``), its
id, the import and file row, and the reason. A later import that stores the subject removes it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantined_rows",
        sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("subject", "subject_id", name="uq_quarantined_rows_subject"),
    )


def downgrade() -> None:
    op.drop_table("quarantined_rows")
