"""Writing an export's folder: each table as CSV or Parquet, then ``datapackage.json``, all appearing at once."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from mentorkit import frames
from mentorkit.errors import MentorkitError, UsageError
from mentorkit.export.build import Progress
from mentorkit.export.package import datapackage, resource
from mentorkit.export.tables import FORMATS, LEVELS, Table
from mentorkit.settings import DEFAULT, Settings

_UMASK = os.umask(0)
os.umask(_UMASK)


def _cells(col: pd.Series, text: Callable[[object], object]) -> pd.Series:
    """Each distinct value turned into its CSV text once (a million answers share a few thousand times)."""
    codes, uniques = pd.factorize(col)
    formatted = np.array([text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(formatted[codes], index=col.index, dtype=object)  # code -1 (missing) takes the None


def _csv_frame(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Cells as the CSV dialect of the data package: ISO dates, true/false, guarded text, empty for missing."""
    out: dict[str, pd.Series] = {}
    for f in table.fields:
        col = frame[f.name]
        if f.type == "string":
            out[f.name] = _cells(col, frames.guard_formula)
        elif f.type == "boolean":
            out[f.name] = col.map({True: "true", False: "false"}, na_action="ignore")
        elif f.type == "date":
            out[f.name] = _cells(col, lambda t: t.strftime("%Y-%m-%d"))  # type: ignore[attr-defined]
        elif f.type == "datetime":
            out[f.name] = _cells(col, lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))  # type: ignore[attr-defined]
        else:
            out[f.name] = col
    return pd.DataFrame(out, columns=table.names)


def _arrow_table(frame: pd.DataFrame, table: Table):  # type: ignore[no-untyped-def]
    """The table as Arrow with the Parquet types of its Frictionless types (dates date32, times UTC)."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "number": pa.float64(),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }
    arrays = []
    for f in table.fields:
        col = frame[f.name]
        if f.type in ("date", "datetime"):
            array = pa.Array.from_pandas(col.astype("datetime64[us]"))
            array = array.cast(types[f.type], safe=False) if f.type == "date" else array.cast(types[f.type])
        else:
            array = pa.Array.from_pandas(col, type=types[f.type])
        arrays.append(array)
    schema = pa.schema([pa.field(f.name, types[f.type]) for f in table.fields])
    return pa.Table.from_arrays(arrays, schema=schema)


def _write_table(folder: Path, table: Table, frame: pd.DataFrame, fmt: str) -> Path:
    path = folder / f"{table.name}.{fmt}"
    if fmt == "csv":
        _csv_frame(frame, table).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    else:
        import pyarrow.parquet as pq

        pq.write_table(_arrow_table(frame, table), path)
    return path


def check_request(out: str | os.PathLike[str], fmt: str, level: str) -> Path:
    """OUT as an absolute path once format, level and OUT are known good; a one-line error otherwise."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r}; choose one of: {', '.join(LEVELS)}")
    target = Path(out).absolute()
    _check_target(target)
    return target


def _check_target(out: Path) -> None:
    """Refuse a target that is a file, or a folder holding something other than an earlier export."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UsageError(f"{out} is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "datapackage.json").is_file():
        raise UsageError(f"{out} holds other files (not an earlier export); choose a new or empty folder")


def _swap_into_place(tmp: Path, out: Path) -> None:
    """The finished folder takes OUT's place (an earlier export there is removed only afterwards)."""
    if not out.exists():
        os.rename(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_export(
    out: Path,
    tables: dict[str, tuple[Table, pd.DataFrame]],
    as_of: date,
    level: str,
    fmt: str,
    settings: Settings = DEFAULT,
    progress: Progress | None = None,
) -> Path:
    """Write every table and ``datapackage.json`` into a temporary folder, then put it in OUT's place."""
    out = check_request(out, fmt, level)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise MentorkitError(f"cannot write the export to {out}: {exc.strerror or exc}") from None
    try:
        resources = []
        for table, frame in tables.values():
            if progress:
                progress(f"writing {table.name} ({len(frame):,} rows)")
            path = _write_table(tmp, table, frame, fmt)
            resources.append(resource(table, path, fmt, settings))
        descriptor = datapackage(resources, as_of, level, fmt, settings)
        (tmp / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")
        for path in tmp.iterdir():
            os.chmod(path, 0o666 & ~_UMASK)
        # person-level data stays readable by its owner only; figures get the usual mode
        os.chmod(tmp, 0o700 if level == "responses" else 0o777 & ~_UMASK)
        _swap_into_place(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise MentorkitError(f"cannot write the export to {out}: {exc.strerror or exc}; nothing was written") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
