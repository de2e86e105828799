"""Survey-tool exports: Qualtrics (CSV), Google Forms (CSV) and Microsoft Forms (XLSX).

Each source turns an export, unedited, into the project's template columns; ``io.detect``
picks the format. Questions are matched to item ids by their text (robust to numbering, quotes,
case, spacing and a lost "?"), or through a ``--map`` file.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from mentorkit import frames
from mentorkit.errors import InputFileError, UsageError
from mentorkit.instruments import CHECKIN_ELEMENTS, Instrument
from mentorkit.intake import clean, files

EMAIL_WORDS = re.compile(r"\be-?mail\b")
ABOUT_WORDS = re.compile(r"(which|who).*(mentee|mentor|pair|relationship).*(about|for)|^about$")
TEMPLATE_EXTRAS = ("participant_id", "email", "about", "submitted_at")


def question_index(instrument: Instrument, mapping: dict[str, str]) -> dict[str, str]:
    """Normalised question text (and item id) → item id, with the user's mapping on top."""
    index = {clean.normalize_question(i.text): i.id for i in instrument.items}
    index |= {clean.normalize_question(i.element): i.id for i in instrument.items if i.element}  # grid rows
    index |= {i.id: i.id for i in instrument.items}
    index |= {c: c for c in TEMPLATE_EXTRAS}
    for text, item in mapping.items():
        if item not in index.values() and item not in TEMPLATE_EXTRAS:
            raise UsageError(f"the map names {item!r}, which is not an item of {instrument.id}")
        index[text] = item
    return index


TRUNCATED = re.compile(r"(\.\.\.|…)\s*$")  # Qualtrics cuts long question texts to 97 characters + "..."
GRID_ROW = re.compile(r"^(?P<stem>.*\S)\s*\[(?P<row>[^\[\]]*)\]\s*$")  # Google Forms: stem [row label]
MATRIX_SEPARATORS = re.compile(r"\s+[-–—:]\s+|\s*[-–—]\s*|:\s*")  # stem - statement, stem-statement, stem: …


class _Matcher:
    """Finds the item a column header stands for, in the ways survey tools write headers."""

    def __init__(self, instrument: Instrument, mapping: dict[str, str]) -> None:
        self.index = question_index(instrument, mapping)
        self.instrument = instrument

    def exact(self, header: str) -> str | None:
        key = clean.normalize_question(header)
        if not key:
            return None
        item = self.index.get(key) or self.index.get(re.sub(r"\d+$", "", key).strip())  # MS Forms' clash suffix
        if item is None and TRUNCATED.search(header):
            cut = clean.normalize_question(TRUNCATED.sub("", header))
            if len(cut) >= 20:
                found = {v for k, v in self.index.items() if k.startswith(cut)}
                item = found.pop() if len(found) == 1 else None
        return item

    def match(self, header: str) -> str | None:
        item = self.exact(header)
        if item is not None:
            return item
        grid = GRID_ROW.match(header)
        if grid:
            item = self.exact(grid.group("row")) or self.exact(grid.group("stem"))
            if item is not None:
                return item
        for sep in MATRIX_SEPARATORS.finditer(header):  # the longest statement first
            if sep.start() > 0 and sep.end() < len(header):
                item = self.exact(header[sep.end() :])
                if item is not None:
                    return item
        key = clean.normalize_question(header)
        if self.instrument.subject == "pair" and ABOUT_WORDS.search(key):
            return "about"
        return None


