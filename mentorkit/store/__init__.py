"""The system of record: an append-only store on SQLAlchemy 2 (SQLite or PostgreSQL).

Only this package talks to the database. Submissions are never updated or deleted: a later
submission supersedes an earlier one when scoring. Reads are scoped to cohorts through indexes.
The modules split it by job: ``schema`` (tables), ``engine`` (where the store lives, opening and
upgrading it, transactions), ``write`` and ``read``; everything is re-exported here as ``store.X``.
"""

from __future__ import annotations

from ..data import CohortData
from ..errors import StoreError
from .engine import (
    DEFAULT_DB_NAME,
    PASSWORD_ENV,
    connect,
    current_revision,
    data_dir,
    default_url,
    dispose_all,
    ensure_schema,
    kernel_env,
    normalize_url,
    now,
    retrying,
    schema_revision,
    split_password,
    upgrade_schema,
    workspace,
)
from .read import (
    fingerprint,
    list_cohorts,
    load,
    read_all_pairs,
    read_goals,
    read_pairs,
    read_participants,
    read_people,
    read_raw,
    read_responses,
    widen,
)
from .schema import (
    SCHEMA_REVISION,
    answers,
    cohorts,
    erasures,
    goals,
    imports,
    metadata,
    pairs,
    participants,
    submissions,
)
from .write import (
    CHANNELS,
    Erasure,
    append_submissions,
    ensure_cohorts,
    ensure_goals,
    finish_import,
    forget,
    record_import,
    upsert_participants,
)

__all__ = [
    "CHANNELS",
    "DEFAULT_DB_NAME",
    "PASSWORD_ENV",
    "SCHEMA_REVISION",
    "CohortData",
    "Erasure",
    "StoreError",
    "answers",
    "append_submissions",
    "cohorts",
    "connect",
    "current_revision",
    "data_dir",
    "default_url",
    "dispose_all",
    "ensure_cohorts",
    "ensure_goals",
    "ensure_schema",
    "erasures",
    "fingerprint",
    "finish_import",
    "forget",
    "goals",
    "imports",
    "kernel_env",
    "list_cohorts",
    "load",
    "metadata",
    "normalize_url",
    "now",
    "pairs",
    "participants",
    "read_all_pairs",
    "read_goals",
    "read_pairs",
    "read_participants",
    "read_people",
    "read_raw",
    "read_responses",
    "record_import",
    "retrying",
    "schema_revision",
    "split_password",
    "submissions",
    "upgrade_schema",
    "upsert_participants",
    "widen",
    "workspace",
]
