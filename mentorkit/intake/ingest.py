"""Import: read a file or a form's rows, account for every one, write them in one transaction.

Every row read ends *accepted*, *duplicate* or *quarantined* with a reason. Forms use the same
path (``submit_rows``) as files, so there is one validation and one writer: ``submissions``
checks an instrument's rows (``resolve`` places them), ``roster`` the roster's; this module
writes them, counts them and keeps the quarantined rows' file.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from mentorkit import instruments as ins
from mentorkit import outputs, store
from mentorkit.errors import DISK_FULL, ImportStoredError, InputFileError, UsageError
from mentorkit.intake import checks, clean, files, roster, submissions, times
from mentorkit.intake.resolve import resolver_for as resolver_for  # the resolver an instrument's rows go through
from mentorkit.intake.roster import ROSTER_COLUMNS as ROSTER_COLUMNS  # the roster template's columns

KINDS = ("roster", *ins.instruments())
Progress = Callable[[str], None]  # told each stage of an import as it starts


@dataclass(frozen=True)
class ImportResult:
    """The accounting of one import: read = accepted + updated + duplicates + quarantined."""

    instrument: str
    source: str
    read: int
    accepted: int
    duplicates: int
    quarantined: int
    quarantine_file: Path | None = None
    flags: dict[str, int] = field(default_factory=dict)
    receipts: tuple[int, ...] = ()  # submission ids of accepted rows, in row order
    reasons: tuple[tuple[int, str], ...] = ()  # (row number in the file, reason) of each quarantined row
    updated: int = 0  # roster rows that changed a person already on the roster (a new version)
    date_orders: dict[str, str] = field(default_factory=dict)  # column → how its day/month dates were read

    def summary(self) -> str:
        """The one-line summary the CLI prints (a roster import's also says how many people it updated, and
        any import how it read day/month dates: ``matched_on read as DD/MM/YYYY``)."""
        updated = f", updated {self.updated}" if self.instrument == "roster" else ""
        line = (
            f"read {self.read}, accepted {self.accepted}{updated}, duplicates {self.duplicates}, "
            f"quarantined {self.quarantined}"
        )
        by_order: dict[str, list[str]] = {}
        for column, shown in self.date_orders.items():
            by_order.setdefault(shown, []).append(column)
        read_as = "; ".join(f"{', '.join(cols)} read as {shown}" for shown, cols in by_order.items())
        return f"{line}; {read_as}" if read_as else line

    @property
    def nothing_accepted(self) -> bool:
        """True when the import had rows and every one was quarantined (none accepted, updated or a duplicate)."""
        return self.read > 0 and self.quarantined == self.read


# --- the import --------------------------------------------------------------------------------


def import_file(
    engine: Engine,
    path: str | os.PathLike[str],
    kind: str,
    *,
    source: str = "auto",
    mapping: str | os.PathLike[str] | None = None,
    timezone: str | None = None,
    date_order: str | None = None,
    progress: Progress | None = None,
    dictionary: str | os.PathLike[str] | None = None,
) -> ImportResult:
    """Import a CSV/XLSX file of one instrument (or the roster) in one transaction.

    ``timezone`` is the zone of export times that carry none; given, it also wins over the zone a
    Qualtrics export names. ``date_order`` (``DMY`` or ``MDY``) is how the templates' day/month
    dates are read (``15/11/2026``); without it each column is read in the one order its dates
    allow. ``progress`` is told each stage of the work as it starts (the CLI prints them).
    ``dictionary`` is a REDCap export's data dictionary (``--dictionary``). A problem with the file
    as a whole raises ``InputFileError`` naming the file.
    """
    say = progress or (lambda _stage: None)
    from mentorkit.intake import tools  # registers the survey-tool sources

    if kind not in KINDS:
        raise UsageError(f"unknown instrument {kind!r}; choose one of: {', '.join(KINDS)}")
    if timezone is not None:
        times.parse_zone_option(timezone)
    if date_order is not None and date_order not in times.DATE_ORDERS:
        raise UsageError(f"unknown date order {date_order!r}; choose DMY (day first) or MDY (month first)")
    name = Path(path).name
    try:
        say(f"reading {name}")
        table = files.read_raw(path)
        src = files.detect(table, source)
        instrument = None if kind == "roster" else ins.get(kind)
        questions, answers = files.load_map(mapping)
        canon = tools.convert(
            src, table, instrument, questions, timezone, mapping=mapping, dictionary=dictionary, date_order=date_order
        )
        if answers and instrument is not None:
            relabel_answers(canon, instrument, answers)
        say(f"{len(canon.frame):,} rows ({src.title}): checking and cleaning")
        return import_canonical(engine, canon, kind, file_name=name, progress=say)
    except InputFileError as exc:
        raise exc.about(name) from None


def relabel_answers(canon: files.Canonical, instrument: ins.Instrument, answers: dict[str, str]) -> None:
    """Answer labels of another language (the ``answers:`` of a ``--map`` file) → mentorkit's answers."""
    for item in instrument.items:
        if item.kind in ("yesno", "likert5", "choice") and item.id in canon.frame.columns:
            canon.frame[item.id] = clean.relabel(canon.frame[item.id], answers)


