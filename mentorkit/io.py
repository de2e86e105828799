"""Reading files: CSV (UTF-8 with or without BOM, Windows-1252) and XLSX, and the source formats.

A *source* turns the raw cells of a file into the project's template columns (``canonical``
frame). Sources register themselves in ``SOURCES``; ``detect`` picks the first that claims a
file. Only this module reads files.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io as _io
import itertools
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd

from . import clean, display
from .errors import DISK_FULL, InputFileError, OutputError, UsageError
from .instruments import Instrument

ZIP_MAGIC = b"PK\x03\x04"
MAX_COLUMNS = 10_000  # far above any export of the five instruments
OUTPUT_HEAD_BYTES = 1 << 16  # how much of an existing --out file is read to find its header row
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
    """A CSV or XLSX file as text cells; one clear error when it is neither.

    Messages do not repeat the file name: the import puts it in front of them.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputFileError("no such file (check the path)") from None
    except IsADirectoryError:
        raise InputFileError("is a folder, not a file") from None
    except OSError as exc:
        raise InputFileError(f"cannot read the file: {exc.strerror}") from None
    if not data.strip():
        raise InputFileError("the file is empty")
    if data.startswith(ZIP_MAGIC):
        return RawTable(p, _read_xlsx(p, data), "xlsx")
    return RawTable(p, _read_csv(p, data), "csv")


