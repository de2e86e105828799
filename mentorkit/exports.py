"""Survey-tool exports: Qualtrics (CSV), Google Forms (CSV) and Microsoft Forms (XLSX).

Each source turns an export, unedited, into the project's template columns; ``io.detect``
picks the format. Questions are matched to item ids by their text (robust to numbering, quotes,
case, spacing and a lost "?"), or through a ``--map`` file.
"""

from __future__ import annotations

import contextlib
import json
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from . import clean
from . import io as mkio
from .errors import InputFileError, UsageError
from .instruments import CHECKIN_ELEMENTS, Instrument

EMAIL_WORDS = re.compile(r"\be-?mail\b")
ABOUT_WORDS = re.compile(r"(which|who).*(mentee|mentor|pair|relationship).*(about|for)|^about$")
TEMPLATE_EXTRAS = ("participant_id", "email", "about", "submitted_at")


def question_index(instrument: Instrument, mapping: dict[str, str]) -> dict[str, str]:
    """Normalised question text (and item id) → item id, with the user's mapping on top."""
    index = {clean.normalize_question(i.text): i.id for i in instrument.items}
    index |= {i.id: i.id for i in instrument.items}
    index |= {c: c for c in TEMPLATE_EXTRAS}
    for text, item in mapping.items():
        if item not in index.values() and item not in TEMPLATE_EXTRAS:
            raise UsageError(f"the map names {item!r}, which is not an item of {instrument.id}")
        index[text] = item
    return index


def match_questions(headers: list[str], instrument: Instrument, mapping: dict[str, str], name: str) -> dict[int, str]:
    """Column position → item id; a missing required question or a double match is a file error."""
    index = question_index(instrument, mapping)
    found: dict[int, str] = {}
    by_item: dict[str, list[str]] = {}
    for pos, header in enumerate(headers):
        key = clean.normalize_question(header)
        item = index.get(key) or index.get(re.sub(r"\d+$", "", key).strip())  # MS Forms' clash suffix
        if item is None and " - " in header:  # matrix questions: "stem - statement"
            item = index.get(clean.normalize_question(header.rsplit(" - ", 1)[1]))
        if item is None and instrument.subject == "pair" and ABOUT_WORDS.search(key):
            item = "about"
        if item is not None:
            found[pos] = item
            by_item.setdefault(item, []).append(header)
    twice = {i: h for i, h in by_item.items() if len(h) > 1}
    if twice:
        item, heads = next(iter(twice.items()))
        raise InputFileError(f"{name}: columns {' and '.join(repr(h) for h in heads)} both match {item}")
    needed = [i for i in instrument.items if not i.optional]
    missing = [i for i in needed if i.id not in by_item]
    if missing:
        shown = "; ".join(f"{i.id} “{i.text}”" for i in missing[:3]) + (" …" if len(missing) > 3 else "")
        raise InputFileError(
            f"{name}: no column for {len(missing)} question(s): {shown} (use --map for other wordings)"
        )
    return found


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {tz!r} (use a name such as Europe/Berlin)") from None


def to_utc_iso(local: pd.Series, tz: str) -> pd.Series:
    """Local wall-clock times (parsed) in zone ``tz`` → ISO UTC strings; unparsed stay as they were."""
    aware = local.dt.tz_localize(_zone(tz), ambiguous="NaT", nonexistent="NaT")
    return clean.iso_text(aware, suffix="Z")


def _canonical(
    body: pd.DataFrame,
    columns: dict[int, str],
    extra: dict[str, pd.Series],
    headers: list[str],
    source: str,
    flags: dict[str, pd.Series],
) -> mkio.Canonical:
    frame = pd.DataFrame({"_row": body["_row"]})
    for pos, item in columns.items():
        frame[item] = body[pos]
    for name, values in extra.items():
        frame[name] = values
    raw = body.drop(columns="_row").copy()
    raw.columns = [h or f"column {i + 1}" for i, h in enumerate(headers)][: raw.shape[1]]
    raw = raw.loc[:, ~raw.columns.duplicated()]
    return mkio.Canonical(frame=frame, source=source, raw=raw, flags=flags)


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


def _is_qualtrics(table: mkio.RawTable) -> bool:
    if table.kind != "csv" or table.cells.empty:
        return False
    first = {c.strip() for c in table.cells.iloc[0]}
    return bool({"ResponseId", "ResponseID"} & first) and bool({"StartDate", "EndDate", "RecordedDate"} & first)