def import_canonical(
    engine: Engine,
    canon: files.Canonical,
    kind: str,
    *,
    file_name: str,
    progress: Progress | None = None,
    channel: str = "import",
) -> ImportResult:
    """Import rows already in the template's columns (files, forms); ``channel`` says how they came in.

    The quarantine file is written under a pending name before the transaction commits and renamed
    after: a failure before the commit stores nothing, one after it says what was stored.
    """
    staged: tuple[Path, Path] | None = None
    try:
        with store.retrying(engine) as conn:
            import_id, result, reasons = _write_rows(conn, canon, kind, file_name, progress, channel)
            if result.quarantined:
                staged = _stage_quarantine(engine, canon, reasons, kind, file_name, import_id)
    except BaseException:
        _discard(staged)  # the transaction did not commit: nor does its quarantine file
        raise
    if staged is None:
        return result
    return replace(result, quarantine_file=_publish_quarantine(staged, result, file_name))


class _Written(NamedTuple):
    """What a write made of each row of the file (on the file's index)."""

    reasons: pd.Series  # why the row is quarantined; missing for a row stored or skipped
    accepted: pd.Series
    updated: pd.Series  # a roster row that changed someone already on the roster
    duplicates: pd.Series
    receipts: tuple[int, ...] = ()  # submission ids of accepted rows, in row order


def _write_rows(
    conn: Connection, canon: files.Canonical, kind: str, file_name: str, progress: Progress | None, channel: str
) -> tuple[int, ImportResult, pd.Series]:
    """The rows checked and written in the open transaction; the import's id, its accounting and each row's reason."""
    import_id = store.record_import(
        conn,
        instrument=kind,
        source=canon.source,
        file_name=file_name,
        rows_read=len(canon.frame),
        raw_columns=[files.show_bytes(str(c)) for c in canon.raw.columns],
        accepted=0,
        duplicates=0,
        quarantined=0,
    )
    # rows with a NUL or bytes that are not UTF-8 are quarantined before any check looks at them
    unstorable = files.byte_problems(canon.raw, canon.frame)
    storable = _rows(canon, unstorable.isna()) if unstorable.notna().any() else canon
    if kind == "roster":
        written = _Written(*roster.write_roster(conn, storable, unstorable, file_name, import_id))
    else:
        written = _write_submissions(conn, storable, unstorable, ins.get(kind), file_name, import_id, progress, channel)
    if kind in HELD_BY:
        _keep_held(conn, canon, kind, written.reasons, import_id)
    result = _accounting(canon, kind, written)
    store.finish_import(
        conn,
        import_id,
        accepted=result.accepted,
        updated=result.updated,
        duplicates=result.duplicates,
        quarantined=result.quarantined,
    )
    assert result.read == result.accepted + result.updated + result.duplicates + result.quarantined
    return import_id, result, written.reasons


