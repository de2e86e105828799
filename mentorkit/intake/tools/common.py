"""What the SurveyMonkey, Typeform, REDCap and LimeSurvey importers share.

Each tool reads its own layout into a ``Layout`` (its cells, the question text and the code of
each column, its times, its response ids and its own flags); ``finish`` then matches the
questions, finds the person and builds the template's columns the same way for all four. Nothing
here knows an instrument: the items come from ``instruments.yaml``, and the columns besides the
items (``participant_id``, ``email``, ``about``, ``goal_id``, ``reported_by`` …) are the templates'.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC

import pandas as pd

from mentorkit.errors import InputFileError, UsageError
from mentorkit.instruments import Instrument
from mentorkit.intake import clean, files, resolve, survey_tools, times

TAG = re.compile(r"</?[A-Za-z][^<>]*>")  # an HTML tag: <br>, <strong>, </em>, <span class="x">
BREAK = re.compile(r"</?(br|p|div|li|ul|ol|h[1-6]|tr|td|table)\b[^<>]*>", re.IGNORECASE)  # a tag that breaks the line
PERSON_REFERENCES = frozenset(resolve.PERSON_REFERENCES) - {"about"}  # a matched column that names whom a row is by
TIME_COLUMNS = files.TIME_COLUMNS  # the templates' times: the tool's time fills each one no column matched
MAX_KEY = 100  # longer response keys are hashed (the store keeps 128 characters)


def strip_html(text: str) -> str:
    """A header without its HTML tags and entities (``<br>`` is a space, ``<strong>`` nothing), spaces collapsed."""
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    return " ".join(html.unescape(TAG.sub("", BREAK.sub(" ", text))).split())


def column_key(text: str) -> str:
    """A column name as it is looked up: HTML, case and spaces do not matter."""
    return strip_html(text).casefold()


def first_cells(table: files.RawTable, row: int) -> list[str]:
    """The cells of one row of a file (stripped); empty when the file is shorter."""
    if len(table.cells) <= row:
        return []
    return [str(c).strip() for c in table.cells.iloc[row]]


@dataclass
class Layout:
    """An export read by its tool: what ``finish`` needs to make the template's columns of it."""

    source: str  # the source's name: the response keys start with it
    name: str  # the file's name, for messages
    body: pd.DataFrame  # the answer rows: columns 0…n-1 and ``_row``
    names: list[str]  # each column's name as the file writes it (``person:`` names one of them)
    texts: list[str]  # each column's question text, matched as for every tool ("" for none)
    codes: list[str]  # each column's code, matched only as an item id or a --map entry ("" for none)
    when: pd.Series  # each row's time as ISO UTC text (as written where it did not parse)
    keys: pd.Series  # each row's response key (missing where blank)
    email: int | None  # the column of the tool's e-mail, or None
    no_person: str  # what to say when the file has no e-mail column and no person: column
    shown: list[str] = field(default_factory=list)  # the raw cells' headers (default: names)
    partial: pd.Series | None = None  # the tool's own mark of an incomplete response
    reject: pd.Series | None = None  # per row, why it cannot be stored (missing where it can)
    missing_hint: str = ""  # said after the error naming questions without a column
    title: str = ""  # the tool's name, for messages
    reads_dictionary: bool = False  # whether --dictionary applies (REDCap)


def response_keys(source: str, *parts: pd.Series) -> pd.Series:
    """``source:part:part`` per row; missing where the first part is blank; a long key hashed."""
    ids = parts[0].astype("string").str.strip()
    keyed = source + ":" + ids
    for part in parts[1:]:
        keyed = keyed + ":" + part.astype("string").str.strip().fillna("")
    long = keyed.str.len() > MAX_KEY
    if long.fillna(False).any():
        hashed = [source + ":#" + hashlib.sha256(k.encode("utf-8")).hexdigest()[:40] for k in keyed[long]]
        keyed[long] = hashed
    return keyed.mask(ids.fillna("") == "")


def parse_times(raw: pd.Series, formats: Sequence[str]) -> pd.Series:
    """Wall-clock times written in one of ``formats`` (tried in turn), else ISO 8601; NaT where none fits."""
    text = raw.astype("string").str.strip()
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")  # microseconds: any year 1–9999
    iso_shaped = text.str.match(r"\d{4}-\d{1,2}-\d{1,2}").fillna(False).astype(bool)
    for fmt in [*formats, "ISO8601"]:
        missing = parsed.isna() & text.fillna("").ne("") & (iso_shaped if fmt == "ISO8601" else True)
        if not missing.any():
            continue
        try:
            found = pd.to_datetime(text[missing], format=fmt, errors="coerce", utc=fmt == "ISO8601")
        except (ValueError, OverflowError):  # a year no timestamp holds: left unparsed, the import names it
            continue
        parsed[missing] = (found.dt.tz_localize(None) if fmt == "ISO8601" else found).astype("datetime64[us]")
    return parsed


