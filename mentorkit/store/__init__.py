"""The system of record: an append-only store on SQLAlchemy 2 (SQLite or PostgreSQL).

Only this package talks to the database. Submissions are never updated or deleted: a later
submission supersedes an earlier one when scoring. Reads are scoped to cohorts through indexes.
The modules split it by job: ``schema`` (tables), ``engine`` (where the store lives, opening and
upgrading it, transactions), ``write`` and ``read``; everything is re-exported here as ``store.X``.
"""

from __future__ import annotations

from ..data import CohortData
from ..errors import StoreError
from .check import CheckResult, SetAside, check_values, find_unreadable
from .engine import (
    DEFAULT_DB_NAME,
    connect,
    current_revision,
    data_dir,
    default_url,
    dispose_all,
    ensure_schema,
    normalize_url,
    now,
    retrying,
    schema_revision,
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
    participant_versions,
    participants,
    submissions,
    value_exclusions,
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
    version_unversioned,
)

__all__ = [
    "CHANNELS",
    "DEFAULT_DB_NAME",
    "SCHEMA_REVISION",
    "CheckResult",
    "CohortData",
    "Erasure",
    "SetAside",
    "StoreError",
    "answers",
    "append_submissions",
    "check_values",
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
    "find_unreadable",
    "fingerprint",
    "finish_import",
    "forget",
    "goals",
    "imports",
    "list_cohorts",
    "load",
    "metadata",
    "normalize_url",
    "now",
    "pairs",
    "participant_versions",
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
    "submissions",
    "upgrade_schema",
    "upsert_participants",
    "value_exclusions",
    "version_unversioned",
    "widen",
    "workspace",
]
