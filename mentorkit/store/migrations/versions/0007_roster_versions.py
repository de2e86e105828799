"""The roster as master data: every version of a person's roster row, and each import's updates.

``participant_versions`` keeps each version a roster import recorded (append-only); a version
is in force from the time it was recorded, a person's first version from the start.
``participants`` keeps the version in force now. A store's current roster becomes each
person's first version. ``imports.updated`` counts the roster rows that changed a person.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FIELDS = "participant_id, cohort_id, role, name, email, mentor_id, matched_on, department, attributes"


def upgrade() -> None:
    op.create_table(
        "participant_versions",
        sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("cohort_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("email", sa.String(320)),
        sa.Column("mentor_id", sa.String(64)),
        sa.Column("matched_on", sa.Date),
        sa.Column("department", sa.Text),
        sa.Column("attributes", sa.JSON),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("in_force_from", sa.DateTime),
        sa.Column("import_id", sa.Integer),
    )
    op.create_index("ix_participant_versions_cohort", "participant_versions", ["cohort_id", "in_force_from"])
    op.create_index("ix_participant_versions_person", "participant_versions", ["participant_id", "version_id"])
    # column names are this module's constants
    op.execute(
        f"INSERT INTO participant_versions ({FIELDS}, recorded_at) "  # noqa: S608
        f"SELECT {FIELDS}, updated_at FROM participants ORDER BY cohort_id, participant_id"
    )
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("updated", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    told = op.get_bind().execute(sa.text("SELECT count(*) FROM participant_versions WHERE in_force_from IS NOT NULL"))
    if kept := told.scalar():
        raise RuntimeError(f"{kept} later roster versions are recorded; a downgrade would lose them")
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("updated")
    op.drop_index("ix_participant_versions_person", "participant_versions")
    op.drop_index("ix_participant_versions_cohort", "participant_versions")
    op.drop_table("participant_versions")
