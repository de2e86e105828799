"""The sent log and opt-outs of ``mentorkit send``.

``sent_messages`` holds one row per message handed to the SMTP server: the person (none for a
digest to a programme lead), the address, the kind (invitation, reminder, digest), the form or
the due items, the Message-ID, the time, the status (``sending`` until the server answers, then
``sent``, ``refused`` or ``failed``) and the server's reply. ``mail_optouts`` names the people
who are not to be mailed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_messages",
        sa.Column("sent_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("participant_id", sa.String(64)),
        sa.Column("recipient", sa.String(320)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cohort_id", sa.String(64)),
        sa.Column("form", sa.String(32)),
        sa.Column("items", sa.JSON),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("reply", sa.Text),
    )
    op.create_index("ix_sent_messages_person", "sent_messages", ["participant_id", "kind", "sent_at"])
    op.create_table(
        "mail_optouts",
        sa.Column("participant_id", sa.String(64), primary_key=True),
        sa.Column("opted_out_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    told = op.get_bind().execute(sa.text("SELECT count(*) FROM sent_messages"))
    if kept := told.scalar():
        raise RuntimeError(f"{kept} messages are in the sent log; a downgrade would lose it (and reruns would resend)")
    op.drop_table("mail_optouts")
    op.drop_index("ix_sent_messages_person", table_name="sent_messages")
    op.drop_table("sent_messages")
