"""`mentorkit send` against a real SMTP server on loopback (aiosmtpd, STARTTLS on a self-signed certificate, AUTH).

Who should get what is read from the sample's roster file (``data/sample/roster.csv``) or from a
small cohort made here, never from mentorkit's own lists.
"""

from __future__ import annotations

import csv
import email
import email.policy
import email.utils
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import cli, store
from mentorkit.forms import links
from mentorkit.mail import compose, letters, run
from tests.builders import ROSTER_HEADER, header, import_csv, response_row
from tests.conftest import SAMPLE, run_cli
from tests.mailserver import PASSWORD, USER, Recorder, serving

COHORT = "2026-spring-eng"
BASE = "https://forms.example.org/mentoring/"
FROM = "Mentoring programme <mentoring@example.org>"
REPLY = "mentoring-office@example.org"


def _roster(cohort: str = COHORT) -> dict[str, tuple[str, str, str]]:
    """participant id → (role, name, e-mail) of the cohort's mentors and mentees, from the sample's roster file."""
    with (SAMPLE / "roster.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["cohort_id"] == cohort and r["role"] in ("mentor", "mentee")]
    return {r["participant_id"]: (r["role"], r["name"], r["email"].lower()) for r in rows}


PEOPLE = _roster()  # 6 mentors and 12 mentees; the coach answers no form
BY_EMAIL = {email: pid for pid, (_role, _name, email) in PEOPLE.items()}


def _send(*args: str, url: str, server_url: str | None = None) -> list[str]:
    argv = ["send", *args, "--db", url, "--from", FROM, "--reply-to", REPLY]
    if server_url:
        argv += ["--smtp", server_url]
    return argv


def _invite(url: str, server_url: str | None, *more: str) -> list[str]:
    return _send(
        "invitations",
        "--cohort",
        COHORT,
        "--form",
        "checkin",
        "--base-url",
        BASE,
        *more,
        url=url,
        server_url=server_url,
    )


def _log(url: str) -> list[dict]:
    return store.sent.log(store.connect(url))


def _text(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _html(message: email.message.EmailMessage) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def _links(text: str) -> list[str]:
    return [w for w in text.split() if w.startswith(BASE)]


def _token_of(link: str) -> tuple[str, str]:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    return query["form"][0], query["t"][0]


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("MENTORKIT_SMTP_PASSWORD", PASSWORD)
    monkeypatch.delenv("MENTORKIT_SMTP", raising=False)
    monkeypatch.delenv("MENTORKIT_SMTP_CAFILE", raising=False)


@pytest.mark.slow
def test_invitations_arrive_over_starttls_each_link_opens_its_persons_form_and_a_rerun_sends_nothing(
    sample_copy, tmp_path, password, capsys
):
    with serving(tmp_path / "smtp") as server:
        assert cli.main(_invite(sample_copy, server.url())) == 0
        said = capsys.readouterr().out.strip().splitlines()
        # 18 people the check-in applies to (every mentor and mentee of the cohort is matched)
        assert said[-1] == "sent 18, skipped 0 (already sent), refused 0, failed 0"
        got = server.handler.received
        assert sorted(r.rcpt_tos[0].lower() for r in got) == sorted(BY_EMAIL)
        ids = set()
        for r in got:
            m = r.message
            assert r.tls and r.login == USER and r.mail_from == "mentoring@example.org"
            pid = BY_EMAIL[r.rcpt_tos[0].lower()]
            _role, name, address = PEOPLE[pid]
            assert email.utils.parseaddr(m["To"]) == (name, address)
            assert m["Reply-To"] == REPLY and m["List-Unsubscribe"] == f"<mailto:{REPLY}?subject=unsubscribe>"
            assert email.utils.parsedate_to_datetime(m["Date"]).tzinfo is not None
            assert m["Message-ID"].endswith("@example.org>") and m["Message-ID"] not in ids
            ids.add(m["Message-ID"])
            assert m.get_content_type() == "multipart/alternative"
            text, html = _text(m), _html(m)
            assert f"Dear {name}," in text
            (link,) = _links(text)
            assert f'href="{link.replace("&", "&amp;")}"' in html
            form, token = _token_of(link)
            assert form == "checkin" and links.read_token(token, "checkin") == pid  # the link opens their own form
        log = _log(sample_copy)
        assert {row["message_id"] for row in log} == ids
        assert {row["status"] for row in log} == {"sent"} and all(row["reply"].startswith("250") for row in log)
        assert {row["participant_id"] for row in log} == set(PEOPLE)

        assert cli.main(_invite(sample_copy, server.url())) == 0  # the rerun sends nothing
        assert (
            capsys.readouterr().out.strip().splitlines()[-1] == "sent 0, skipped 18 (already sent), refused 0, failed 0"
        )
        assert len(server.handler.received) == 18

        assert cli.main(_invite(sample_copy, server.url(), "--resend", "--limit", "2")) == 0
        said = capsys.readouterr().out.strip().splitlines()
        assert said == [
            "--limit 2: 16 more messages to send; run the command again",
            "sent 2, skipped 0 (already sent), refused 0, failed 0",
        ]
        assert len(server.handler.received) == 20


@pytest.mark.slow
def test_a_refused_and_a_deferred_recipient_are_logged_and_the_others_are_delivered(
    sample_copy, tmp_path, password, capsys
):
    refused, deferred = PEOPLE["M-ENG-02"][2], PEOPLE["E-ENG-03"][2]
    handler = Recorder(refuse={refused}, defer={deferred})
    with serving(tmp_path / "smtp", handler) as server:
        assert cli.main(_invite(sample_copy, server.url())) == 1
        out, err = capsys.readouterr()
        assert out.strip().splitlines()[-1] == "sent 16, skipped 0 (already sent), refused 1, failed 1"
        assert "refused M-ENG-02: 550" in err and "failed E-ENG-03: 451" in err
        delivered = {r.rcpt_tos[0].lower() for r in handler.received}
        assert delivered == set(BY_EMAIL) - {refused, deferred}
        rows = {row["participant_id"]: row for row in _log(sample_copy)}
        assert rows["M-ENG-02"]["status"] == "refused" and rows["M-ENG-02"]["reply"].startswith("550 5.1.1")
        assert rows["E-ENG-03"]["status"] == "failed" and rows["E-ENG-03"]["reply"].startswith("451 4.3.0")

        handler.refuse.clear()
        handler.defer.clear()  # the addresses work now: the next run sends to those two only
        assert cli.main(_invite(sample_copy, server.url())) == 0
        assert (
            capsys.readouterr().out.strip().splitlines()[-1] == "sent 2, skipped 16 (already sent), refused 0, failed 0"
        )
        assert sorted(r.rcpt_tos[0].lower() for r in handler.received[-2:]) == sorted([refused, deferred])


@pytest.mark.slow
def test_a_server_that_stalls_past_the_timeout_fails_that_message_and_the_run_goes_on(
    sample_copy, tmp_path, password, capsys
):
    stalled = PEOPLE["M-ENG-03"][2]
    handler = Recorder(stall={stalled}, stall_seconds=2.5)
    with serving(tmp_path / "smtp", handler) as server:
        assert cli.main(_invite(sample_copy, server.url(timeout="1"))) == 1
        assert (
            capsys.readouterr().out.strip().splitlines()[-1] == "sent 17, skipped 0 (already sent), refused 0, failed 1"
        )
        rows = {row["participant_id"]: row for row in _log(sample_copy)}
        assert rows["M-ENG-03"]["status"] == "failed" and "timed out" in rows["M-ENG-03"]["reply"]
        assert len({r.rcpt_tos[0].lower() for r in handler.received}) == 17  # a new connection for the rest


def test_dry_run_writes_one_eml_per_message_and_sends_and_records_nothing(sample_copy, tmp_path, password, capsys):
    out = tmp_path / "outbox"
    with serving(tmp_path / "smtp") as server:
        assert cli.main(_invite(sample_copy, server.url(), "--dry-run", str(out))) == 0
        assert server.handler.received == []
    said = capsys.readouterr().out.strip().splitlines()
    assert said == [f"dry run, nothing sent: 18 messages written to {out}; skipped 0 (already sent)"]
    files = sorted(out.iterdir())
    assert [f.name for f in files][:2] == ["0001-invitation-M-ENG-01.eml", "0002-invitation-M-ENG-02.eml"]
    assert len(files) == 18 and all(f.suffix == ".eml" for f in files)
    recipients = set()
    for f in files:
        m = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        assert m["Message-ID"] and m["Date"] and m["List-Unsubscribe"] == f"<mailto:{REPLY}?subject=unsubscribe>"
        recipients.add(email.utils.parseaddr(m["To"])[1])
        assert _links(_text(m))
    assert recipients == set(BY_EMAIL)
    assert _log(sample_copy) == []  # nothing recorded: a real run afterwards sends all 18
    (out / "notes.txt").write_text("mine")
    assert cli.main(_invite(sample_copy, None, "--dry-run", str(out))) == 1
    assert "not a new folder or an earlier dry run's" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


# --- reminders: a small cohort worked by hand --------------------------------------------------
#
# cohort r1, as of 2026-11-15: mentor m1 with mentees e1 and e2 (matched 2026-09-01, 75 days: a
# check-in is due from whoever sent none), mentor m2 unmatched. m1 and e1 sent readiness; e1 sent
# a check-in about m1 on 2026-11-01 (14 days ago, within 60). Due: m1 two check-ins (about e1, about
# e2); e2 mentee readiness and a check-in about m1; m2 mentor readiness; e1 nothing.
SMALL = {
    "m1": ("mentor", "Mira Mentor", "mira@example.net"),
    "m2": ("mentor", "Max Twomentor", "max@example.net"),
    "e1": ("mentee", "Ella Firstmentee", "ella@example.net"),
    "e2": ("mentee", "Enzo Secondmentee", "enzo@example.net"),
}


def _small_cohort(url: str, folder: Path) -> None:
    engine = store.connect(url)
    roster = [
        [
            "r1",
            pid,
            role,
            name,
            address,
            "m1" if role == "mentee" else "",
            "2026-09-01" if role == "mentee" else "",
            "Ops",
        ]
        for pid, (role, name, address) in SMALL.items()
    ]
    import_csv(engine, "roster", ROSTER_HEADER, roster, folder)
    ready = header("mentor_readiness", "participant_id", "submitted_at")
    import_csv(
        engine, "mentor_readiness", ready, [response_row("mentor_readiness", ["m1", "2026-09-02"], "yes")], folder
    )
    ready = header("mentee_readiness", "participant_id", "submitted_at")
    import_csv(
        engine, "mentee_readiness", ready, [response_row("mentee_readiness", ["e1", "2026-09-02"], "yes")], folder
    )
    checkin = header("checkin", "participant_id", "submitted_at", "about")
    import_csv(
        engine, "checkin", checkin, [response_row("checkin", ["e1", "2026-11-01", "m1"], [4] * 7 + [""])], folder
    )


def _remind(url: str, server_url: str | None, *more: str) -> list[str]:
    return _send(
        "reminders",
        "--cohort",
        "r1",
        "--as-of",
        "2026-11-15",
        "--base-url",
        BASE,
        *more,
        url=url,
        server_url=server_url,
    )


@pytest.mark.slow
def test_reminders_list_everything_due_name_only_their_recipient_and_come_once_per_interval(
    sqlite_url, tmp_path, password, capsys
):
    _small_cohort(sqlite_url, tmp_path / "in")
    with serving(tmp_path / "smtp") as server:
        assert cli.main(_remind(sqlite_url, server.url())) == 0
        assert (
            capsys.readouterr().out.strip().splitlines()[-1] == "sent 3, skipped 0 (already sent), refused 0, failed 0"
        )
        got = {r.rcpt_tos[0]: r.message for r in server.handler.received}
        assert set(got) == {"mira@example.net", "enzo@example.net", "max@example.net"}  # e1 owes nothing
        expected = {
            "m1": [("checkin", "about your mentee"), ("checkin", "about your mentee")],
            "e2": [("mentee_readiness", "Mentee readiness"), ("checkin", "about your mentor")],
            "m2": [("mentor_readiness", "Mentor readiness")],
        }
        for pid, items in expected.items():
            _role, name, address = SMALL[pid]
            message = got[address]
            text, html = _text(message), _html(message)
            body = "\n".join([text, html, str(message["Subject"]), str(message["To"])])
            for other, (_r, other_name, other_address) in SMALL.items():
                if other != pid:  # nobody else: not their name, address or id
                    assert other_name not in body and other_address not in body
                    assert f" {other} " not in f" {body} " and f"{other}:" not in body
            assert f"Dear {name}," in text
            assert f"you still have {len(items)} form{'s' if len(items) > 1 else ''} to fill in" in text
            found = _links(text)
            assert len(found) == len(items)
            for link, (form, words) in zip(found, items, strict=True):
                linked_form, token = _token_of(link)
                assert linked_form == form and links.read_token(token, form) == pid
                assert words in text
        assert cli.main(_remind(sqlite_url, server.url())) == 0  # the same items again: not before 7 days
        assert (
            capsys.readouterr().out.strip().splitlines()[-1] == "sent 0, skipped 3 (already sent), refused 0, failed 0"
        )
        assert len(server.handler.received) == 3

    engine = store.connect(sqlite_url)
    due = letters.reminder_letters(engine, "r1", datetime(2026, 11, 15).date(), BASE, 30)
    sender = compose.sender(FROM, REPLY)
    six, eight = (datetime.now(UTC) + timedelta(days=d) for d in (6, 8))
    assert len(run.select(engine, due, run.Options(tmp_path, sender, now=six))[0]) == 0  # within 7 days
    assert len(run.select(engine, due, run.Options(tmp_path, sender, now=eight))[0]) == 3  # after 7 days
    shorter = run.Options(tmp_path, sender, now=six, reminder_interval_days=5)
    assert len(run.select(engine, due, shorter)[0]) == 3  # reminder_interval_days = 5


@pytest.mark.slow
def test_opt_out_stops_all_mail_to_a_person_status_shows_it_and_undo_mails_them_again(
    sample_copy, tmp_path, password, capsys
):
    address = PEOPLE["M-ENG-02"][2]
    assert cli.main(["optout", "--email", address.upper(), "--db", sample_copy]) == 0
    assert capsys.readouterr().out.strip() == "M-ENG-02 is opted out: mentorkit send mails them nothing"
    with serving(tmp_path / "smtp") as server:
        assert cli.main(_invite(sample_copy, server.url())) == 0
        said = capsys.readouterr().out.strip().splitlines()
        assert said == [
            "not mailed: 1 opted out, 0 without a usable e-mail address",
            "sent 17, skipped 0 (already sent), refused 0, failed 0",
        ]
        assert address not in {r.rcpt_tos[0].lower() for r in server.handler.received}

        assert cli.main(["status", "--cohort", COHORT, "--as-of", "2026-11-15", "--db", sample_copy]) == 0
        listed = capsys.readouterr().out
        assert f"M-ENG-02 Ben Lindqvist <{address}> (mentor, opted out of e-mail)" in listed
        assert listed.count("opted out") == 1
        due_csv = tmp_path / "due.csv"
        assert (
            cli.main(
                ["status", "--cohort", COHORT, "--as-of", "2026-11-15", "--db", sample_copy, "--out", str(due_csv)]
            )
            == 0
        )
        rows = list(csv.DictReader(due_csv.open(encoding="utf-8")))
        assert {r["participant_id"] for r in rows if r["mail"] == "opted out"} == {"M-ENG-02"}

        assert cli.main(["optout", "--email", address, "--undo", "--db", sample_copy]) == 0
        capsys.readouterr()
        assert cli.main(_invite(sample_copy, server.url())) == 0
        assert (
            capsys.readouterr().out.strip().splitlines()[-1] == "sent 1, skipped 17 (already sent), refused 0, failed 0"
        )
        assert server.handler.received[-1].rcpt_tos[0].lower() == address
    assert cli.main(["optout", "--email", "nobody@example.org", "--db", sample_copy]) == 2
    assert (
        capsys.readouterr().err.strip()
        == "mentorkit: error: no participant has that e-mail address (nothing was changed)"
    )


@pytest.mark.slow
def test_sigterm_mid_run_loses_no_record_of_a_message_the_server_accepted(sample_copy, tmp_path):
    handler = Recorder(delay=0.3)  # a slow relay: the run is mostly waiting for the server's answer
    with serving(tmp_path / "smtp", handler) as server:
        env = {**os.environ, "MENTORKIT_HOME": str(tmp_path), "MENTORKIT_SMTP_PASSWORD": PASSWORD}
        exe = Path(sys.executable).with_name("mentorkit")
        proc = subprocess.Popen(
            [str(exe), *_invite(sample_copy, server.url())],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while len(handler.message_ids()) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 1, err
        accepted = set(handler.message_ids())
        assert 4 <= len(accepted) < 18
        log = _log(sample_copy)
        assert {row["message_id"] for row in log if row["status"] == "sent"} == accepted
        assert [row["status"] for row in log] == ["sent"] * len(accepted)  # nothing left "sending"
        left = 18 - len(accepted)
        assert out.strip().splitlines() == [
            f"stopped by SIGTERM: {left} message{'' if left == 1 else 's'} not sent yet; run the command again to send them",
            f"sent {len(accepted)}, skipped 0 (already sent), refused 0, failed 0",
        ]
        handler.delay = 0
        again = run_cli(
            *_invite(sample_copy, server.url()),
            env={"MENTORKIT_HOME": str(tmp_path), "MENTORKIT_SMTP_PASSWORD": PASSWORD},
        )
        assert again.returncode == 0, again.stderr
        assert (
            again.stdout.strip().splitlines()[-1]
            == f"sent {left}, skipped {len(accepted)} (already sent), refused 0, failed 0"
        )
        everyone = [r.rcpt_tos[0].lower() for r in handler.received]
        assert sorted(everyone) == sorted(BY_EMAIL)  # each person exactly once


def test_a_row_a_killed_run_left_sending_becomes_failed_and_is_tried_again(sample_copy, tmp_path, password, capsys):
    engine = store.connect(sample_copy)
    stuck = store.sent.Outgoing("invitation", PEOPLE["M-ENG-01"][2], "<x@example.org>", "M-ENG-01", COHORT, "checkin")
    store.sent.start_sending(engine, stuck)  # as if the process was killed while the server was answering
    with engine.begin() as conn:  # two hours ago (a row of the last hour may be another run's, on the wire now)
        conn.execute(store.sent_messages.update().values(sent_at=store.now() - timedelta(hours=2)))
    assert cli.main(_invite(sample_copy, None, "--dry-run", str(tmp_path / "box"))) == 0
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith("18 messages written to " + str(tmp_path / "box") + "; skipped 0 (already sent)")
    )
    with serving(tmp_path / "smtp") as server:
        assert cli.main(_invite(sample_copy, server.url())) == 0
        assert len(server.handler.received) == 18
    first = _log(sample_copy)[0]
    assert first["status"] == "failed" and first["reply"] == store.sent.UNFINISHED


@pytest.mark.slow
def test_forget_clears_the_address_and_server_reply_in_the_sent_log(sample_copy, tmp_path, password, capsys):
    address = PEOPLE["M-ENG-03"][2]
    with serving(tmp_path / "smtp", Recorder(refuse={address})) as server:
        cli.main(_invite(sample_copy, server.url()))
    assert address in "".join(str(row["reply"]) for row in _log(sample_copy))  # the 550 names the address
    assert cli.main(["forget", "--email", address, "--db", sample_copy]) == 0
    assert "1 sent-log row." in capsys.readouterr().out
    rows = _log(sample_copy)
    mine = [row for row in rows if row["participant_id"] == "M-ENG-03"]
    assert [(r["recipient"], r["reply"], r["status"]) for r in mine] == [(None, None, "refused")]
    assert all(r["recipient"] and r["reply"] for r in rows if r["participant_id"] != "M-ENG-03")
    with store.connect(sample_copy).connect() as conn:
        kept = conn.execute(sa.select(store.sent_messages)).all()
    assert not any(address in str(value).lower() for row in kept for value in row)  # nowhere in the sent log


# --- the digest --------------------------------------------------------------------------------


def _run_folder(folder: Path, identify: bool = False) -> Path:
    """A report run as `mentorkit report` leaves it: manifest.json, changes.md and changes.html."""
    import json

    from mentorkit.runs import digest

    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"parameters": {"as_of": "2026-11-15", "identify": identify}}))
    items = (
        digest.Item("pair_needs_checkin", "c1", "readiness", "M-1–E-1", "health 55 <60"),
        digest.Item("goal_overdue", "c1", "goal_progress", "G-7", "target 2026-11-01"),
    )
    made = digest.Digest("2026-11-15", "../2026-11-08", "2026-11-08", 1, items, (), 5)
    (folder / "changes.md").write_text(digest.to_markdown(made))
    (folder / "changes.html").write_text(digest.to_html(made))
    return folder