HELD_BY = {"roster": ("participant", "participant_id"), "goals": ("goal", "goal_id")}  # rows others depend on
_EMAIL_VALUE = re.compile(r"""email: (?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") is not an e-mail address""")


def _keep_held(conn: Connection, canon: files.Canonical, kind: str, reasons: pd.Series, import_id: int) -> None:
    """The store remembers each id's quarantined row (roster: a participant's, goals: a goal's) until a
    later row of it is stored, so that rows depending on it can name it (never an e-mail address)."""
    subject, column = HELD_BY[kind]
    ids = clean.clean_id(checks.text_column(canon.frame, column), column)[0]
    bad = reasons.notna()
    stored = ids[~bad].dropna()
    held = pd.DataFrame({"subject_id": ids, "row_number": canon.frame["_row"], "reason": reasons})
    held = held[bad & ids.notna() & ~ids.isin(stored)].drop_duplicates("subject_id", keep="last")
    held["reason"] = held["reason"].str.replace(_EMAIL_VALUE, "email: the cell is not an e-mail address", regex=True)
    store.keep_quarantined(conn, subject, import_id, stored.tolist(), held)


def _write_submissions(
    conn: Connection,
    storable: files.Canonical,
    unstorable: pd.Series,
    instrument: ins.Instrument,
    file_name: str,
    import_id: int,
    progress: Progress | None,
    channel: str,
) -> _Written:
    """An instrument's rows checked and appended, in the open transaction (``unstorable`` as for the roster)."""
    index = unstorable.index
    out, reasons = submissions.prepare_submissions(storable, instrument, conn, file_name)
    out, reasons = out.reindex(index), unstorable.fillna(reasons.reindex(index))
    ok = reasons.isna()
    in_file_dup = ok & out["dedupe_key"].duplicated(keep="first")
    # rows already in the store are skipped by the insert itself (unique key, ON CONFLICT)
    fresh = ok & ~in_file_dup
    if progress:
        progress(f"writing {int(fresh.sum()):,} submissions in one transaction")
    if instrument.id in BEFORE_WRITE:
        BEFORE_WRITE[instrument.id](conn, out[fresh])
    ids = store.append_submissions(conn, out[fresh], instrument, storable.source, import_id, channel)
    accept = ids.reindex(out.index).notna()
    receipts = tuple(int(i) for i in ids.dropna())
    return _Written(reasons, accept, pd.Series(False, index=out.index), ok & ~accept, receipts)


def _accounting(canon: files.Canonical, kind: str, written: _Written) -> ImportResult:
    """The import's counts, its accepted rows' flags and each quarantined row's reason."""
    accept, index = written.accepted, canon.frame.index
    return ImportResult(
        instrument=kind,
        source=canon.source,
        read=len(index),
        accepted=int(accept.sum()),
        updated=int(written.updated.sum()),
        duplicates=int(written.duplicates.sum()),
        quarantined=int(written.reasons.notna().sum()),
        flags={k: int(v.reindex(index).fillna(False).astype(bool)[accept].sum()) for k, v in canon.flags.items()},
        receipts=written.receipts,
        reasons=_reasons(canon, written.reasons),
        date_orders=dict(canon.date_orders),
    )


def _rows(canon: files.Canonical, keep: pd.Series) -> files.Canonical:
    """The rows of a file that ``keep`` marks, with their raw cells and flags."""
    return replace(
        canon,
        frame=canon.frame[keep],
        raw=canon.raw[keep],
        flags={k: v.reindex(keep.index)[keep] for k, v in canon.flags.items()},
    )


