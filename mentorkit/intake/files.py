"""Reading files: CSV (UTF-8 with or without BOM, Windows-1252) and XLSX, and the source formats.

A *source* turns the raw cells of a file into the project's template columns (``canonical``
frame). Sources register themselves in ``SOURCES``; ``detect`` picks the first that claims a
file. Only this module reads files.
"""

from __future__ import annotations

import csv
import io as _io
import itertools
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pandas as pd

from mentorkit import formats as display
from mentorkit import frames
from mentorkit.errors import InputFileError, UsageError
from mentorkit.instruments import Instrument
from mentorkit.intake import clean, times
from mentorkit.intake.encoding import (  # noqa: F401  (files.X for the callers)
    NOT_TEXT,
    STRAY_BASE,
    UNSTORABLE,
    byte_problems,
    decode_text,
    show_bytes,
    show_match,
)

ZIP_MAGIC = b"PK\x03\x04"
# limits, checked on a file's bytes before anything is built from them
MAX_COLUMNS = 10_000  # columns of a file: far above any export of the five instruments
MAX_ROWS = 1_000_000  # lines of a CSV file, rows of a workbook: far above any programme's answers
MAX_CSV_CELLS = 10_000_000  # lines × columns of a CSV file: the size of the table it becomes
MAX_XLSX_CELLS = 2_000_000  # rows × columns of a workbook's sheets (a workbook cell costs its reader more)
MAX_XLSX_BYTES = 200_000_000  # unpacked size of a workbook's parts (its sheets and shared strings)
MAX_CELL_CHARS = 1_000_000  # characters in one cell: a free-text answer is far shorter
MAX_MAP_BYTES = 1_000_000  # size of a --map file
PERSON_KEY = "person"  # the --map key naming the export's column that holds each row's participant id


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
    date_orders: dict[str, str] = field(default_factory=dict)  # column → how its day/month dates were read


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


def _too_big(found: int, what: str, limit: int, where: str = "") -> InputFileError:
    return InputFileError(
        f"has {found:,} {what}{where}, more than {limit:,}; is it the right file? (split a larger file into parts)"
    )


def _lines(text: str) -> Iterator[str]:
    """The lines of a text, each with its newline, without copying the text."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def check_csv_size(text: str, sep: str) -> None:
    """A CSV text's lines, columns (of its first record) and cells against the limits, before it is parsed."""
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines > MAX_ROWS:
        raise _too_big(lines, "lines", MAX_ROWS)
    columns = len(next(csv.reader(_lines(text), delimiter=sep), []))
    if columns > MAX_COLUMNS:
        raise _too_big(columns, "columns", MAX_COLUMNS)
    if lines * columns > MAX_CSV_CELLS:
        raise _too_big(lines * columns, "cells (lines × columns)", MAX_CSV_CELLS)
    if len(text) <= MAX_CELL_CHARS or max(map(len, text.split("\n"))) <= MAX_CELL_CHARS:
        return
    for number, line in enumerate(_lines(text), start=1):
        if len(line) > MAX_CELL_CHARS:
            longest = max(len(cell) for cell in line.rstrip("\r\n").split(sep))
            if longest > MAX_CELL_CHARS:
                raise _too_big(longest, "characters in a cell", MAX_CELL_CHARS, f" on line {number}")


def _read_csv(p: Path, data: bytes) -> pd.DataFrame:
    text = decode_text(data)
    sep = sniff_separator(text)
    check_csv_size(text, sep)
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


_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})\d+\"")
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _sheet_extent(stream: IO[bytes]) -> tuple[int, int, int]:
    """A sheet's rows (its last row number, or its row count), columns (its last cell's column) and
    cells, read from its XML a chunk at a time."""
    rows = row_count = columns = cells = 0
    rest = b""
    while chunk := stream.read(1 << 20):
        buffer = rest + chunk
        end = buffer.rfind(b">") + 1  # a tag cut by the chunk's end waits for the next chunk
        part, rest = buffer[:end], buffer[end:]
        rows = max([rows, *map(int, _ROW_NUMBER.findall(part))])
        columns = max([columns, *map(_column_number, set(_CELL_REF.findall(part)))])
        row_count += len(_ROW.findall(part))
        cells += len(_CELL.findall(part))
    return max(rows, row_count), columns, cells


def check_xlsx_size(data: bytes) -> None:
    """A workbook's unpacked size, rows, columns and cells against the limits, before a reader builds it
    (a reader fills the gaps between a sheet's rows, and its rows out to their longest)."""
    try:
        book = zipfile.ZipFile(_io.BytesIO(data))
        parts = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # the reader says what is wrong with it
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_BYTES:
        raise _too_big(unpacked, "bytes unpacked", MAX_XLSX_BYTES)
    total = 0
    for part in parts:
        if not _SHEET.fullmatch(part.filename):
            continue
        try:
            with book.open(part) as stream:
                rows, columns, cells = _sheet_extent(stream)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
            return
        if rows > MAX_ROWS:
            raise _too_big(rows, "rows", MAX_ROWS)
        if columns > MAX_COLUMNS:
            raise _too_big(columns, "columns", MAX_COLUMNS)
        total += max(cells, rows * columns)
        if total > MAX_XLSX_CELLS:
            raise _too_big(total, "cells (rows × columns)", MAX_XLSX_CELLS)