NOT_TEXT = "is not a CSV or XLSX file (binary content); save it from your spreadsheet as CSV UTF-8 or XLSX"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _utf16_order(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the bytes look like UTF-16 text (a BOM, or NULs at every other byte)."""
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    head = data[:512]
    if len(head) >= 4:
        odd, even = head[1::2], head[0::2]
        if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.2 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.2 * len(odd):
            return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """Bytes of a CSV file as text: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or
    Windows-1252; one clear error for anything else."""
    utf16 = _utf16_order(data)
    text: str | None = None
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            text = None
    if text is None and b"\x00" in data[:4096]:
        raise InputFileError(NOT_TEXT)
    if text is None:
        with contextlib.suppress(UnicodeDecodeError):
            text = data.decode("utf-8-sig")
    if text is None:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputFileError(
                "is not text in UTF-8, UTF-16 or Windows-1252; save it from your spreadsheet as CSV UTF-8 or XLSX"
            ) from None
    text = text.lstrip("\ufeff")
    if len(_CONTROL_CHARS.findall(text[:4096])) > 4:
        raise InputFileError(NOT_TEXT)
    return text


SEPARATORS = (",", ";", "\t")


def sniff_separator(text: str) -> str:
    """The cell separator of a CSV text: ``,`` ``;`` or tab, whichever splits its first records most
    consistently into the most cells (a comma when nothing tells them apart)."""
    sample = text[:65536]
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # a huge first cell is still a cell
    best, best_score = ",", (-1, -1, -1)
    for sep in SEPARATORS:
        if sep not in sample:
            continue
        try:
            rows = list(itertools.islice(csv.reader(_io.StringIO(sample), delimiter=sep), 30))
        except csv.Error:
            continue
        if len(sample) < len(text) and len(rows) > 1:
            rows = rows[:-1]  # the sample may end inside a record
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths), widths[0], -SEPARATORS.index(sep))
        if score > best_score:
            best, best_score = sep, score
    return best


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(p: Path, data: bytes) -> pd.DataFrame:
    text = decode_text(data)
    sep = sniff_separator(text)
    try:
        cells = pd.read_csv(
            _io.StringIO(text),
            header=None,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise InputFileError("the file has no rows") from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        found = _FIELDS.search(str(exc))
        if found:
            want, line, saw = found.groups()
            raise InputFileError(
                f"line {line} has {saw} cells but the first line has {want}; "
                "save the file again from the survey tool or spreadsheet"
            ) from None
        first = display.first_line(str(exc)) or "unreadable"
        raise InputFileError(f"is not a readable CSV file ({first})") from None
    return cells.astype("string").fillna("")


def _read_xlsx(p: Path, data: bytes) -> pd.DataFrame:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            sheets = pd.read_excel(
                _io.BytesIO(data),
                header=None,
                dtype=str,
                engine="openpyxl",
                keep_default_na=False,
                na_filter=False,
                sheet_name=None,
            )
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputFileError(
            f"is not a readable XLSX workbook ({type(exc).__name__}); open it in Excel and save it again"
        ) from None
    for cells in sheets.values():  # the first sheet with something in it (any sheet name)
        cells = cells.replace("", pd.NA).dropna(how="all").dropna(axis=1, how="all")
        if not cells.empty:
            return cells.astype("string").fillna("")
    raise InputFileError("the workbook has no filled sheet")


def with_header(
    cells: pd.DataFrame,
    header_row: int = 0,
    first_data_row: int | None = None,
) -> tuple[list[str], pd.DataFrame]:
    """Split cells into header names and data rows; ``_row`` gives 1-based file rows."""
    if len(cells) <= header_row:
        raise InputFileError("the file has no header row")
    if cells.shape[1] > MAX_COLUMNS:
        raise InputFileError(
            f"has {cells.shape[1]:,} columns, more than {MAX_COLUMNS:,}; is it the right file? "
            "(an export holds a column per question)"
        )
    header = [str(h).strip() for h in cells.iloc[header_row].tolist()]
    start = header_row + 1 if first_data_row is None else first_data_row
    body = cells.iloc[start:].copy()
    body.columns = range(body.shape[1])
    if not body.empty:
        blank = (body.apply(lambda c: c.astype("string").str.strip().fillna("")) == "").all(axis=1)
        body = body[~blank]
    rows = pd.Series(body.index + 1, index=body.index, name="_row")
    body = body.reset_index(drop=True)
    body.insert(0, "_row", rows.to_numpy())
    return header, body


# --- sources ----------------------------------------------------------------------------------

Detector = Callable[[RawTable], bool]
Converter = Callable[[RawTable, Instrument | None, dict[str, str], str | None], Canonical]  # … --timezone


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
    table: RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> Canonical:
    header, body = with_header(table.cells)
    names = [mapping.get(clean.normalize_question(h), h.strip().lower()) for h in header]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    repeated = sorted(n for n, c in seen.items() if c > 1 and n)
    if repeated:
        raise InputFileError(f"column(s) appear twice: {', '.join(repeated[:5])}; keep one of each")
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
    """Write a file under a temporary name in the same folder, then rename it into place.

    A file system problem (full disk, no permission, a folder in the way) is one ``OutputError`` line;
    the temporary file is removed, so nothing half-written is left and ``path`` keeps what it held.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(cannot_write(path, exc)) from None
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; final files get the usual mode
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(cannot_write(path, exc)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cannot_write(path: Path, exc: OSError) -> str:
    """The one line for a file that could not be written, naming a full disk as such."""
    if exc.errno in DISK_FULL:
        return f"cannot write {path}: the disk is full (no space left on the device); {path.name} was not changed"
    if isinstance(exc, IsADirectoryError):
        return f"cannot write {path}: it is a folder; give a file name"
    return f"cannot write {path}: {exc.strerror or exc}; {path.name} was not changed"


def write_text_atomic(path: Path, text: str) -> None:
    """A UTF-8 text file written under a temporary name, then renamed into place."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def csv_header(columns: Sequence[object]) -> str:
    """The header row ``write_csv`` writes for these columns (guarded, quoted as pandas quotes it)."""
    return pd.DataFrame(columns=[clean.guard_formula(str(c)) for c in columns]).to_csv(index=False).rstrip("\r\n")


def check_output_file(path: str | os.PathLike[str], columns: Sequence[object], what: str) -> Path:
    """``path`` as a file CSV output may take: new, or an earlier output with exactly this header row.

    Anything else there (the store, a secret, a folder, any other file) is refused with one line, so
    an ``--out`` naming the wrong file destroys nothing. ``what`` names the output in the message.
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target} is a folder; --out needs a file name, e.g. {target / (what + '.csv')}")
    if not target.exists() and not target.is_symlink():
        return target
    try:
        with target.open("rb") as fh:
            first = fh.read(OUTPUT_HEAD_BYTES).split(b"\n", 1)[0].rstrip(b"\r")
    except OSError as exc:
        raise OutputError(f"cannot check {target} before replacing it: {exc.strerror or exc}") from None
    if first.decode("utf-8", errors="replace") != csv_header(columns):
        raise OutputError(
            f"{target} exists and is not an earlier {what} CSV (its first line is not the {what} header); "
            "nothing was written: choose a new file name, or remove that file yourself"
        )
    return target


def write_csv(path: Path, frame: pd.DataFrame, what: str = "mentorkit") -> None:
    """A CSV guarded against spreadsheet formula injection (every cell and the header), written atomically.

    It replaces only an earlier CSV with the same header row (``check_output_file``).
    """
    check_output_file(path, list(frame.columns), what)
    write_atomic(path, lambda tmp: write_csv_to(tmp, frame))


def write_csv_to(target: Path | TextIO, frame: pd.DataFrame) -> None:
    """The one CSV writer: ``frame`` with every text cell and every column name guarded against formulas."""
    clean.guard_frame(frame).to_csv(target, index=False, encoding="utf-8")


def load_mapping(path: str | os.PathLike[str] | None) -> dict[str, str]:
    """The question part of a ``--map`` file (question text → item id)."""
    return load_map(path)[0]


def load_map(path: str | os.PathLike[str] | None) -> tuple[dict[str, str], dict[str, str]]:
    """A ``--map`` file: question text → item id, and answer label → answer (``answers:`` section).

    YAML: a mapping of question texts to item ids, optionally with an ``answers:`` mapping (and
    then optionally the questions under ``questions:``); or a two-column CSV of questions.
    """
    if path is None:
        return {}, {}
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputFileError(f"cannot read the map file {p}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputFileError(f"the map file {p.name} is not UTF-8 text") from None
    pairs: dict[str, str] = {}
    answers: dict[str, str] = {}
    if p.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputFileError(f"the map file {p.name} is not valid YAML") from None
        if not isinstance(data, dict):
            raise InputFileError(f"the map file {p.name} must map question texts to item ids")
        data = dict(data)
        given = data.pop("answers", None) or {}
        if not isinstance(given, dict):
            raise InputFileError(f"the map file {p.name}: answers must map answer labels to answers")
        questions = data.pop("questions", None) or {}
        if not isinstance(questions, dict):
            raise InputFileError(f"the map file {p.name}: questions must map question texts to item ids")
        pairs = {str(k): str(v) for k, v in {**data, **questions}.items()}
        answers = {
            clean.answer_key(k): ("yes" if v is True else "no" if v is False else str(v).strip())
            for k, v in given.items()
            if v is not None
        }
    else:
        try:
            frame = pd.read_csv(_io.StringIO(text), header=None, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            raise InputFileError(f"the map file {p.name} is not a readable CSV file") from None
        if frame.shape[1] < 2:
            raise InputFileError(f"the map file {p.name} must have two columns: question text, item id")
        pairs = dict(zip(frame[0], frame[1], strict=True))
        pairs.pop("question", None)
    return {clean.normalize_question(k): v.strip() for k, v in pairs.items()}, answers
