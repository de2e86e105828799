"""Export times: time zones as files spell them, times that carry their own offset, dates in a
sheet's locale and Excel serial numbers, all made ISO UTC text."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from mentorkit import frames
from mentorkit.errors import UsageError

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
