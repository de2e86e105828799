"""The store's tables (SQLAlchemy Core); Alembic migrations build the same schema."""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_REVISION = "0009"  # the Alembic head this code expects (tests check they agree)

metadata = sa.MetaData()

cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("cohort_id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

participants = sa.Table(
    "participants",
    metadata,
    sa.Column("participant_id", sa.String(64), primary_key=True),
    sa.Column("cohort_id", sa.String(64), sa.ForeignKey("cohorts.cohort_id"), nullable=False, index=True),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("email", sa.String(320), unique=True),
    sa.Column("mentor_id", sa.String(64)),
    sa.Column("matched_on", sa.Date),
    sa.Column("department", sa.Text),
    sa.Column("attributes", sa.JSON),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# every version of every roster row, append-only; ``participants`` holds the version in force now
participant_versions = sa.Table(
    "participant_versions",
    metadata,
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
    sa.Column("in_force_from", sa.DateTime),  # none: from the start (a person's first version)
    sa.Column("import_id", sa.Integer),  # the roster import that recorded it (none: the store's upgrade)
    sa.Index("ix_participant_versions_cohort", "cohort_id", "in_force_from"),
    sa.Index("ix_participant_versions_person", "participant_id", "version_id"),
)

pairs = sa.Table(
    "pairs",
    metadata,
    sa.Column("pair_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cohort_id", sa.String(64), sa.ForeignKey("cohorts.cohort_id"), nullable=False, index=True),
    sa.Column("mentor_id", sa.String(64), nullable=False),
    sa.Column("mentee_id", sa.String(64), nullable=False),
    sa.Column("matched_on", sa.Date),
    sa.UniqueConstraint("mentor_id", "mentee_id", name="uq_pairs_mentor_mentee"),
)

goals = sa.Table(
    "goals",
    metadata,
    sa.Column("goal_id", sa.String(64), primary_key=True),
    sa.Column("pair_id", sa.Integer, sa.ForeignKey("pairs.pair_id"), nullable=False),
    sa.Column("cohort_id", sa.String(64), nullable=False, index=True),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("instrument", sa.String(32), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("duplicates", sa.Integer, nullable=False),
    sa.Column("quarantined", sa.Integer, nullable=False),
    sa.Column("raw_columns", sa.JSON),  # the file's column names, once; each submission's raw holds its cells
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),  # roster rows that changed a person
)

submissions = sa.Table(
    "submissions",
    metadata,
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
    sa.Column("raw", sa.JSON),  # the row as the file had it: cells in its import's raw_columns order
    sa.Column("flags", sa.String(128)),  # data-quality flags (speeder, partial, straight_lining)
    sa.Column("channel", sa.String(16), nullable=False),  # how it came in: link, email, workshop or import
    sa.UniqueConstraint("instrument", "dedupe_key", name="uq_submissions_key"),
    sa.Index("ix_submissions_cohort", "cohort_id", "instrument", "submitted_at"),
)

erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("erasure_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("erased_at", sa.DateTime, nullable=False),
    sa.Column("reference", sa.String(32), nullable=False),  # random, never derived from the person
    sa.Column("removed", sa.JSON, nullable=False),  # what was removed: field names and counts
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"), primary_key=True),
    sa.Column("item_id", sa.String(32), primary_key=True),
    sa.Column("value_num", sa.Float),
    sa.Column("value_text", sa.Text),
)

value_exclusions = sa.Table(
    "value_exclusions",
    metadata,
    sa.Column("exclusion_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(32), nullable=False),  # participants, pairs, submissions or answers
    sa.Column("row_id", sa.String(64), nullable=False),  # the row's id (an answer's: its submission's)
    sa.Column("column_name", sa.String(64), nullable=False),  # the column (an answer's: its item id)
    sa.Column("raw_value", sa.Text),  # the value as the database holds it, as text
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("excluded_at", sa.DateTime, nullable=False),
    sa.Index("ix_value_exclusions_row", "table_name", "row_id"),
)

# the latest quarantined row of each roster participant and each goal no later import stored: the
# reasons of rows that depend on one name it (a goal whose pair's roster row was quarantined)
quarantined_rows = sa.Table(
    "quarantined_rows",
    metadata,
    sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subject", sa.String(16), nullable=False),  # participant or goal
    sa.Column("subject_id", sa.String(64), nullable=False),
    sa.Column("import_id", sa.Integer, nullable=False),  # the import that quarantined it (its file name)
    sa.Column("row_number", sa.Integer, nullable=False),  # its row in that file
    sa.Column("reason", sa.Text, nullable=False),
    sa.UniqueConstraint("subject", "subject_id", name="uq_quarantined_rows_subject"),
)

# one row per message ``mentorkit send`` handed to the SMTP server (or tried to): the sent log
sent_messages = sa.Table(
    "sent_messages",
    metadata,
    sa.Column("sent_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("participant_id", sa.String(64)),  # none: a digest to a programme lead
    sa.Column("recipient", sa.String(320)),  # the address it went to (erasure clears it)
    sa.Column("kind", sa.String(16), nullable=False),  # invitation, reminder or digest
    sa.Column("cohort_id", sa.String(64)),
    sa.Column("form", sa.String(32)),  # an invitation's form
    sa.Column("items", sa.JSON),  # a reminder's due items, a digest's run
    sa.Column("message_id", sa.String(255), nullable=False),
    sa.Column("sent_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),  # sending (until the server answers), sent, refused, failed
    sa.Column("reply", sa.Text),  # the server's reply (erasure clears it)
    sa.Index("ix_sent_messages_person", "participant_id", "kind", "sent_at"),
)

# people who are not to be mailed (``mentorkit optout``)
mail_optouts = sa.Table(
    "mail_optouts",
    metadata,
    sa.Column("participant_id", sa.String(64), primary_key=True),
    sa.Column("opted_out_at", sa.DateTime, nullable=False),
)
