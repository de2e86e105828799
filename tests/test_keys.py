"""The workspace's secrets: made once, owner-only, whole when they appear, and checked on every read."""

from __future__ import annotations

import errno
import multiprocessing
import os
import stat

import pytest

from mentorkit import cli, keys
from mentorkit import export as bi
from mentorkit.errors import MentorkitError
from mentorkit.forms import links
from tests import secretrace

HEX = set("0123456789abcdef")
ROUNDS = 100


def test_a_new_secret_is_64_hex_digits_owner_only_and_never_overwritten(tmp_path):
    path = tmp_path / "data" / "some-secret"
    assert keys.create_secret(path, "test secret") is True  # data/ is made on the way
    value = path.read_bytes()
    assert len(value) == 64 and set(value.decode()) <= HEX  # 32 random bytes as hex
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.create_secret(path, "test secret") is False
    assert keys.ensure_secret(path, "test secret", "fix it") == value
    assert path.read_bytes() == value
    assert [p.name for p in path.parent.iterdir()] == ["some-secret"]  # no temporary file left behind


def test_a_damaged_secret_is_refused_and_left_as_it_is(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(b"abc123")  # 6 hex digits, not 64
    path.chmod(0o600)
    with pytest.raises(MentorkitError) as caught:
        keys.ensure_secret(path, "test secret", "remove it")
    assert str(caught.value) == f"the test secret {path} is damaged; remove it"
    assert path.read_bytes() == b"abc123"  # not replaced behind the owner's back


def test_an_unreadable_secret_is_refused_in_one_line(tmp_path):
    path = tmp_path / "secret"
    path.mkdir()  # a folder where the file should be: unreadable even for root (tests may run as root)
    with pytest.raises(MentorkitError, match=r"^cannot read the test secret .*/secret: Is a directory$"):
        keys.ensure_secret(path, "test secret", "remove it")


def test_a_secret_that_cannot_be_written_is_refused_in_one_line(tmp_path):
    (tmp_path / "data").write_text("a file where the data folder should be")
    path = tmp_path / "data" / "secret"
    for attempt in (
        lambda: keys.ensure_secret(path, "test secret", "x"),
        lambda: keys.replace_secret(path, "test secret"),
    ):
        with pytest.raises(MentorkitError, match=r"^cannot write the test secret .*/data/secret: .+$"):
            attempt()


def test_replace_swaps_in_a_new_owner_only_secret(tmp_path):
    path = tmp_path / "secret"
    keys.create_secret(path, "test secret")
    first = path.read_bytes()
    keys.replace_secret(path, "test secret")
    assert path.read_bytes() != first and len(path.read_bytes()) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_without_hard_links_the_secret_is_still_made_once(tmp_path, monkeypatch):
    def no_links(src: object, dst: object) -> None:  # what os.link does on a file system without hard links
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "secret"
    assert keys.create_secret(path, "test secret") is True
    value = path.read_bytes()
    assert len(value) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.create_secret(path, "test secret") is False and path.read_bytes() == value
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_two_processes_creating_at_once_read_one_secret(tmp_path):
    ctx = multiprocessing.get_context("spawn")  # real, separate processes
    start, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=secretrace.race, args=(str(tmp_path), ROUNDS, start, out)) for _ in range(2)]
    for p in procs:
        p.start()
    got: dict[int, list[bytes | str]] = {}
    for _ in range(2 * ROUNDS):
        i, value = out.get(timeout=120)
        got.setdefault(i, []).append(value)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for i in range(ROUNDS):
        on_disk = (tmp_path / f"secret-{i}").read_bytes()
        assert got[i] == [on_disk, on_disk], (i, got[i])  # both read the one secret (never a half-written file)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"secret-{i}" for i in range(ROUNDS))


# --- the two secrets of a workspace --------------------------------------------------------------


def test_links_and_exports_keep_their_own_secret_files(tmp_path):
    links.make_token("E-ENG-01", "checkin", links.datetime(2030, 1, 1, tzinfo=links.UTC))
    export = bi.Pseudonyms.load().key
    link = (tmp_path / "data" / "link-secret").read_bytes()
    assert export == (tmp_path / "data" / "export-secret").read_bytes() and export != link
    for name in ("link-secret", "export-secret"):
        assert stat.S_IMODE((tmp_path / "data" / name).stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("name", "argv", "message"),
    [
        (
            "export-secret",
            ["export", "--level", "responses", "--as-of", "2026-11-15"],
            "the export secret {path} is damaged; remove it (exports then get new pseudonyms)",
        ),
        (
            "link-secret",
            ["invite", "--cohort", "2026-spring-eng", "--form", "checkin", "--base-url", "https://forms.example.org/"],
            "the link secret {path} is damaged; run `mentorkit invite --rotate` for a new one",
        ),
    ],
)
def test_the_command_line_says_a_damaged_secret_in_one_line(sample_db, tmp_path, capsys, name, argv, message):
    path = tmp_path / "data" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"0" * 63)  # one hex digit short
    path.chmod(0o600)
    assert cli.main([*argv, "--db", sample_db, "--out", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err
    assert err == f"mentorkit: error: {message.format(path=path)}\n"
    assert path.read_bytes() == b"0" * 63 and not (tmp_path / "out").exists()
