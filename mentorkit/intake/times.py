"""Export times: time zones as files spell them, times that carry their own offset, dates in a
sheet's locale and Excel serial numbers, all made ISO UTC text."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from mentorkit import frames
from mentorkit.errors import UsageError
from mentorkit.instruments import Instrument

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


OVER_12 = r"0*(?:1[3-9]|[2-9]\d|[1-9]\d\d+)"  # a whole number above 12, as the start of a string


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


def form_times(text: pd.Series, tz: str | None) -> pd.Series:
    """Google/Microsoft Forms times → ISO UTC text: a time with its own offset (``… GMT-8``,
    ``+01:00``, ``Z``) keeps it; a bare local time is in ``tz`` (UTC when not given)."""
    local_text, offsets = split_offsets(text.astype("string").str.strip())
    local, _order = parse_local_times(local_text)
    return to_utc_iso(local, tz or "UTC", offsets).fillna(text)


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


# --- the templates' dates as a spreadsheet in a locale writes them --------------------------------

DATE_ORDERS = ("DMY", "MDY")  # the --date-order choices: day first, month first
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAY_MONTH = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})"
    r"(?:[ T]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?$"
)
_MIDNIGHT = r"\d{4}-\d{2}-\d{2}[ T]00:00(?::00(?:\.0+)?)?"  # a workbook's date cell, as its reader gives it


@dataclass(frozen=True)
class ReadDates:
    """A template column's dates as ISO text, the order its day/month dates were read in, reasons for the rest."""

    text: pd.Series
    reasons: pd.Series
    order: str | None = None  # DMY or MDY when the column had day/month dates and was read in that order
    shown: str = ""  # the order as the file writes it (``DD/MM/YYYY``), for the summary


def order_shown(order: str, sep: str = "/") -> str:
    """``DMY`` → ``DD/MM/YYYY``, ``MDY`` → ``MM/DD/YYYY`` (with the file's separator)."""
    return sep.join(("DD", "MM") if order == "DMY" else ("MM", "DD")) + sep + "YYYY"


def read_template_dates(
    cells: pd.Series, column: str, rows: pd.Series, *, with_time: bool, order: str | None = None
) -> ReadDates:
    """Dates a spreadsheet wrote in its locale (``15/11/2026``, ``11/15/2026 09:30``, ``15.11.2026``) → ISO text.

    The column is read in one order: ``order`` (``--date-order``) when given, else the one its
    dates allow (a first number above 12: day first; a second above 12: month first). A column
    with both, or a date that fits either order when none is known, keeps its cell and gets a
    reason; so does a date that is not in the calendar. ``with_time``: the column is a date-time
    (a time of day is kept); in a date column, a workbook's midnight (``2026-11-15 00:00:00``)
    is the date. ``rows`` are the file's row numbers, for the reasons.
    """
    text = cells.astype("string").str.strip()
    reasons = pd.Series(pd.NA, index=text.index, dtype="string")
    if not with_time:
        midnight = text.str.fullmatch(_MIDNIGHT).fillna(False).astype(bool)
        text = text.mask(midnight, text.str.slice(0, 10))
    maybe = text.str.match(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}").fillna(False).astype(bool)
    if not maybe.any():
        return ReadDates(text, reasons)
    parts = text[maybe].str.extract(_DAY_MONTH.pattern)
    parts = parts[parts["a"].notna() & (with_time or parts["h"].isna())]  # else: the cleaner's reason
    if parts.empty:
        return ReadDates(text, reasons)
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    day_first, month_first = a > 12, b > 12
    given = order
    if order is None and day_first.any() and month_first.any():
        reasons[parts.index] = _mixed(text, rows, column, day_first, month_first)
        return ReadDates(text, reasons)
    if order is None:
        order = "DMY" if day_first.any() else "MDY" if month_first.any() else None
    if order is None:  # every date fits both orders: only a day equal to its month can be read
        unclear = a != b
        reasons[parts.index[unclear]] = [
            f"{column}: {v!r} could be {x} {MONTHS[y - 1]} or {y} {MONTHS[x - 1]}: pass --date-order DMY or MDY"
            for v, x, y in zip(text[parts.index[unclear]], a[unclear], b[unclear], strict=True)
        ]
        parts = parts[~unclear]
        if parts.empty:
            return ReadDates(text, reasons)
    iso, bad = _as_iso(parts, order or "DMY")
    text = text.copy()
    text[iso.index[~bad]] = iso[~bad]
    sep = str(parts["sep"].iloc[0])
    note = f" (--date-order {given})" if given else ""
    shown = order_shown(order or "DMY", sep)
    if bad.any():
        timed = parts["h"].notna()
        reasons[bad.index[bad]] = [
            f"{column}: {v!r} is not a {'date-time' if t else 'date'} in {shown}{' hh:mm' if t else ''}{note}"
            for v, t in zip(text[bad.index[bad]], timed[bad], strict=True)
        ]
    if order is None:
        return ReadDates(text, reasons)
    return ReadDates(text, reasons, order, shown + note)