def utc_text(
    raw: pd.Series, formats: Sequence[str], tz: str | None, column: str, utc: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Times in ``tz`` (UTC when not given, or always with ``utc``) as ISO UTC text, and the reason of
    each time a clock change skips or repeats. A time with its own offset (``Z``, ``+01:00``) keeps it;
    a time that does not parse stays as written (the import then names it)."""
    text = raw.astype("string").str.strip()
    local_text, offsets = times.split_offsets(text)
    local = parse_times(local_text, formats)
    iso = times.to_utc_iso(local, UTC if utc or tz is None else tz, offsets)
    unclear = local.notna() & iso.isna()
    why = clean.explain(unclear, f"{column}: {{!r}} is skipped or repeated by a clock change in {tz}", text)
    return iso.fillna(text).mask(unclear, ""), why


def find_column(names: list[str], wanted: str, name: str) -> int:
    """The position of the column ``person:`` names (as the file writes it); a file error if none."""
    key = column_key(wanted)
    for pos, found in enumerate(names):
        if found and column_key(found) == key:
            return pos
    raise InputFileError(f"{name}: no column {wanted!r}, which the --map file names as person:")


def match_columns(
    texts: list[str], codes: list[str], instrument: Instrument, mapping: dict[str, str], name: str, hint: str = ""
) -> dict[int, str]:
    """Column position → item id: by question text as for every tool, else by code (an item id or a
    --map entry only); a missing required question or a double match is a file error."""
    matcher = survey_tools._Matcher(instrument, mapping)
    by_code = {i.id: i.id for i in instrument.items} | {c: c for c in survey_tools.TEMPLATE_EXTRAS} | mapping
    found: dict[int, str] = {}
    by_item: dict[str, list[str]] = {}
    for pos, (text, code) in enumerate(zip(texts, codes, strict=True)):
        item, shown = (matcher.match(strip_html(text)), text) if text else (None, "")
        if item is None and code:
            item, shown = by_code.get(clean.normalize_question(code)), code
        if item is not None:
            found[pos] = item
            by_item.setdefault(item, []).append(shown)
    survey_tools.check_matches(by_item, instrument, name, hint)
    return found


def _person(layout: Layout, columns: dict[int, str], person_at: int | None) -> dict[str, pd.Series]:
    """The columns that name whom each row is by: ``person:``'s (ids, or e-mails where they hold an @),
    else the tool's e-mail column (a question asking for one when it is blank); none when a matched
    column already names them; a file error when nothing can."""
    body = layout.body
    if person_at is not None:
        cells = body[person_at].astype("string").str.strip()
        mail = cells.str.contains("@", regex=False).fillna(False)
        return {"participant_id": cells.mask(mail, ""), "email": cells.where(mail, "")}
    matched = set(columns.values())
    if matched & {"participant_id", "email"}:
        return {}
    own = layout.email if layout.email is not None and layout.email not in columns else None
    if own is not None and body[own].astype("string").str.strip().fillna("").ne("").any():
        return {"email": body[own]}
    asks = survey_tools._email_question(layout.texts, columns)  # e.g. a web link leaves the tool's column blank
    if asks is not None or own is not None:
        return {"email": body[asks if asks is not None else own]}  # a blank one: each row then names nobody
    if not matched & PERSON_REFERENCES:
        raise InputFileError(
            f"{layout.name}: {layout.no_person}; or name the column of participant ids with person: in a --map file"
        )
    return {}


def _reported_by(body: pd.DataFrame, columns: dict[int, str], extra: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """``reported_by``: the row's participant id, else its e-mail (from ``person:``, the tool's column or a
    matched one); nothing when the file names nobody."""
    found = {item: body[pos] for pos, item in columns.items() if item in ("participant_id", "email")} | extra
    if not found:
        return {}
    blank = pd.Series("", index=body.index, dtype="string")
    ids = found.get("participant_id", blank).astype("string").str.strip().fillna("")
    mails = found.get("email", blank).astype("string").str.strip().fillna("")
    return {"reported_by": ids.mask(ids == "", mails)}


def finish(
    layout: Layout, instrument: Instrument, mapping: dict[str, str], options: files.ToolOptions
) -> tuple[files.Canonical, dict[int, str]]:
    """The export in the template's columns (with its raw cells and flags), and which column is which item."""
    if options.dictionary is not None and not layout.reads_dictionary:
        raise UsageError(f"--dictionary is a REDCap export's data dictionary; this file is a {layout.title} export")
    texts, codes = list(layout.texts), list(layout.codes)
    person_at = None
    if options.person is not None:
        person_at = find_column(layout.names, options.person, layout.name)
        texts[person_at] = codes[person_at] = ""
    columns = match_columns(texts, codes, instrument, mapping, layout.name, layout.missing_hint)
    if person_at is not None:  # person: names the person instead of any e-mail or id column
        columns = {p: i for p, i in columns.items() if i not in ("participant_id", "email")}
    extra = _person(layout, columns, person_at)
    matched = set(columns.values())
    if "reported_by" not in matched:  # a goal update is reported by the person the row is by
        extra |= _reported_by(layout.body, columns, extra)
    for column in TIME_COLUMNS:
        if column not in matched:
            extra[column] = layout.when
    extra["response_id"] = layout.keys
    canon = survey_tools._canonical(
        layout.body, columns, extra, layout.shown or layout.names, layout.source, instrument
    )
    if layout.partial is not None:
        before = canon.flags.get("partial", pd.Series(False, index=layout.body.index))
        canon.flags["partial"] = before | layout.partial.fillna(False).astype(bool)
    if layout.reject is not None:
        add_rejects(canon, layout.reject)
    return canon, columns


def add_rejects(canon: files.Canonical, reasons: pd.Series) -> None:
    """Reasons a source gives rows that cannot be stored (the first one a row gets stands)."""
    before = canon.frame["_reject"] if "_reject" in canon.frame.columns else pd.Series(pd.NA, index=canon.frame.index)
    canon.frame["_reject"] = before.astype("string").fillna(reasons.astype("string"))
