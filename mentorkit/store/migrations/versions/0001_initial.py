"""The first mentorkit schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mk_meta", sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.String(256), nullable=False)
    )
    op.create_table(
        "cohorts",
        sa.Column("cohort_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "participants",
        sa.Column("participant_id", sa.String(64), primary_key=True),
        sa.Column("cohort_id", sa.String(64), sa.ForeignKey("cohorts.cohort_id"), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("email", sa.String(320), unique=True),
        sa.Column("mentor_id", sa.String(64)),
        sa.Column("matched_on", sa.Date),
        sa.Column("department", sa.Text),
        sa.Column("attributes", sa.JSON),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_participants_cohort_id", "participants", ["cohort_id"])
    op.create_table(
        "pairs",
        sa.Column("pair_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cohort_id", sa.String(64), sa.ForeignKey("cohorts.cohort_id"), nullable=False),
        sa.Column("mentor_id", sa.String(64), nullable=False),
        sa.Column("mentee_id", sa.String(64), nullable=False),
        sa.Column("matched_on", sa.Date),
        sa.UniqueConstraint("mentor_id", "mentee_id", name="uq_pairs_mentor_mentee"),
    )
    op.create_index("ix_pairs_cohort_id", "pairs", ["cohort_id"])
    op.create_table(
        "goals",
        sa.Column("goal_id", sa.String(64), primary_key=True),
        sa.Column("pair_id", sa.Integer, sa.ForeignKey("pairs.pair_id"), nullable=False),
        sa.Column("cohort_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_goals_cohort_id", "goals", ["cohort_id"])
    op.create_table(
        "imports",
        sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("instrument", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("file_name", sa.Text),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("quarantined", sa.Integer, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("instrument", sa.String(32), nullable=False),
        sa.Column("cohort_id", sa.String(64), nullable=False),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("pair_id", sa.Integer),
        sa.Column("goal_id", sa.String(64)),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(128), nullable=False),
        sa.Column("import_id", sa.Integer),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("raw", sa.JSON),
        sa.UniqueConstraint("instrument", "dedupe_key", name="uq_submissions_key"),
    )
    op.create_index("ix_submissions_cohort", "submissions", ["cohort_id", "instrument", "submitted_at"])
    op.create_table(
        "answers",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"), primary_key=True),
        sa.Column("item_id", sa.String(32), primary_key=True),
        sa.Column("value_num", sa.Float),
        sa.Column("value_text", sa.Text),
    )


def downgrade() -> None:
    for table in ("answers", "submissions", "imports", "goals", "pairs", "participants", "cohorts", "mk_meta"):
        op.drop_table(table)