def _mixed(text: pd.Series, rows: pd.Series, column: str, day_first: pd.Series, month_first: pd.Series) -> list[str]:
    """The reason of every day/month date of a column that has both day-first and month-first dates."""
    d, m = day_first.index[day_first][0], month_first.index[month_first][0]
    both = f"the column has day-first ({text[d]!r}, row {rows[d]}) and month-first ({text[m]!r}, row {rows[m]}) dates"
    return [f"{column}: {v!r} cannot be read: {both}; write its dates as YYYY-MM-DD" for v in text[day_first.index]]


def _as_iso(parts: pd.DataFrame, order: str) -> tuple[pd.Series, pd.Series]:
    """Day/month parts (from ``_DAY_MONTH``) in ``order`` as ISO text; True where that is no date or time."""
    day, month = (parts["a"], parts["b"]) if order == "DMY" else (parts["b"], parts["a"])
    iso = parts["y"] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    timed = parts["h"].notna()
    if timed.any():
        hour = pd.to_numeric(parts["h"], errors="coerce")
        ampm = parts["ampm"].str.lower().str.replace(".", "", regex=False)
        bad_hour = ampm.notna() & ((hour < 1) | (hour > 12))
        hour = hour.where(ampm.isna(), (hour % 12) + ampm.eq("pm").fillna(False).astype(int) * 12)
        clock = hour.astype("Int64").astype("string").str.zfill(2) + ":" + parts["mi"] + ":" + parts["s"].fillna("00")
        iso = iso.mask(timed, iso + " " + clock.mask(bad_hour.fillna(False), "99:99:99"))
    parsed = pd.to_datetime(iso.where(~timed), format="%Y-%m-%d", errors="coerce")
    parsed = parsed.fillna(pd.to_datetime(iso.where(timed), format="%Y-%m-%d %H:%M:%S", errors="coerce"))
    bad = parsed.isna()
    return iso.where(~bad), bad


TIME_COLUMNS = ("submitted_at", "reported_at")  # the templates' date-times


def date_columns(instrument: Instrument | None) -> tuple[str, ...]:
    """The template's date columns (not date-times): the roster's ``matched_on``, an instrument's date items."""
    if instrument is None:
        return ("matched_on",)
    return tuple(i.id for i in instrument.items if i.kind == "date")


def read_dates(
    frame: pd.DataFrame, instrument: Instrument | None, order: str | None = None
) -> tuple[dict[str, str], pd.Series]:
    """A template file's dates written day/month in a locale (``15/11/2026``) made ISO, in place, each
    column in one order (``read_template_dates``). Returns how each column with such dates was read
    (``matched_on`` → ``DD/MM/YYYY``) and, per row, the reason its date cannot be read.
    """
    orders: dict[str, str] = {}
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    timed = TIME_COLUMNS if instrument is not None else ()
    for column in (*date_columns(instrument), *timed):
        if column not in frame.columns:
            continue
        got = read_template_dates(frame[column], column, frame["_row"], with_time=column in timed, order=order)
        frame[column] = got.text
        reasons = reasons.fillna(got.reasons)
        if got.order is not None:
            orders[column] = got.shown
    return orders, reasons