def match_questions(
    headers: list[str],
    instrument: Instrument,
    mapping: dict[str, str],
    name: str,
    fallbacks: list[str] | None = None,
) -> dict[int, str]:
    """Column position → item id; a missing required question or a double match is a file error.

    A header is matched by its text; ``fallbacks`` (such as Qualtrics' export tags) are tried for
    the columns whose text matches nothing.
    """
    matcher = _Matcher(instrument, mapping)
    found: dict[int, str] = {}
    by_item: dict[str, list[str]] = {}
    for pos, header in enumerate(headers):
        item = matcher.match(header) if header else None
        shown = header
        if item is None and fallbacks is not None and pos < len(fallbacks) and fallbacks[pos]:
            item = matcher.exact(fallbacks[pos])
            shown = fallbacks[pos]
        if item is not None:
            found[pos] = item
            by_item.setdefault(item, []).append(shown)
    twice = {i: h for i, h in by_item.items() if len(h) > 1}
    if twice:
        item, heads = next(iter(twice.items()))
        shown_heads = " and ".join(repr(h if len(h) <= 60 else h[:57] + "...") for h in heads[:3])
        raise InputFileError(
            f"{name}: columns {shown_heads} both match {item}; remove one, or name the right one with --map"
        )
    needed = [i for i in instrument.items if not i.optional]
    missing = [i for i in needed if i.id not in by_item]
    if missing:
        shown = "; ".join(f"{i.id} “{i.text}”" for i in missing[:3]) + (" …" if len(missing) > 3 else "")
        raise InputFileError(
            f"{name}: no column for {len(missing)} question(s): {shown} (use --map for other wordings)"
        )
    return found


_OFFSET = re.compile(r"^(?:[+-]\d{1,2}(?::?\d{2})?)$")


def parse_zone(text: str) -> tzinfo:
    """A time zone as export files spell it: an IANA name, ``Z``, ``UTC``/``GMT`` (with an offset),
    or an offset such as ``+01:00``/``-0500``; ValueError for anything else."""
    spelled = text.strip()
    upper = spelled.upper()
    if upper in ("Z", "UTC", "GMT", "UT", "ZULU"):
        return UTC
    rest = re.sub(r"^(UTC|GMT)\s*", "", upper)
    if rest != upper or _OFFSET.match(rest):
        if _OFFSET.match(rest):
            return timezone(_offset(rest))
        raise ValueError(spelled)
    try:
        return ZoneInfo(spelled)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(spelled) from None


def _offset(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").replace(":", "")
    hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "0")
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta >= timedelta(hours=24):
        raise ValueError(text)
    return sign * delta


def parse_zone_option(tz: str) -> tzinfo:
    """The ``--timezone`` option as a zone; a usage error naming it when unknown."""
    return _zone(tz)


def _zone(tz: str) -> tzinfo:
    try:
        return parse_zone(tz)
    except ValueError:
        raise UsageError(f"unknown time zone {tz!r} (use a name such as Europe/Berlin, or UTC, or +01:00)") from None


OWN_OFFSET = re.compile(
    r"^(?P<local>.*?(?:\d|[AP]M))\s*(?P<zone>Z|(?:UTC|GMT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})$"
)


ZONE_AT_END = r"(?:Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)\s*$"


