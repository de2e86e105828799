"""Alembic migrations of the mentorkit store (run with `mentorkit db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

HERE = Path(__file__).resolve().parent


def config(connection: Connection) -> Config:
    """An Alembic configuration bound to an open connection (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema up to ``revision``."""
    command.upgrade(config(connection), revision)


def stamp(connection: Connection, revision: str) -> None:
    """Record a revision without running migrations (stores made before Alembic)."""
    command.stamp(config(connection), revision)


def head() -> str:
    """The newest revision."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return str(ScriptDirectory.from_config(cfg).get_current_head())