def _reasons(canon: files.Canonical, reasons: pd.Series) -> tuple[tuple[int, str], ...]:
    """(row number, reason) of each quarantined row, in file order."""
    bad = reasons.notna()
    rows = canon.frame.loc[bad, "_row"]
    return tuple((int(r), str(why)) for r, why in zip(rows, reasons[bad], strict=True))


def _register_goals(conn: Connection, accepted: pd.DataFrame) -> None:
    """Accepted agreement rows register (or reword) their goal before the answers are written."""
    store.ensure_goals(conn, accepted.assign(pair_id=accepted["pair_id"].astype("Int64")))


# what an instrument's accepted rows need in the store before they are written, by instrument id
BEFORE_WRITE: dict[str, Callable[[Connection, pd.DataFrame], None]] = {"goals": _register_goals}


def _stage_quarantine(
    engine: Engine, canon: files.Canonical, reasons: pd.Series, kind: str, file_name: str, import_id: int
) -> tuple[Path, Path]:
    """The quarantine file written under a pending name; (pending, final) paths.

    Raises ``InputFileError`` (the transaction then rolls back: nothing is stored) when it cannot be written.
    """
    bad = reasons.notna()
    frame = canon.raw[bad].astype("string")
    for pos in range(frame.shape[1]):  # NULs and stray bytes written out as \x00 / \xe9
        if frame.iloc[:, pos].str.contains(files.UNSTORABLE.pattern, regex=True).any():
            frame.iloc[:, pos] = frame.iloc[:, pos].str.replace(files.UNSTORABLE, files.show_match, regex=True)
    frame.columns = [files.show_bytes(str(c)) for c in frame.columns]
    frame.insert(0, "reason", reasons[bad].to_numpy())
    frame.insert(0, "row", canon.frame.loc[bad, "_row"].to_numpy())
    # named by content: re-importing the same file rewrites the same quarantine file
    digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()[:10]
    path = store.data_dir(engine) / "quarantine" / f"{kind}-{outputs.safe_stem(file_name)}-{digest}.csv"
    pending = path.with_name(f".{path.name}.{import_id}.pending")
    try:  # the pending name is this import's own temporary file: renamed into place after the commit
        pending.parent.mkdir(parents=True, exist_ok=True)
        outputs.write_csv_to(pending, frame)
    except OSError as exc:
        why = "the disk is full (no space left on the device)" if exc.errno in DISK_FULL else exc.strerror or exc
        raise InputFileError(f"cannot write the quarantine file in {path.parent}: {why}; nothing was stored") from None
    return pending, path


def _discard(staged: tuple[Path, Path] | None) -> None:
    """The pending quarantine file of an import that did not commit is removed."""
    if staged is not None:
        staged[0].unlink(missing_ok=True)


def _publish_quarantine(staged: tuple[Path, Path], result: ImportResult, file_name: str) -> Path:
    """After the commit: the pending quarantine file renamed into place; if that fails, an error
    that says what was stored and where the reasons are."""
    pending, path = staged
    try:
        os.replace(pending, path)
    except OSError as exc:
        raise ImportStoredError(
            f"{file_name}: stored {result.summary()}; the quarantine file could not be named {path.name} "
            f"({exc.strerror or exc}): the reasons are in {pending}"
        ) from None
    return path


def submit_rows(
    engine: Engine,
    kind: str,
    rows: Sequence[Mapping[str, object]],
    source: str = "form",
    channel: str = "workshop",
) -> ImportResult:
    """Store rows given as dicts in the template's columns (the forms' path into the store).

    ``channel`` is how the person was identified: ``link``, ``email`` or ``workshop``.
    """
    frame = pd.DataFrame(rows).astype("string")
    frame.insert(0, "_row", range(1, len(frame) + 1))
    canon = files.Canonical(frame=frame, source=source, raw=frame.drop(columns="_row"))
    return import_canonical(engine, canon, kind, file_name=source, channel=channel)