@pytest.mark.slow
def test_the_digest_goes_to_each_lead_once_with_the_changes_and_absolute_links(sqlite_url, tmp_path, password, capsys):
    folder = _run_folder(tmp_path / "reports" / "2026-11-15")
    leads = ["Lea Lead <lea@example.org>", "sam@example.org", "LEA@example.org"]
    argv = _send(
        "digest",
        "--run",
        str(folder),
        "--to",
        *leads,
        "--reports-url",
        "https://intranet.example.org/r/2026-11-15",
        url=sqlite_url,
    )
    with serving(tmp_path / "smtp") as server:
        assert cli.main([*argv, "--smtp", server.url()]) == 0
        assert capsys.readouterr().out.strip() == "sent 2, skipped 0 (already sent), refused 0, failed 0"
        got = {r.rcpt_tos[0]: r.message for r in server.handler.received}
        assert set(got) == {"lea@example.org", "sam@example.org"}
        m = got["lea@example.org"]
        assert email.utils.parseaddr(m["To"]) == ("Lea Lead", "lea@example.org")
        assert m["Subject"] == "Mentoring programme: what changed in the reports as of 2026-11-15"
        text, html = _text(m), _html(m)
        assert (
            "Pairs newly needing a check-in (1)" in text and "M-1–E-1 — health 55 \\<60" in text
        )  # changes.md as written
        assert "(https://intranet.example.org/r/2026-11-15/c1/readiness.html)" in text
        assert "href='https://intranet.example.org/r/2026-11-15/c1/goal_progress.html'" in html
        assert "health 55 &lt;60" in html and "<60" not in html.replace("&lt;60", "")
        assert cli.main([*argv, "--smtp", server.url()]) == 0  # the same run's digest: once per lead
        assert capsys.readouterr().out.strip() == "sent 0, skipped 2 (already sent), refused 0, failed 0"

    named = _run_folder(tmp_path / "named", identify=True)
    bad = _send(
        "digest", "--run", str(named), "--to", "lea@example.org", "--dry-run", str(tmp_path / "box"), url=sqlite_url
    )
    assert cli.main(bad) == 2
    assert "was made with --identify and names people" in capsys.readouterr().err
    assert not (tmp_path / "box").exists()


