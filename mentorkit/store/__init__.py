"""The system of record: an append-only store on SQLAlchemy 2 (SQLite or PostgreSQL).

Only this package talks to the database. Submissions are never updated or deleted: a later
submission supersedes an earlier one when scoring. Reads are scoped to cohorts through indexes.
The modules split it by job: ``schema`` (tables), ``engine`` (where the store lives, opening and
upgrading it, transactions), ``write`` and ``read``, ``quarantine`` (the quarantined rows others
depend on) and ``sent`` (the sent log of ``mentorkit send`` and the opt-outs, used as ``store.sent.X``);
the rest is re-exported here as ``store.X``.
"""

from __future__ import annotations

from mentorkit.data import CohortData
from mentorkit.errors import StoreError
from mentorkit.store import sent
from mentorkit.store.check import CheckResult, SetAside, check_values, find_unreadable
from mentorkit.store.engine import (
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
from mentorkit.store.quarantine import keep_quarantined, read_quarantined
from mentorkit.store.read import (
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
from mentorkit.store.schema import (
    SCHEMA_REVISION,
    answers,
    cohorts,
    erasures,
    goals,
    imports,
    mail_optouts,
    metadata,
    pairs,
    participant_versions,
    participants,
    quarantined_rows,
    sent_messages,
    submissions,
    value_exclusions,
)
from mentorkit.store.summary import SUMMARY_COLUMNS, cohort_summary, latest_submission, suggested_as_of
from mentorkit.store.write import (
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
    "PASSWORD_ENV",
    "SCHEMA_REVISION",
    "SUMMARY_COLUMNS",
    "CheckResult",
    "CohortData",
    "Erasure",
    "SetAside",
    "StoreError",
    "answers",
    "append_submissions",
    "check_values",
    "cohort_summary",
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
    "keep_quarantined",
    "kernel_env",
    "latest_submission",
    "list_cohorts",
    "load",
    "mail_optouts",
    "metadata",
    "normalize_url",
    "now",
    "pairs",
    "participant_versions",
    "participants",
    "quarantined_rows",
    "read_all_pairs",
    "read_goals",
    "read_pairs",
    "read_participants",
    "read_people",
    "read_quarantined",
    "read_raw",
    "read_responses",
    "record_import",
    "retrying",
    "schema_revision",
    "sent",
    "sent_messages",
    "split_password",
    "submissions",
    "suggested_as_of",
    "upgrade_schema",
    "upsert_participants",
    "value_exclusions",
    "version_unversioned",
    "widen",
    "workspace",
]
