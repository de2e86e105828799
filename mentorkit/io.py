"""Reading files: CSV (UTF-8 with or without BOM, Windows-1252) and XLSX, and the source formats.

A *source* turns the raw cells of a file into the project's template columns (``canonical``
frame). Sources register themselves in ``SOURCES``; ``detect`` picks the first that claims a
file. Only this module reads files.
"""

from __future__ import annotations

import io as _io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import clean
from .errors import InputFileError, UsageError
from .instruments import Instrument

ZIP_MAGIC = b"PK\x03\x04"
_UMASK = os.umask(0)
os.umask(_UMASK)


@dataclass(frozen=True)
class RawTable:
    """A file's cells as text, no header applied (row 0 is the file's first row)."""

    path: Path
    cells: pd.DataFrame
    kind: str  # csv or xlsx


@dataclass(frozen=True)
class Canonical:
    """A file's rows in the template's columns, with the file row number of each (``_row``)."""

    frame: pd.DataFrame
    source: str
    raw: pd.DataFrame  # the original cells of each row, same index, original headers
    flags: dict[str, pd.Series] = field(default_factory=dict)  # data-quality flags per row


def read_raw(path: str | os.PathLike[str]) -> RawTable:
    """A CSV or XLSX file as text cells; one clear error when it is neither."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"no such file: {p}") from None
    except IsADirectoryError:
        raise InputFileError(f"{p} is a folder, not a file") from None
    except OSError as exc:
        raise InputFileError(f"cannot read {p}: {exc.strerror}") from None
    if not data.strip():
        raise InputFileError(f"{p.name} is empty")
    if data.startswith(ZIP_MAGIC):
        return RawTable(p, _read_xlsx(p, data), "xlsx")
    if b"\x00" in data[:4096]:
        raise InputFileError(f"{p.name} is not a CSV or XLSX file (binary content)")
    return RawTable(p, _read_csv(p, data), "csv")


def _decode(p: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputFileError(f"{p.name} is neither UTF-8 nor Windows-1252 text") from None


def _read_csv(p: Path, data: bytes) -> pd.DataFrame:
    text = _decode(p, data)
    try:
        cells = pd.read_csv(
            _io.StringIO(text), header=None, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=True
        )
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise InputFileError(f"{p.name} is not a readable CSV file: {first}") from None
    return cells.astype("string")


def _read_xlsx(p: Path, data: bytes) -> pd.DataFrame:
    try:
        cells = pd.read_excel(
            _io.BytesIO(data), header=None, dtype=str, engine="openpyxl", keep_default_na=False, na_filter=False
        )
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputFileError(f"{p.name} is not a readable XLSX workbook ({type(exc).__name__})") from None
    cells = cells.dropna(how="all")
    return cells.astype("string").fillna("")


def with_header(
    cells: pd.DataFrame,
    header_row: int = 0,
    first_data_row: int | None = None,
) -> tuple[list[str], pd.DataFrame]:
    """Split cells into header names and data rows; ``_row`` gives 1-based file rows."""
    if len(cells) <= header_row:
        raise InputFileError("the file has no header row")
    header = [str(h).strip() for h in cells.iloc[header_row].tolist()]
    start = header_row + 1 if first_data_row is None else first_data_row
    body = cells.iloc[start:].copy()
    body.columns = range(body.shape[1])
    blank = body.apply(lambda c: c.str.strip() == "").all(axis=1)
    body = body[~blank]
    rows = pd.Series(body.index + 1, index=body.index, name="_row")
    body = body.reset_index(drop=True)
    body.insert(0, "_row", rows.to_numpy())
    return header, body


# --- sources ----------------------------------------------------------------------------------

Detector = Callable[[RawTable], bool]
Converter = Callable[[RawTable, Instrument | None, dict[str, str], str], Canonical]  # … time zone


@dataclass(frozen=True)
class Source:
    """A file format mentorkit can import."""

    name: str
    title: str
    detect: Detector
    convert: Converter


SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add a source format to the registry."""
    SOURCES[source.name] = source
    return source


def detect(table: RawTable, forced: str = "auto") -> Source:
    """The source format of a file (forced, or the first registered one that claims it)."""
    if forced != "auto":
        if forced not in SOURCES:
            raise UsageError(f"unknown source {forced!r}; choose auto or one of: {', '.join(SOURCES)}")
        return SOURCES[forced]
    for source in SOURCES.values():
        if source.name != "mentorkit" and source.detect(table):
            return source
    return SOURCES["mentorkit"]


def _template_convert(
    table: RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str = "UTC"
) -> Canonical:
    header, body = with_header(table.cells)
    names = [mapping.get(clean.normalize_question(h), h.strip().lower()) for h in header]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    repeated = sorted(n for n, c in seen.items() if c > 1 and n)
    if repeated:
        raise InputFileError(f"{table.path.name}: column(s) appear twice: {', '.join(repeated)}")
    frame = body.copy()
    frame.columns = ["_row", *names]
    raw = body.copy()
    raw.columns = ["_row", *header]
    return Canonical(frame=frame, source="mentorkit", raw=raw.drop(columns="_row"))


register(Source("mentorkit", "mentorkit template", lambda t: True, _template_convert))


# --- writing ---------------------------------------------------------------------------------


def safe_stem(name: str, limit: int = 40) -> str:
    """A file name part derived from user text: only letters, digits, - and _."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem).strip("-_")[:limit]
    return stem or "file"


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file under a temporary name in the same folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; final files get the usual mode
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """A UTF-8 text file written under a temporary name, then renamed into place."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """A CSV guarded against spreadsheet formula injection, written atomically."""
    guarded = clean.guard_frame(frame)
    write_atomic(path, lambda tmp: guarded.to_csv(tmp, index=False, encoding="utf-8"))


def load_mapping(path: str | os.PathLike[str] | None) -> dict[str, str]:
    """A ``--map`` file (YAML mapping or two-column CSV: question text → item id)."""
    if path is None:
        return {}
    p = Path(path)
    try:
        text = p.read_text("utf-8-sig")
    except OSError as exc:
        raise InputFileError(f"cannot read the map file {p}: {exc.strerror}") from None
    pairs: dict[str, str] = {}
    if p.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputFileError(f"{p.name} is not valid YAML") from None
        if not isinstance(data, dict):
            raise InputFileError(f"{p.name} must map question text to item ids")
        pairs = {str(k): str(v) for k, v in data.items()}
    else:
        frame = pd.read_csv(_io.StringIO(text), header=None, dtype=str, keep_default_na=False)
        if frame.shape[1] < 2:
            raise InputFileError(f"{p.name} must have two columns: question text, item id")
        pairs = dict(zip(frame[0], frame[1], strict=True))
        pairs.pop("question", None)
    return {clean.normalize_question(k): v.strip() for k, v in pairs.items()}
