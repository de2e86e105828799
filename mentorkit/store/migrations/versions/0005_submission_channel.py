"""How each submission came in: its channel, ``link``, ``email``, ``workshop`` or ``import``.

Rows stored before keep what can be known: a file import (any source but the forms) is
``import``; a form answer cannot tell a typed e-mail from a workshop's roster picker, so it
gets ``email``, the weaker of the two claims about who answered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("channel", sa.String(16)))
    op.execute("UPDATE submissions SET channel = CASE WHEN source = 'form' THEN 'email' ELSE 'import' END")
    with op.batch_alter_table("submissions") as batch:
        batch.alter_column("channel", existing_type=sa.String(16), nullable=False)


def downgrade() -> None:
    told = op.get_bind().execute(sa.text("SELECT count(*) FROM submissions WHERE channel IN ('link', 'workshop')"))
    if kept := told.scalar():
        raise RuntimeError(f"{kept} submissions know they came through a link or a workshop; a downgrade would lose it")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("channel")