def split_offsets(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Times that carry their own zone (``… GMT-8``, ``…+01:00``, ``…Z``): the local part, and the
    offset from UTC in minutes (missing for a bare local time)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    minutes = pd.Series(pd.NA, index=text.index, dtype="Float64")
    # most exports carry no zone: find the few rows that do in Arrow (RE2) before any per-row work
    cells = pa.array(text.astype("string").fillna(""), type=pa.large_string())
    maybe = pc.match_substring_regex(cells, ZONE_AT_END, ignore_case=True).to_numpy(zero_copy_only=False)
    if not maybe.any():
        return text, minutes
    parts = text[maybe].str.extract(OWN_OFFSET.pattern, flags=re.IGNORECASE)
    has = pd.Series(False, index=text.index)
    has[parts.index] = parts["zone"].notna()
    parts = parts[parts["zone"].notna()]
    offsets: dict[str, float] = {}
    for z in parts["zone"].unique():
        with contextlib.suppress(ValueError):
            off = parse_zone(str(z)).utcoffset(None)
            offsets[str(z)] = off.total_seconds() / 60 if off is not None else 0.0
    minutes[parts.index] = parts["zone"].map(offsets).astype("Float64")
    local = text.copy()
    local[parts.index] = parts["local"]
    return local, minutes


def to_utc_iso(local: pd.Series, tz: str | tzinfo, offsets: pd.Series | None = None) -> pd.Series:
    """Local wall-clock times (parsed) in zone ``tz`` → ISO UTC strings; unparsed stay missing.

    ``offsets`` (minutes east of UTC, per row) win over ``tz`` where given.
    """
    zone = _zone(tz) if isinstance(tz, str) else tz
    aware = local.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    if offsets is not None and offsets.notna().any():
        own = offsets.notna()
        shifted = local[own] - pd.to_timedelta(offsets[own].astype("float64"), unit="min")
        aware = aware.copy()
        aware[own] = shifted.dt.tz_localize("UTC")
    return frames.iso_text(aware, suffix="Z")


def _canonical(
    body: pd.DataFrame,
    columns: dict[int, str],
    extra: dict[str, pd.Series],
    headers: list[str],
    source: str,
    flags: dict[str, pd.Series],
) -> files.Canonical:
    frame = pd.DataFrame({"_row": body["_row"]})
    for pos, item in columns.items():
        frame[item] = body[pos]
    for name, values in extra.items():
        frame[name] = values
    raw = body.drop(columns="_row").copy()
    raw.columns = [h or f"column {i + 1}" for i, h in enumerate(headers)][: raw.shape[1]]
    raw = raw.loc[:, ~raw.columns.duplicated()]
    return files.Canonical(frame=frame, source=source, raw=raw, flags=flags)


def _quality_flags(frame: pd.DataFrame, instrument: Instrument) -> dict[str, pd.Series]:
    """Straight-lining on the check-in and partial responses; flags never reject a row."""
    flags: dict[str, pd.Series] = {}
    scored = [i.id for i in instrument.scored_items if i.id in frame.columns and not i.optional]
    if scored:
        blank = frame[scored].apply(lambda c: clean.is_blank(c))
        flags["partial"] = blank.any(axis=1) & ~blank.all(axis=1)
    if instrument.id == "checkin":
        ratings = frame[list(CHECKIN_ELEMENTS)].apply(lambda c: clean.clean_likert(c, "x")[0])
        flags["straight_lining"] = ratings.notna().all(axis=1) & (ratings.nunique(axis=1) == 1)
    return flags


# --- Qualtrics ---------------------------------------------------------------------------------

# the columns Qualtrics adds to every export (by their export tag), never questions
QUALTRICS_META = frozenset(
    c.lower()
    for c in (
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "ResponseID",
        "ResponseSet",
        "Name",
        "ExternalDataReference",
        "ExternalReference",
        "EmailAddress",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "LocationLatitude",
        "LocationLongitude",
        "LocationAccuracy",
        "DistributionChannel",
        "UserLanguage",
    )
)
LEGACY_META = re.compile(r"V\d+")  # the legacy layout's row 1 over the metadata columns


def _first_cells(table: files.RawTable, row: int) -> list[str]:
    if len(table.cells) <= row:
        return []
    return [str(c).strip() for c in table.cells.iloc[row]]


def _is_legacy_qualtrics(table: files.RawTable) -> bool:
    first, second = _first_cells(table, 0), _first_cells(table, 1)
    return bool(first) and first[0] == "V1" and "ResponseID" in second


def _is_qualtrics(table: files.RawTable) -> bool:
    if table.cells.empty:  # CSV, or the same rows in an XLSX export
        return False
    if _is_legacy_qualtrics(table):
        return True
    first = set(_first_cells(table, 0))
    return bool({"ResponseId", "ResponseID"} & first) and bool({"StartDate", "EndDate", "RecordedDate"} & first)


def _import_id(cell: str) -> dict[str, object] | None:
    """A third-row cell: JSON ``{"ImportId": …}`` or, in 2016-era exports, a Python dict ``{'ImportId': …}``."""
    text = cell.strip()
    if not text.startswith("{") or "ImportId" not in text:
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


def _qualtrics(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    instrument = _for_answers(instrument, "Qualtrics")
    cells = table.cells
    name = table.path.name
    legacy = _is_legacy_qualtrics(table)
    tags = _first_cells(table, 0)
    texts = _first_cells(table, 1) or tags
    if legacy:  # row 1: V1…V10 over the metadata, export tags over questions; row 2: names and texts
        names = [t if LEGACY_META.fullmatch(g) else g for g, t in zip(tags, texts, strict=True)]
        meta = {i for i, g in enumerate(tags) if LEGACY_META.fullmatch(g) or g.lower() in QUALTRICS_META}
    else:
        names = tags
        meta = {i for i, g in enumerate(tags) if g.lower() in QUALTRICS_META}
    third = [_import_id(c) for c in _first_cells(table, 2)] if not legacy else []
    three_rows = any(v is not None for v in third)
    zones: dict[str, str] = {}
    for fid, info in zip(names, third, strict=False):
        if info is not None and isinstance(info.get("timeZone"), str):
            zones[fid] = str(info["timeZone"])
    _, body = files.with_header(cells, 0, 3 if three_rows else 2)
    pos = {fid: i for i, fid in reversed(list(enumerate(names)))}
    # a text-entry column shares its question's text: only the question itself can match
    seen_text: set[str] = set()
    companion = set()
    for i, (tag, text) in enumerate(zip(tags, texts, strict=True)):
        if i in meta:
            continue
        if text in seen_text and re.search(r"(_|-)TEXT$", tag, re.IGNORECASE):
            companion.add(i)
        seen_text.add(text)
    skip = meta | companion
    question_headers = [t if i not in skip else "" for i, t in enumerate(texts)]
    fallback_tags = [g if i not in skip else "" for i, g in enumerate(tags)]
    columns = match_questions(question_headers, instrument, mapping, name, fallbacks=fallback_tags)
    when_col = next((c for c in ("EndDate", "RecordedDate", "StartDate") if c in pos), None)
    if when_col is None:
        raise InputFileError(f"{name}: no EndDate, RecordedDate or StartDate column; export the survey's metadata too")
    if tz is not None:
        zone: str | tzinfo = tz  # --timezone wins over the file
    elif zones.get(when_col):
        try:
            zone = parse_zone(zones[when_col])
        except ValueError:
            raise InputFileError(
                f"{name}: the export's time zone {zones[when_col]!r} is unknown; give one with --timezone"
            ) from None
    else:
        zone = "UTC"
    raw_when = body[pos[when_col]].str.strip()
    local_text, offsets = split_offsets(raw_when)
    local = pd.to_datetime(local_text, format="ISO8601", errors="coerce")
    submitted = to_utc_iso(local, zone, offsets).fillna(body[pos[when_col]])
    extra: dict[str, pd.Series] = {"submitted_at": submitted}
    email = None
    for mail_col in ("RecipientEmail", "EmailAddress"):
        if mail_col in pos and body[pos[mail_col]].str.strip().ne("").any():
            email = body[pos[mail_col]]
            break
    if email is None:
        asks = [i for i, t in enumerate(question_headers) if t and EMAIL_WORDS.search(t.lower()) and i not in columns]
        if asks:
            email = body[asks[0]]
    if email is None and "participant_id" not in columns.values() and "email" not in columns.values():
        raise InputFileError(
            f"{name}: no RecipientEmail column and no question asking for an e-mail address "
            "(send the survey through a contact list, or ask for the e-mail)"
        )
    if email is not None and "email" not in columns.values():
        extra["email"] = email
    rid = next((c for c in ("ResponseId", "ResponseID") if c in pos), None)
    if rid is not None:
        extra["response_id"] = ("qualtrics:" + body[pos[rid]].str.strip()).mask(body[pos[rid]].str.strip() == "")
    flags: dict[str, pd.Series] = {}
    canon = _canonical(body, columns, extra, texts, "qualtrics", flags)
    flags.update(_quality_flags(canon.frame, instrument))
    if "Finished" in pos:
        finished = body[pos["Finished"]].str.strip().str.lower()
        flags["partial"] = flags.get("partial", pd.Series(False, index=body.index)) | finished.isin(["false", "0"])
    if "Duration (in seconds)" in pos:
        duration = pd.to_numeric(body[pos["Duration (in seconds)"]], errors="coerce")
        median = duration.median()
        flags["speeder"] = (
            (duration < median / 3).fillna(False) if duration.notna().sum() >= 5 else pd.Series(False, index=body.index)
        )
    if "Status" in pos:
        status = body[pos["Status"]].str.strip().str.lower()
        canon.frame["_reject"] = pd.Series(pd.NA, index=body.index, dtype="string").mask(
            status.isin(["survey preview", "1", "survey test", "2", "spam", "8"]),
            "a survey preview, test or spam response, not a participant's answer",
        )
    return canon


# --- Google Forms ------------------------------------------------------------------------------


OVER_12 = r"0*(?:1[3-9]|[2-9]\d|[1-9]\d\d+)"  # a whole number above 12, as the start of a string


def _is_google(table: files.RawTable) -> bool:
    return not table.cells.empty and str(table.cells.iloc[0, 0]).strip() == "Timestamp"  # CSV or XLSX download


def parse_local_times(text: pd.Series) -> tuple[pd.Series, str]:
    """Google Forms timestamps in the sheet's locale: M/D/YYYY or D/M/YYYY (decided from the file).

    Day first when some first number is above 12 and no second number is.
    """
    clean_text = text.astype("string").str.strip()
    first_over_12 = clean_text.str.match(OVER_12 + "/").fillna(False).any()
    second_over_12 = clean_text.str.match(r"\d+/" + OVER_12 + "/").fillna(False).any()
    order = "DMY" if first_over_12 and not second_over_12 else "MDY"
    day_month = "%d/%m/%Y" if order == "DMY" else "%m/%d/%Y"
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in (
        f"{day_month} %H:%M:%S",
        f"{day_month} %H:%M",
        f"{day_month} %I:%M:%S %p",
        f"{day_month} %I:%M %p",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %I:%M:%S %p",
        f"{day_month[:-1]}y %H:%M:%S",  # Excel's m/d/yy h:mm:ss
        f"{day_month[:-1]}y %H:%M",
    ):
        missing = parsed.isna() & clean_text.notna()
        if not missing.any():
            break
        parsed[missing] = pd.to_datetime(clean_text[missing], format=fmt, errors="coerce")
    iso = pd.to_datetime(clean_text.where(parsed.isna()), format="ISO8601", errors="coerce")
    return parsed.fillna(iso), order


def _for_answers(instrument: Instrument | None, tool: str) -> Instrument:
    """The instrument an export is imported as; a survey tool's export is never the roster."""
    if instrument is None:
        raise UsageError(f"a {tool} export holds answers, not a roster")
    return instrument


def _one_header_row(
    table: files.RawTable, instrument: Instrument, mapping: dict[str, str], fixed: tuple[str, ...]
) -> tuple[list[str], pd.DataFrame, list[str], dict[int, str]]:
    """Headers, rows, lower-cased headers and matched questions of a one-header-row export."""
    headers, body = files.with_header(table.cells)
    lower = [h.strip().lower() for h in headers]
    questions = [h if h.strip().lower() not in fixed else "" for h in headers]
    return headers, body, lower, match_questions(questions, instrument, mapping, table.path.name)


def form_times(text: pd.Series, tz: str | None) -> pd.Series:
    """Google/Microsoft Forms times → ISO UTC text: a time with its own offset (``… GMT-8``,
    ``+01:00``, ``Z``) keeps it; a bare local time is in ``tz`` (UTC when not given)."""
    local_text, offsets = split_offsets(text.astype("string").str.strip())
    local, _order = parse_local_times(local_text)
    return to_utc_iso(local, tz or "UTC", offsets).fillna(text)


def _google(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    instrument = _for_answers(instrument, "Google Forms")
    headers, body, lower, columns = _one_header_row(table, instrument, mapping, ("timestamp", "email address", "score"))
    name = table.path.name
    extra = {"submitted_at": form_times(body[0], tz)}
    if "email address" in lower:
        extra["email"] = body[lower.index("email address")]
    elif "email" not in columns.values() and "participant_id" not in columns.values():
        asks = [i for i, h in enumerate(lower) if EMAIL_WORDS.search(h) and i not in columns]
        if not asks:
            raise InputFileError(f"{name}: no 'Email address' column (turn on “Collect email addresses” in the form)")
        extra["email"] = body[asks[0]]
    canon = _canonical(body, columns, extra, headers, "googleforms", {})
    canon.flags.update(_quality_flags(canon.frame, instrument))
    return canon


# --- Microsoft Forms ---------------------------------------------------------------------------

MS_FIXED = ("id", "start time", "completion time", "email", "name", "last modified time")


def _is_msforms(table: files.RawTable) -> bool:
    if table.cells.empty:
        return False
    head = [str(c).strip().lower() for c in table.cells.iloc[0][:3]]
    return head == ["id", "start time", "completion time"]


EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (with its 1900 leap-year quirk)
SERIAL = re.compile(r"^\d{4,6}(\.\d+)?$")  # a date-time kept as an Excel serial number (days)


def excel_times(text: pd.Series, tz: str | None) -> pd.Series:
    """Workbook times → ISO UTC text: cells openpyxl read as dates ("2026-03-14 09:05:00"), Excel
    serial numbers (45293.5, when the cell lost its date format) or text in M/D/YY(YY)."""
    stripped = text.astype("string").str.strip()
    serial = stripped.str.fullmatch(SERIAL.pattern).fillna(False)
    out = form_times(text.where(~serial, ""), tz)
    if serial.any():
        days = pd.to_numeric(stripped[serial], errors="coerce")
        local = EXCEL_EPOCH + pd.to_timedelta((days * 86400).round(), unit="s")
        out[serial] = to_utc_iso(local, tz or "UTC")
    return out.mask(serial & out.isna(), text)


def _msforms(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    instrument = _for_answers(instrument, "Microsoft Forms")
    headers, body, lower, columns = _one_header_row(table, instrument, mapping, MS_FIXED)
    missing = [h for h in ("id", "completion time") if h not in lower]
    if missing:
        raise InputFileError(
            f"{table.path.name}: no {' or '.join(repr(h.title()) for h in missing)} column of a Microsoft Forms export"
        )
    completion = body[lower.index("completion time")]
    extra = {"submitted_at": excel_times(completion, tz)}
    if "email" in lower:
        mail = body[lower.index("email")].str.strip().str.replace(r"^mailto:", "", regex=True, case=False)
        extra["email"] = mail.mask(mail.str.lower() == "anonymous", "")
    ident = body[lower.index("id")].str.strip().str.replace(r"\.0$", "", regex=True)
    # Forms numbers responses per form: qualify the id so two forms never collide
    extra["response_id"] = (
        "msforms:"
        + ident
        + ":"
        + extra.get("email", pd.Series("", index=body.index)).str.strip().str.lower()
        + ":"
        + extra["submitted_at"].fillna("")
    )
    canon = _canonical(body, columns, extra, headers, "msforms", {})
    canon.flags.update(_quality_flags(canon.frame, instrument))
    return canon


files.register(files.Source("qualtrics", "Qualtrics CSV", _is_qualtrics, _qualtrics))
files.register(files.Source("googleforms", "Google Forms CSV", _is_google, _google))
files.register(files.Source("msforms", "Microsoft Forms XLSX", _is_msforms, _msforms))