def _qualtrics(
    table: mkio.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str = "UTC"
) -> mkio.Canonical:
    instrument = _for_answers(instrument, "Qualtrics")
    cells = table.cells
    ids = [c.strip() for c in cells.iloc[0]]
    texts = [c.strip() for c in cells.iloc[1]] if len(cells) > 1 else ids
    three_rows = len(cells) > 2 and any(c.strip().startswith('{"ImportId"') for c in cells.iloc[2])
    zones: dict[str, str] = {}
    if three_rows:
        for fid, meta in zip(ids, cells.iloc[2], strict=True):
            with contextlib.suppress(ValueError):
                zones[fid] = json.loads(meta).get("timeZone") or ""
    _, body = mkio.with_header(cells, 0, 3 if three_rows else 2)
    name = table.path.name
    pos = {fid: i for i, fid in enumerate(ids)}
    meta_cols = {i for i, fid in enumerate(ids) if not re.fullmatch(r"Q[\w.]*|QID\d+.*", fid)}
    question_headers = [t if i not in meta_cols else "" for i, t in enumerate(texts)]
    columns = match_questions(question_headers, instrument, mapping, name)
    when_col = next((c for c in ("EndDate", "RecordedDate", "StartDate") if c in pos), None)
    if when_col is None:
        raise InputFileError(f"{name}: no EndDate or RecordedDate column")
    zone = zones.get(when_col) or tz
    local = pd.to_datetime(body[pos[when_col]].str.strip(), format="ISO8601", errors="coerce")
    submitted = to_utc_iso(local, zone).fillna(body[pos[when_col]])
    extra: dict[str, pd.Series] = {"submitted_at": submitted}
    email = None
    if "RecipientEmail" in pos and body[pos["RecipientEmail"]].str.strip().ne("").any():
        email = body[pos["RecipientEmail"]]
    else:
        asks = [i for i, t in enumerate(question_headers) if t and EMAIL_WORDS.search(t.lower()) and i not in columns]
        if asks:
            email = body[asks[0]]
    if email is None and "participant_id" not in columns.values():
        raise InputFileError(f"{name}: no RecipientEmail column and no question asking for an e-mail address")
    if email is not None:
        extra["email"] = email
    rid = next((c for c in ("ResponseId", "ResponseID") if c in pos), None)
    extra["response_id"] = "qualtrics:" + body[pos[rid]].str.strip()
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


def _is_google(table: mkio.RawTable) -> bool:
    return table.kind == "csv" and not table.cells.empty and table.cells.iloc[0, 0].strip() == "Timestamp"


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
    table: mkio.RawTable, instrument: Instrument, mapping: dict[str, str], fixed: tuple[str, ...]
) -> tuple[list[str], pd.DataFrame, list[str], dict[int, str]]:
    """Headers, rows, lower-cased headers and matched questions of a one-header-row export."""
    headers, body = mkio.with_header(table.cells)
    lower = [h.strip().lower() for h in headers]
    questions = [h if h.strip().lower() not in fixed else "" for h in headers]
    return headers, body, lower, match_questions(questions, instrument, mapping, table.path.name)


def _google(
    table: mkio.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str = "UTC"
) -> mkio.Canonical:
    instrument = _for_answers(instrument, "Google Forms")
    headers, body, lower, columns = _one_header_row(table, instrument, mapping, ("timestamp", "email address", "score"))
    name = table.path.name
    local, _order = parse_local_times(body[0])
    extra = {"submitted_at": to_utc_iso(local, tz).fillna(body[0])}
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


def _is_msforms(table: mkio.RawTable) -> bool:
    if table.cells.empty:
        return False
    head = [c.strip().lower() for c in table.cells.iloc[0][:3]]
    return head == ["id", "start time", "completion time"]


def _excel_times(text: pd.Series) -> pd.Series:
    """Cells from openpyxl ("2026-03-14 09:05:00") or Excel text in M/D/YYYY."""
    parsed = pd.to_datetime(text.str.strip(), format="ISO8601", errors="coerce")
    rest = text.where(parsed.isna())
    if rest.notna().any():
        parsed = parsed.fillna(parse_local_times(rest.fillna(""))[0])
    return parsed


def _msforms(
    table: mkio.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str = "UTC"
) -> mkio.Canonical:
    instrument = _for_answers(instrument, "Microsoft Forms")
    headers, body, lower, columns = _one_header_row(table, instrument, mapping, MS_FIXED)
    completion = body[lower.index("completion time")]
    extra = {"submitted_at": to_utc_iso(_excel_times(completion), tz).fillna(completion)}
    if "email" in lower:
        mail = body[lower.index("email")]
        extra["email"] = mail.mask(mail.str.strip().str.lower() == "anonymous", "")
    ident = body[lower.index("id")].str.strip()
    # Forms numbers responses per form: qualify the id so two forms never collide
    extra["response_id"] = (
        "msforms:"
        + ident
        + ":"
        + extra.get("email", pd.Series("", index=body.index)).str.strip().str.lower()
        + ":"
        + extra["submitted_at"]
    )
    canon = _canonical(body, columns, extra, headers, "msforms", {})
    canon.flags.update(_quality_flags(canon.frame, instrument))
    return canon


mkio.register(mkio.Source("qualtrics", "Qualtrics CSV", _is_qualtrics, _qualtrics))
mkio.register(mkio.Source("googleforms", "Google Forms CSV", _is_google, _google))
mkio.register(mkio.Source("msforms", "Microsoft Forms XLSX", _is_msforms, _msforms))
