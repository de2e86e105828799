"""User and environment problems get a clear line of their own, never "internal error … please report it"."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import cli, store
from mentorkit.settings import DEFAULT
from tests.conftest import SAMPLE

COHORT = "2026-pilot-legal"


def one_line(capsys, argv: list[str], text: str) -> str:
    assert cli.main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert "internal error" not in err and "Traceback" not in err, err
    assert err.count("\n") == 0 and err.startswith("mentorkit: error: ") and text in err, err
    return err


@pytest.mark.slow
def test_a_store_locked_by_another_process_waits_then_says_so(capsys, sample_copy):
    path = sa.make_url(sample_copy).database
    holder = sqlite3.connect(path, isolation_level=None)  # another writer, holding the write lock
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        err = one_line(
            capsys,
            ["import", str(SAMPLE / "roster.csv"), "--instrument", "roster", "--db", sample_copy],
            "is locked by another process",
        )
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert f"waited {DEFAULT.store_busy_seconds:g} s" in err and path in err
    assert waited >= DEFAULT.store_busy_seconds  # it waited the busy timeout first


@contextlib.contextmanager
def tiny_disk(where: Path, size: str):
    """A tmpfs of ``size`` mounted at ``where`` (root only); the test is skipped when it cannot be mounted."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    with (folder / "filler").open("wb", buffering=0) as fh, contextlib.suppress(OSError):
        while fh.write(b"\0" * 4096):
            pass


def test_a_full_disk_says_so_for_an_output_file(capsys, sample_db, tmp_path):
    with tiny_disk(tmp_path / "disk", "256k") as disk:
        fill(disk)
        out = disk / "due.csv"
        err = one_line(capsys, ["status", "--cohort", COHORT, "--db", sample_db, "--out", str(out)], "the disk is full")
        assert not out.exists() and [p.name for p in disk.iterdir()] == ["filler"]  # no temporary file left
    assert str(out) in err


def test_a_full_disk_says_so_for_the_store(capsys, sample_copy, tmp_path):
    with tiny_disk(tmp_path / "disk", "8m") as disk:
        db = disk / "mentorkit.db"
        shutil.copy(sa.make_url(sample_copy).database, db)
        url = f"sqlite:///{db}"
        with store.connect(url).connect() as conn:  # the store open (its WAL files made), then the disk fills
            assert conn.execute(sa.text("SELECT count(*) FROM participants")).scalar() > 0
        fill(disk)
        roster = SAMPLE / "roster.csv"
        one_line(capsys, ["import", str(roster), "--instrument", "roster", "--db", url], "the disk is full")