def test_roster_text_is_escaped_in_html_and_cannot_add_a_header_and_a_workspace_template_wins(
    sqlite_url, tmp_path, capsys
):
    engine = store.connect(sqlite_url)
    hostile = 'Zoë <img src=x onerror=alert(1)> "Q"'
    roster = [["h1", "m9", "mentor", hostile, "zoe@example.net", "", "", "Ops"]]
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path / "in")
    argv = _send(
        "invitations",
        "--cohort",
        "h1",
        "--form",
        "mentor_readiness",
        "--base-url",
        BASE,
        "--dry-run",
        str(tmp_path / "box"),
        url=sqlite_url,
    )
    assert cli.main(argv) == 0
    (eml,) = (tmp_path / "box").iterdir()
    m = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert email.utils.parseaddr(m["To"]) == (hostile, "zoe@example.net")
    html = _html(m)
    assert "Dear Zoë &lt;img src=x onerror=alert(1)&gt; &#34;Q&#34;," in html and "<img" not in html
    assert f"Dear {hostile}," in _text(m)  # plain text is shown as text
    assert m["Subject"] == "Mentoring programme: your mentor readiness"

    ours = tmp_path / "templates" / "mail"
    ours.mkdir(parents=True)
    (ours / "invitation.subject.j2").write_text("Please fill in: {{ form_title }}\nBcc: evil@example.com\n")
    capsys.readouterr()
    assert cli.main(argv) == 0  # an earlier dry run's folder is replaced
    (eml,) = (tmp_path / "box").iterdir()
    m = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert m["Subject"] == "Please fill in: Mentor readiness Bcc: evil@example.com"  # one line: no header added
    assert m["Bcc"] is None

    (ours / "invitation.txt.j2").write_text("Dear {{ nmae }},\n")
    assert cli.main([*argv, "--dry-run", str(tmp_path / "box2")]) == 2  # the last --dry-run wins
    err = capsys.readouterr().err.strip()
    assert err == "mentorkit: error: the invitation message's template cannot be rendered: 'nmae' is undefined"
    assert not (tmp_path / "box2").exists()


@pytest.mark.slow
def test_rate_spaces_the_messages_and_limit_stops_after_n(sample_copy, tmp_path, password, capsys):
    argv = _send("invitations", "--cohort", COHORT, "--form", "mentor_readiness", "--base-url", BASE, url=sample_copy)
    with serving(tmp_path / "smtp") as server:
        started = time.monotonic()
        assert cli.main([*argv, "--smtp", server.url(), "--rate", "120", "--limit", "3"]) == 0  # one every 0.5 s
        took = time.monotonic() - started
        assert capsys.readouterr().out.strip().splitlines() == [
            "--limit 3: 3 more messages to send; run the command again",  # the cohort's 6 mentors
            "sent 3, skipped 0 (already sent), refused 0, failed 0",
        ]
        stamps = [r.at for r in server.handler.received]
        assert len(stamps) == 3 and stamps[2] - stamps[0] >= 0.95 and took >= 1.0  # two gaps of 0.5 s
    assert cli.main([*argv, "--rate", "0", "--dry-run", str(tmp_path / "box")]) == 2
    assert "--rate takes messages a minute, more than 0" in capsys.readouterr().err