def _read_xlsx(p: Path, data: bytes) -> pd.DataFrame:
    import warnings

    check_xlsx_size(data)
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
            cells = cells.astype("string").fillna("")
            longest = int(cells.apply(lambda c: c.str.len().max()).max())
            if longest > MAX_CELL_CHARS:
                raise _too_big(longest, "characters in a cell", MAX_CELL_CHARS)
            return cells
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
class ToolOptions:
    """What an import is told besides the file and its questions: the ``person:`` column of the
    ``--map`` file and REDCap's data dictionary (``--dictionary``)."""

    person: str | None = None
    dictionary: RawTable | None = None


# a converter that also takes the ToolOptions (the survey tools that read them)
OptionsConverter = Callable[[RawTable, Instrument | None, dict[str, str], str | None, ToolOptions], Canonical]


@dataclass(frozen=True)
class Source:
    """A file format mentorkit can import."""

    name: str
    title: str
    detect: Detector
    convert: Converter
    convert_with: OptionsConverter | None = None  # set by the sources that read ToolOptions


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


def template_convert(
    table: RawTable,
    instrument: Instrument | None,
    mapping: dict[str, str],
    tz: str | None = None,
    date_order: str | None = None,
) -> Canonical:
    """A file in the project's templates: its columns by name, its dates read (``times.read_dates``), its
    times without a zone in ``tz``."""
    header, body = with_header(table.cells)
    names = [mapping.get(clean.normalize_question(h), h.strip().lower()) for h in header]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    repeated = sorted(n for n, c in seen.items() if c > 1 and n)
    if repeated:
        raise InputFileError(
            f"{'column appears' if len(repeated) == 1 else 'columns appear'} twice: {', '.join(repeated[:5])}; keep one of each"
        )
    frame = body.copy()
    frame.columns = ["_row", *names]
    orders, reasons = times.read_dates(frame, instrument, date_order)
    reject(frame, reasons)
    if tz is not None and instrument is not None:
        in_zone(frame, tz)
    raw = body.copy()
    raw.columns = ["_row", *header]
    return Canonical(frame=frame, source="mentorkit", raw=raw.drop(columns="_row"), date_orders=orders)


TIME_COLUMNS = times.TIME_COLUMNS  # the templates' date-times


def reject(frame: pd.DataFrame, reasons: pd.Series) -> None:
    """Rows the source knows cannot be stored: ``reasons`` added to ``_reject`` (an earlier reason stays first)."""
    if not reasons.notna().any():
        return
    before = frame["_reject"] if "_reject" in frame.columns else pd.Series(pd.NA, index=frame.index)
    frame["_reject"] = before.astype("string").fillna(reasons)


_BARE_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"  # a time of day, no zone of its own


def in_zone(frame: pd.DataFrame, tz: str) -> None:
    """The templates' times without a zone read as wall-clock times in ``tz`` (``--timezone``), as UTC text.

    A time with its own zone (``Z``, ``+01:00``) and a date without a time stay as they are. A
    wall-clock time a clock change skips or repeats in ``tz`` is rejected (``_reject``) with why.
    """
    zone = times.parse_zone_option(tz)
    for column in TIME_COLUMNS:
        if column not in frame.columns:
            continue
        text = frame[column].astype("string").str.strip()
        bare = text.str.fullmatch(_BARE_TIME).fillna(False).astype(bool)
        if not bare.any():
            continue
        local = pd.to_datetime(text.where(bare), format="ISO8601", errors="coerce")
        aware = local.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        done = bare & aware.notna()
        frame[column] = text.mask(done, frames.iso_text(aware, unit="us", suffix="Z"))
        unclear = bare & local.notna() & aware.isna()
        if unclear.any():
            reject(
                frame,
                clean.explain(unclear, f"{column}: {{!r}} is skipped or repeated by a clock change in {tz}", text),
            )


register(Source("mentorkit", "mentorkit template", lambda t: True, template_convert))


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
    return read_map(Path(path))[:2]


def read_map(p: Path) -> tuple[dict[str, str], dict[str, str], str | None]:
    """A --map file's questions, answers and ``person:`` column (see ``load_map``)."""
    try:
        if p.stat().st_size > MAX_MAP_BYTES:
            raise InputFileError(f"the map file {p.name} is larger than {MAX_MAP_BYTES:,} bytes; is it the right file?")
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
            if any(getattr(event, "anchor", None) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
                raise InputFileError(
                    f"the map file {p.name} uses YAML anchors or aliases (& or *); write each entry out in full"
                )
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputFileError(f"the map file {p.name} is not valid YAML") from None
        if not isinstance(data, dict):
            raise InputFileError(f"the map file {p.name} must map question texts to item ids")
        data = dict(data)
        if PERSON_KEY in data and not isinstance(data[PERSON_KEY], str | int):
            raise InputFileError(f"the map file {p.name}: person: must name a column of the export")
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
    person = pairs.pop(PERSON_KEY, None)
    if person is not None and not person.strip():
        raise InputFileError(f"the map file {p.name}: person: must name a column of the export")
    questions = {clean.normalize_question(k): v.strip() for k, v in pairs.items()}
    return questions, answers, None if person is None else person.strip()
