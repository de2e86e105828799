"""The sent log's schema (0009): an older store gains it with `mentorkit db upgrade`; a downgrade keeps a log it would lose."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from mentorkit import cli, store
from mentorkit.store import migrations


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_0009_adds_the_sent_log_and_a_downgrade_refuses_to_lose_it(sqlite_url, capsys):
    engine = store.connect(sqlite_url)
    message = store.sent.Outgoing("digest", "lead@example.org", "<1@example.org>", items={"run": "/r/2026-11-15"})
    sent_id = store.sent.start_sending(engine, message)
    store.sent.finish_sending(engine, sent_id, "sent", "250 OK")
    store.dispose_all()
    raw = sa.create_engine(sqlite_url)
    with pytest.raises(RuntimeError, match="1 messages are in the sent log"), raw.begin() as conn:
        command.downgrade(migrations.config(conn), "0008")
    with raw.begin() as conn:
        conn.execute(sa.text("DELETE FROM sent_messages"))
        command.downgrade(migrations.config(conn), "0008")
        assert store.schema_revision(conn) == "0008"
    raw.dispose()
    assert not {"sent_messages", "mail_optouts"} & _tables(sqlite_url)
    assert cli.main(["optout", "--email", "x@example.org", "--db", sqlite_url]) == 1  # an older store: upgrade first
    assert "run `mentorkit db upgrade`" in capsys.readouterr().err
    assert cli.main(["db", "upgrade", "--db", sqlite_url]) == 0
    assert "0008 → 0009" in capsys.readouterr().out
    assert {"sent_messages", "mail_optouts"} <= _tables(sqlite_url)


def test_an_outcome_is_one_of_sent_refused_failed(sqlite_url):
    engine = store.connect(sqlite_url)
    sent_id = store.sent.start_sending(
        engine, store.sent.Outgoing("invitation", "a@example.org", "<2@example.org>", "p1")
    )
    assert store.sent.log(engine)[0]["status"] == "sending"
    with pytest.raises(ValueError, match="unknown outcome"):
        store.sent.finish_sending(engine, sent_id, "delivered", "250")
    with pytest.raises(ValueError, match="unknown kind"):
        store.sent.start_sending(engine, store.sent.Outgoing("newsletter", "a@example.org", "<3@example.org>"))


def test_the_sent_log_says_what_went_to_whom_and_erasure_clears_the_address(db_url, tmp_path):
    from datetime import timedelta

    from tests.builders import ROSTER_HEADER, import_csv

    engine = store.connect(db_url)
    import_csv(
        engine, "roster", ROSTER_HEADER, [["c1", "p1", "mentor", "Pat", "Pat@example.org", "", "", "Ops"]], tmp_path
    )
    log = store.sent

    def mail(message: store.sent.Outgoing, status: str) -> None:
        log.finish_sending(engine, log.start_sending(engine, message), status, f"{status} reply for pat@example.org")

    mail(log.Outgoing("invitation", "pat@example.org", "<1@x.org>", "p1", "c1", "checkin"), "sent")
    mail(log.Outgoing("invitation", "pat@example.org", "<2@x.org>", "p1", "c1", "goals"), "refused")
    mail(log.Outgoing("reminder", "pat@example.org", "<3@x.org>", "p1", "c1", items=["checkin:checkin:e1"]), "sent")
    mail(log.Outgoing("digest", "PAT@example.org", "<4@x.org>", items={"run": "/r/1"}), "sent")
    assert log.invited(engine, "checkin", ["p1", "p2"]) == {"p1"}
    assert log.invited(engine, "goals", ["p1"]) == set()  # refused: not sent
    hour_ago = store.now() - timedelta(hours=1)
    assert log.reminded_since(engine, hour_ago, ["p1"]) == {"p1": {"checkin:checkin:e1"}}
    assert log.reminded_since(engine, store.now() + timedelta(hours=1), ["p1"]) == {}
    assert log.digest_sent_to(engine, "/r/1") == {"pat@example.org"} and log.digest_sent_to(engine, "/r/2") == set()
    assert log.person_of(engine, " pat@EXAMPLE.org ") == "p1"
    assert log.set_opt_out(engine, "p1", True) and not log.set_opt_out(engine, "p1", True)
    assert log.opted_out(engine, ["p1", "p2"]) == {"p1"}
    assert log.set_opt_out(engine, "p1", False) and log.opted_out(engine) == set()
    done = store.forget(engine, "pat@example.org")
    assert done is not None and done["sent_log_rows"] == 4  # the person's three and the digest to the address
    rows = log.log(engine)
    assert [(r["recipient"], r["reply"]) for r in rows] == [(None, None)] * 4
    assert [r["status"] for r in rows] == ["sent", "refused", "sent", "sent"]  # what happened stays


def test_only_plain_ascii_addresses_are_mailed():
    from mentorkit.mail import compose

    assert compose.usable("pat.lee+mentoring@example.org")
    for bad in ("pat@localhost", "pat", "a@b@example.org", "pät@example.org", "pat@exämple.org", "pat @example.org",
                "pat@example.org\r\nBcc: x@example.org", "<pat@example.org>", None, float("nan")):  # fmt: skip
        assert not compose.usable(bad), bad
