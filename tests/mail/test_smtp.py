"""The SMTP connection of `mentorkit send`: the certificate verified, the password kept secret, the settings' precedence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mentorkit import cli, store
from mentorkit.errors import UsageError
from mentorkit.mail import smtp
from tests.conftest import run_cli
from tests.mailserver import PASSWORD, USER, serving

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)  # smtps: TLS from the start

COHORT = "2026-spring-eng"
BASE = "https://forms.example.org/mentoring/"
FROM = "Mentoring programme <mentoring@example.org>"


@pytest.fixture(autouse=True)
def _no_mail_environment(monkeypatch):
    for name in ("MENTORKIT_SMTP", "MENTORKIT_SMTP_PASSWORD", "MENTORKIT_SMTP_PASSWORD_FILE", "MENTORKIT_SMTP_CAFILE"):
        monkeypatch.delenv(name, raising=False)


def _invite(db: str, *more: str) -> list[str]:
    return [
        "send",
        "invitations",
        "--cohort",
        COHORT,
        "--form",
        "mentor_readiness",
        "--base-url",
        BASE,
        "--db",
        db,
        *more,
    ]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example.org", "not an SMTP server URL"),
        ("smtp://", "not an SMTP server URL"),
        (
            f"smtp://{USER}:{PASSWORD}@mail.example.org",
            "the SMTP URL holds a password; give it in MENTORKIT_SMTP_PASSWORD",
        ),
        ("smtp://mail.example.org:twenty-five", "port is not a number"),
        ("smtp://mail.example.org?tls=1", "unknown option 'tls'; allowed: starttls, cafile, timeout"),
        ("smtp://mail.example.org?starttls=maybe", "?starttls= takes yes, no or auto"),
        ("smtp://mail.example.org?timeout=0", "?timeout= takes the seconds"),
    ],
)
def test_a_bad_smtp_url_is_one_line_that_never_repeats_a_password(url, says):
    with pytest.raises(UsageError) as caught:
        smtp.parse_url(url)
    assert says in caught.value.message and PASSWORD not in caught.value.message


def test_the_url_gives_port_user_and_options():
    # smtp:// defaults to port 25, smtps:// to 465; a %40 in the user is an @
    assert smtp.parse_url("smtp://relay.example.org") == smtp.Server("smtp", "relay.example.org", 25)
    found = smtp.parse_url("smtps://ops%40example.org@mail.example.org?cafile=/etc/ca.pem&timeout=5")
    assert found == smtp.Server("smtps", "mail.example.org", 465, "ops@example.org", "auto", "/etc/ca.pem", 5.0)
    assert smtp.parse_url("smtp://m.example.org:587?starttls=no").starttls == "no"


def test_the_password_file_must_be_the_owners_alone(tmp_path, monkeypatch):
    server = smtp.parse_url(f"smtp://{USER}@mail.example.org:587")
    secret = tmp_path / "data" / "smtp-password"
    secret.parent.mkdir()
    secret.write_text(PASSWORD + "\n")
    os.chmod(secret, 0o644)
    with pytest.raises(UsageError) as caught:
        smtp.read_password(server, None, tmp_path)  # data/smtp-password of the workspace
    assert caught.value.message == f"the SMTP password file {secret} can be read by others; run `chmod 600 {secret}`"
    os.chmod(secret, 0o600)
    assert smtp.read_password(server, None, tmp_path) == PASSWORD
    elsewhere = tmp_path / "pw"
    elsewhere.write_text("from-the-named-file")
    os.chmod(elsewhere, 0o600)
    assert smtp.read_password(server, str(elsewhere), tmp_path) == "from-the-named-file"
    monkeypatch.setenv("MENTORKIT_SMTP_PASSWORD", "from-the-environment")
    assert smtp.read_password(server, str(elsewhere), tmp_path) == "from-the-environment"
    secret.unlink()
    monkeypatch.delenv("MENTORKIT_SMTP_PASSWORD")
    with pytest.raises(UsageError, match="needs a password: set MENTORKIT_SMTP_PASSWORD"):
        smtp.read_password(server, None, tmp_path)


@pytest.mark.slow
def test_the_certificate_is_verified_unless_insecure_which_warns(sample_copy, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MENTORKIT_SMTP_PASSWORD", PASSWORD)
    with serving(tmp_path / "smtp") as server:
        untrusted = server.url().split("?")[0]  # no ?cafile=: the self-signed certificate is not trusted
        assert cli.main([*_invite(sample_copy), "--from", FROM, "--smtp", untrusted]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith(
            f"mentorkit: error: the certificate of the SMTP server smtp://{USER}@127.0.0.1:{server.port}"
        )
        assert "cannot be verified" in err and "?cafile=FILE or MENTORKIT_SMTP_CAFILE, or pass --insecure" in err
        assert server.handler.received == [] and store.sent.log(store.connect(sample_copy)) == []

        monkeypatch.setenv("MENTORKIT_SMTP_CAFILE", str(server.cafile))  # the CA through the environment
        assert cli.main([*_invite(sample_copy), "--from", FROM, "--smtp", untrusted]) == 0
        assert len(server.handler.received) == 6  # the cohort's six mentors
        monkeypatch.delenv("MENTORKIT_SMTP_CAFILE")

        assert cli.main([*_invite(sample_copy), "--from", FROM, "--smtp", untrusted, "--insecure", "--resend"]) == 0
        out, err = capsys.readouterr()
        assert "mentorkit: warning: --insecure: the SMTP server's certificate is not verified" in err
        assert out.strip().splitlines()[-1] == "sent 6, skipped 0 (already sent), refused 0, failed 0"
        assert all(r.tls for r in server.handler.received)


@pytest.mark.slow
def test_the_password_is_never_sent_without_tls(sample_copy, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MENTORKIT_SMTP_PASSWORD", PASSWORD)
    with serving(tmp_path / "smtp") as server:
        assert cli.main([*_invite(sample_copy), "--from", FROM, "--smtp", server.url(starttls="no")]) == 1
        err = capsys.readouterr().err
        assert "offers no TLS; the password is never sent in the clear" in err
        assert server.handler.received == []


@pytest.mark.slow
def test_smtps_and_the_mail_section_of_mentorkit_toml_with_the_environment_over_it(
    sample_copy, tmp_path, monkeypatch, capsys
):
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD)
    os.chmod(secret, 0o600)
    with serving(tmp_path / "smtps", implicit_tls=True) as server:
        (tmp_path / "mentorkit.toml").write_text(
            "[mail]\n"
            f'smtp = "{server.url()}"\n'
            'from = "Programme <programme@example.org>"\n'
            'reply_to = "office@example.org"\n'
            'password_file = "smtp-password"\n'
            "[forms]\n"
            f'base_url = "{BASE}"\n'
        )
        argv = ["send", "invitations", "--cohort", COHORT, "--form", "mentor_readiness", "--db", sample_copy]
        assert cli.main(argv) == 0
        assert capsys.readouterr().out.strip() == "sent 6, skipped 0 (already sent), refused 0, failed 0"
        first = server.handler.received[0]
        assert first.tls and first.login == USER and first.mail_from == "programme@example.org"
        assert first.message["List-Unsubscribe"] == "<mailto:office@example.org?subject=unsubscribe>"

        monkeypatch.setenv("MENTORKIT_SMTP", "smtp://nobody@127.0.0.1:9")  # the environment wins over the file
        assert cli.main([*argv, "--resend"]) == 1
        assert "cannot reach the SMTP server smtp://nobody@127.0.0.1:9" in capsys.readouterr().err
        assert cli.main([*argv, "--resend", "--smtp", server.url()]) == 0  # and the flag over the environment
        assert len(server.handler.received) == 12


@pytest.mark.slow
def test_the_password_appears_in_no_output_log_eml_or_store(sample_copy, tmp_path):
    outputs: list[str] = []
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD)
    os.chmod(secret, 0o600)
    home = {"MENTORKIT_HOME": str(tmp_path)}
    with serving(tmp_path / "smtp") as server:
        runs = [
            (_invite(sample_copy, "--from", FROM, "--smtp", server.url()), {"MENTORKIT_SMTP_PASSWORD": PASSWORD}),
            (
                _invite(sample_copy, "--from", FROM, "--smtp", server.url(), "--resend"),
                {"MENTORKIT_SMTP_PASSWORD_FILE": str(secret)},
            ),
            (
                _invite(
                    sample_copy, "--from", FROM, "--smtp", server.url(), "--dry-run", str(tmp_path / "box"), "--resend"
                ),
                {},
            ),
            (_invite(sample_copy, "--from", FROM, "--smtp", f"smtp://{USER}:{PASSWORD}@127.0.0.1:{server.port}"), {}),
            (
                _invite(sample_copy, "--from", FROM, "--smtp", server.url(), "--resend"),
                {"MENTORKIT_SMTP_PASSWORD": PASSWORD + "x"},
            ),
            (["send", "--help"], {}),
        ]
        codes = []
        for argv, env in runs:
            done = run_cli(*argv, env={**home, **env})
            codes.append(done.returncode)
            outputs += [done.stdout, done.stderr]
        assert codes == [0, 0, 0, 2, 1, 0]  # the wrong password: the server refuses the login
        assert "refused the login: 535" in outputs[9]
        assert len(server.handler.received) == 12
        outputs += [r.message.as_string() for r in server.handler.received]
    eml = sorted((tmp_path / "box").glob("*.eml"))
    assert len(eml) == 6
    outputs += [f.read_text() for f in eml]
    files = [p for p in Path(tmp_path).rglob("*") if p.is_file() and p != secret]
    files += [
        Path(tmp_path) / "data" / name
        for name in ("sample.db", "sample.db-wal")
        if (Path(tmp_path) / "data" / name).exists()
    ]
    assert all(PASSWORD not in text for text in outputs)
    assert all(PASSWORD.encode() not in f.read_bytes() for f in files)  # the store, its WAL, every file written
