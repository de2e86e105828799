"""The sent log of ``mentorkit send`` and the opt-outs: what was mailed to whom, and who is not to be mailed.

A message is written to the log as ``sending`` before it goes to the server and gets its outcome
(``sent``, ``refused``, ``failed``, with the server's reply) as soon as the server has answered,
each in its own transaction: a run stopped at any point leaves every accepted message recorded.
A row still ``sending`` (the process was killed while the server was answering) is not sent, so
the next run tries the message again; a run an hour later marks that row ``failed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mentorkit.store.engine import now, retrying
from mentorkit.store.schema import mail_optouts, participant_versions, participants, sent_messages

KINDS = ("invitation", "reminder", "digest")
OUTCOMES = ("sent", "refused", "failed")
UNFINISHED = "no answer recorded: the run was stopped while the server was answering (the message may have arrived)"


@dataclass(frozen=True)
class Outgoing:
    """One message about to go to the server: whom, what kind, about what."""

    kind: str
    recipient: str
    message_id: str
    participant_id: str | None = None
    cohort_id: str | None = None
    form: str | None = None
    items: Any = None  # a reminder's due items, a digest's run: JSON


def start_sending(engine: Engine, message: Outgoing) -> int:
    """Record a message as ``sending`` (committed) before it goes to the server; its row id."""
    if message.kind not in KINDS:
        raise ValueError(f"unknown kind of message {message.kind!r}")
    with retrying(engine) as conn:
        row = conn.execute(
            sent_messages.insert().values(
                participant_id=message.participant_id,
                recipient=message.recipient,
                kind=message.kind,
                cohort_id=message.cohort_id,
                form=message.form,
                items=message.items,
                message_id=message.message_id,
                sent_at=now(),
                status="sending",
            )
        )
        key = row.inserted_primary_key
        assert key is not None
        return int(key[0])


def finish_sending(engine: Engine, sent_id: int, status: str, reply: str) -> None:
    """The server's answer to a message recorded by ``start_sending`` (committed at once)."""
    if status not in OUTCOMES:
        raise ValueError(f"unknown outcome {status!r}")
    with retrying(engine) as conn:
        conn.execute(
            sent_messages.update()
            .where(sent_messages.c.sent_id == sent_id)
            .values(status=status, reply=reply[:2000], sent_at=now())
        )


def close_unfinished(engine: Engine, older_than: timedelta = timedelta(hours=1)) -> int:
    """Rows a killed run left ``sending`` become ``failed``; how many there were.

    Only rows older than ``older_than``: a message another run has on the wire now is left alone. A
    ``sending`` row never counts as sent, so its message is tried again either way.
    """
    with retrying(engine) as conn:
        return int(
            conn.execute(
                sent_messages.update()
                .where(sent_messages.c.status == "sending", sent_messages.c.sent_at < now() - older_than)
                .values(status="failed", reply=UNFINISHED)
            ).rowcount
        )


def invited(engine: Engine, form: str, participant_ids: Iterable[str]) -> set[str]:
    """The people who were sent an invitation to ``form`` (accepted by the server)."""
    wanted = list(participant_ids)
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(sent_messages.c.participant_id)
            .where(sent_messages.c.kind == "invitation", sent_messages.c.form == form)
            .where(sent_messages.c.status == "sent", sent_messages.c.participant_id.in_(wanted))
        ).scalars()
        return set(found)


def reminded_since(engine: Engine, since: datetime, participant_ids: Iterable[str]) -> dict[str, set[str]]:
    """Each person's due items named in a reminder the server accepted at or after ``since``."""
    wanted = list(participant_ids)
    out: dict[str, set[str]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(sent_messages.c.participant_id, sent_messages.c["items"])
            .where(sent_messages.c.kind == "reminder", sent_messages.c.status == "sent")
            .where(sent_messages.c.sent_at >= since, sent_messages.c.participant_id.in_(wanted))
        )
        for pid, items in rows:
            out.setdefault(pid, set()).update(str(i) for i in items or [])
    return out


def digest_sent_to(engine: Engine, run: str) -> set[str]:
    """The addresses (lower case) the digest of ``run`` was sent to."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(sent_messages.c.recipient, sent_messages.c["items"])
            .where(sent_messages.c.kind == "digest", sent_messages.c.status == "sent")
            .where(sent_messages.c.recipient.is_not(None))
        )
        return {str(r).lower() for r, items in found if isinstance(items, dict) and items.get("run") == run}


def log(engine: Engine) -> list[dict[str, Any]]:
    """Every row of the sent log, oldest first (for a person looking into a run)."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(sent_messages).order_by(sent_messages.c.sent_id))]


# --- opt-outs ------------------------------------------------------------------------------------


def person_of(engine: Engine, email: str) -> str | None:
    """The participant with this e-mail address now (case-insensitive), else in an earlier roster version."""
    with engine.connect() as conn:
        return email_owner(conn, email.strip().lower())


def email_owner(conn: Connection, address: str) -> str | None:
    """The participant whose roster e-mail is ``address`` (lower-case) now, else in their latest earlier version."""
    pid = conn.execute(
        sa.select(participants.c.participant_id).where(sa.func.lower(participants.c.email) == address)
    ).scalar()
    if pid is None:  # an address the person had in an earlier version only
        v = participant_versions
        pid = conn.execute(
            sa.select(v.c.participant_id)
            .where(sa.func.lower(v.c.email) == address)
            .order_by(v.c.version_id.desc())
            .limit(1)
        ).scalar()
    return pid


def set_opt_out(engine: Engine, participant_id: str, opted_out: bool) -> bool:
    """Mark a person as not to be mailed (or to be mailed again); True when that changed anything."""
    with retrying(engine) as conn:
        there = conn.execute(
            sa.select(mail_optouts.c.participant_id).where(mail_optouts.c.participant_id == participant_id)
        ).scalar()
        if opted_out and there is None:
            conn.execute(mail_optouts.insert().values(participant_id=participant_id, opted_out_at=now()))
            return True
        if not opted_out and there is not None:
            conn.execute(mail_optouts.delete().where(mail_optouts.c.participant_id == participant_id))
            return True
    return False


def opted_out(engine: Engine, participant_ids: Iterable[str] | None = None) -> set[str]:
    """The people (of ``participant_ids``, default all) who are not to be mailed."""
    query = sa.select(mail_optouts.c.participant_id)
    if participant_ids is not None:
        query = query.where(mail_optouts.c.participant_id.in_(list(participant_ids)))
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())
