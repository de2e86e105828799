"""Survey-tool exports: Qualtrics (CSV), Google Forms (CSV) and Microsoft Forms (XLSX).

Each source turns an export, unedited, into the project's template columns; ``files.detect``
picks the format. Questions are matched to item ids by their text (robust to numbering, quotes,
case, spacing and a lost "?"), or through a ``--map`` file; ``times`` reads their time stamps.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from datetime import tzinfo

import pandas as pd

from mentorkit.errors import InputFileError, UsageError
from mentorkit.formats import plural
from mentorkit.instruments import CHECKIN_ELEMENTS, Instrument
from mentorkit.intake import clean, files, times

EMAIL_WORDS = re.compile(r"\be-?mail\b")
ABOUT_WORDS = re.compile(r"(which|who).*(mentee|mentor|pair|relationship).*(about|for)|^about$")
# the templates' columns besides the items that a header (or a --map entry) may name
TEMPLATE_EXTRAS = (
    "participant_id",
    "email",
    "about",
    "submitted_at",
    "goal_id",
    "mentor_id",
    "mentee_id",
    "reported_by",
    "reported_at",
)


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


HEADING_SHOWN = 60  # characters of a column heading an error quotes


def _shortened(heading: str) -> str:
    """A heading as an error quotes it: whole, or its first characters and "..."."""
    return heading if len(heading) <= HEADING_SHOWN else heading[: HEADING_SHOWN - 3] + "..."


def check_matches(by_item: dict[str, list[str]], instrument: Instrument, name: str, hint: str = "") -> None:
    """A file error for a question two columns match, or a required question no column matches."""
    twice = {i: h for i, h in by_item.items() if len(h) > 1}
    if twice:
        item, heads = next(iter(twice.items()))
        shown_heads = " and ".join(repr(_shortened(h)) for h in heads[:3])
        raise InputFileError(
            f"{name}: columns {shown_heads} both match {item}; remove one, or name the right one with --map"
        )
    missing = [i for i in instrument.items if not i.optional and i.id not in by_item]
    if missing:
        shown = "; ".join(f"{i.id} “{i.text}”" for i in missing[:3]) + (" …" if len(missing) > 3 else "")
        raise InputFileError(
            f"{name}: no column for {plural(len(missing), 'question')}: {shown} (use --map for other wordings{hint})"
        )


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
    check_matches(by_item, instrument, name)
    return found


def _canonical(
    body: pd.DataFrame,
    columns: dict[int, str],
    extra: dict[str, pd.Series],
    headers: list[str],
    source: str,
    instrument: Instrument,
) -> files.Canonical:
    """An export's rows in the template's columns, its raw cells under their headers, and the quality flags."""
    frame = pd.DataFrame({"_row": body["_row"]})
    for pos, item in columns.items():
        frame[item] = body[pos]
    for name, values in extra.items():
        frame[name] = values
    raw = body.drop(columns="_row").copy()
    raw.columns = [h or f"column {i + 1}" for i, h in enumerate(headers)][: raw.shape[1]]
    raw = raw.loc[:, ~raw.columns.duplicated()]
    return files.Canonical(frame=frame, source=source, raw=raw, flags=_quality_flags(frame, instrument))


def _email_question(headers: list[str], columns: dict[int, str]) -> int | None:
    """The first column, not matched to an item, whose header asks for an e-mail address."""
    return next((i for i, h in enumerate(headers) if h and EMAIL_WORDS.search(h.lower()) and i not in columns), None)


def _quality_flags(frame: pd.DataFrame, instrument: Instrument) -> dict[str, pd.Series]:
    """Straight-lining on the check-in and partial responses; flags never reject a row."""
    flags: dict[str, pd.Series] = {}
    scored = [i.id for i in instrument.scored_items if i.id in frame.columns and not i.optional]
    if scored:
        blank = pd.DataFrame({c: clean.is_blank(frame[c]) for c in scored}, index=frame.index, dtype=bool)
        flags["partial"] = blank.any(axis=1) & ~blank.all(axis=1)
    if instrument.id == "checkin":
        ratings = pd.DataFrame({c: clean.clean_likert(frame[c], "x")[0] for c in CHECKIN_ELEMENTS}, index=frame.index)
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


@dataclass(frozen=True)
class _QualtricsHeader:
    """The header rows of a Qualtrics export, one entry a column."""

    tags: list[str]  # row 1: export tags (the legacy layout: V1…V10 over the metadata)
    texts: list[str]  # row 2: question texts (the legacy layout: also the metadata's names)
    names: list[str]  # the field id of each column: ResponseId, EndDate, QID1, …
    skip: frozenset[int]  # metadata and text-entry columns: never a question
    zones: dict[str, str]  # field id → the time zone its third-row cell names
    rows: int  # header rows above the answers (2, or 3 with the ImportId row)

    @property
    def position(self) -> dict[str, int]:
        """Field id → its first column."""
        return {fid: i for i, fid in reversed(list(enumerate(self.names)))}

    @property
    def questions(self) -> list[str]:
        """The question text of each column that can be a question; "" for the rest."""
        return [t if i not in self.skip else "" for i, t in enumerate(self.texts)]

    @property
    def fallback_tags(self) -> list[str]:
        """The export tag of each column that can be a question; "" for the rest."""
        return [g if i not in self.skip else "" for i, g in enumerate(self.tags)]


def _qualtrics_header(table: files.RawTable) -> _QualtricsHeader:
    """The export tags, question texts, field ids and third-row time zones of a Qualtrics export."""
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
    zones = {
        fid: str(info["timeZone"])
        for fid, info in zip(names, third, strict=False)
        if info is not None and isinstance(info.get("timeZone"), str)
    }
    rows = 3 if any(v is not None for v in third) else 2
    skip = frozenset(meta | _text_entry_columns(tags, texts, meta))
    return _QualtricsHeader(tags=tags, texts=texts, names=names, skip=skip, zones=zones, rows=rows)


def _text_entry_columns(tags: list[str], texts: list[str], meta: set[int]) -> set[int]:
    """The text-entry columns (``…_TEXT``) that share their question's text: only the question itself can match."""
    seen_text: set[str] = set()
    companion = set()
    for i, (tag, text) in enumerate(zip(tags, texts, strict=True)):
        if i in meta:
            continue
        if text in seen_text and re.search(r"(_|-)TEXT$", tag, re.IGNORECASE):
            companion.add(i)
        seen_text.add(text)
    return companion


def _qualtrics_zone(zones: dict[str, str], when_col: str, tz: str | None, name: str) -> str | tzinfo:
    """The zone of the export's times: ``--timezone``, else the one the file names for the column, else UTC."""
    if tz is not None:
        return tz  # --timezone wins over the file
    if not zones.get(when_col):
        return "UTC"
    try:
        return times.parse_zone(zones[when_col])
    except ValueError:
        raise InputFileError(
            f"{name}: the export's time zone {zones[when_col]!r} is unknown; give one with --timezone"
        ) from None


def _qualtrics_times(body: pd.DataFrame, head: _QualtricsHeader, tz: str | None, name: str) -> pd.Series:
    """When each response was given (EndDate, else RecordedDate, else StartDate) as ISO UTC text."""
    pos = head.position
    when_col = next((c for c in ("EndDate", "RecordedDate", "StartDate") if c in pos), None)
    if when_col is None:
        raise InputFileError(f"{name}: no EndDate, RecordedDate or StartDate column; export the survey's metadata too")
    zone = _qualtrics_zone(head.zones, when_col, tz, name)
    raw_when = body[pos[when_col]].str.strip()
    local_text, offsets = times.split_offsets(raw_when)
    local = pd.to_datetime(local_text, format="ISO8601", errors="coerce")
    return times.to_utc_iso(local, zone, offsets).fillna(body[pos[when_col]])


def _qualtrics_email(
    body: pd.DataFrame, pos: dict[str, int], questions: list[str], columns: dict[int, str], name: str
) -> pd.Series | None:
    """The column that names the person: the contact list's e-mail, else a question asking for one.

    None when neither exists but a matched question gives the participant_id or e-mail; a file error otherwise.
    """
    for mail_col in ("RecipientEmail", "EmailAddress"):
        if mail_col in pos and body[pos[mail_col]].str.strip().ne("").any():
            return body[pos[mail_col]]
    asks = _email_question(questions, columns)
    if asks is not None:
        return body[asks]
    if "participant_id" not in columns.values() and "email" not in columns.values():
        raise InputFileError(
            f"{name}: no RecipientEmail column and no question asking for an e-mail address "
            "(send the survey through a contact list, or ask for the e-mail)"
        )
    return None


def _qualtrics_response_ids(body: pd.DataFrame, pos: dict[str, int]) -> pd.Series | None:
    """``qualtrics:<ResponseId>`` of each row (missing where blank); None without the column."""
    rid = next((c for c in ("ResponseId", "ResponseID") if c in pos), None)
    if rid is None:
        return None
    ids = body[pos[rid]].str.strip()
    return ("qualtrics:" + ids).mask(ids == "")


def _qualtrics_flags(body: pd.DataFrame, pos: dict[str, int], quality: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """The quality flags with Qualtrics' own: an unfinished response is partial; a speeder took
    under a third of the median duration (with five durations or more)."""
    flags = dict(quality)
    if "Finished" in pos:
        finished = body[pos["Finished"]].str.strip().str.lower()
        flags["partial"] = flags.get("partial", pd.Series(False, index=body.index)) | finished.isin(["false", "0"])
    if "Duration (in seconds)" in pos:
        duration = pd.to_numeric(body[pos["Duration (in seconds)"]], errors="coerce")
        median = duration.median()
        flags["speeder"] = (
            (duration < median / 3).fillna(False) if duration.notna().sum() >= 5 else pd.Series(False, index=body.index)
        )
    return flags


def _qualtrics_rejects(body: pd.DataFrame, pos: dict[str, int]) -> pd.Series | None:
    """Per row, why it is no participant's answer (a survey preview, test or spam); None without a Status column."""
    if "Status" not in pos:
        return None
    status = body[pos["Status"]].str.strip().str.lower()
    return pd.Series(pd.NA, index=body.index, dtype="string").mask(
        status.isin(["survey preview", "1", "survey test", "2", "spam", "8"]),
        "a survey preview, test or spam response, not a participant's answer",
    )


def _qualtrics(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    instrument = _for_answers(instrument, "Qualtrics")
    name = table.path.name
    head = _qualtrics_header(table)
    _, body = files.with_header(table.cells, 0, head.rows)
    pos = head.position
    questions = head.questions
    columns = match_questions(questions, instrument, mapping, name, fallbacks=head.fallback_tags)
    extra: dict[str, pd.Series] = {"submitted_at": _qualtrics_times(body, head, tz, name)}
    email = _qualtrics_email(body, pos, questions, columns, name)
    if email is not None and "email" not in columns.values():
        extra["email"] = email
    response_ids = _qualtrics_response_ids(body, pos)
    if response_ids is not None:
        extra["response_id"] = response_ids
    canon = _canonical(body, columns, extra, head.texts, "qualtrics", instrument)
    canon.flags.update(_qualtrics_flags(body, pos, canon.flags))
    rejects = _qualtrics_rejects(body, pos)
    if rejects is not None:
        canon.frame["_reject"] = rejects
    return canon


# --- Google Forms ------------------------------------------------------------------------------


def _is_google(table: files.RawTable) -> bool:
    return not table.cells.empty and str(table.cells.iloc[0, 0]).strip() == "Timestamp"  # CSV or XLSX download


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


def _google(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    instrument = _for_answers(instrument, "Google Forms")
    headers, body, lower, columns = _one_header_row(table, instrument, mapping, ("timestamp", "email address", "score"))
    name = table.path.name
    extra = {"submitted_at": times.form_times(body[0], tz)}
    if "email address" in lower:
        extra["email"] = body[lower.index("email address")]
    elif "email" not in columns.values() and "participant_id" not in columns.values():
        asks = _email_question(lower, columns)
        if asks is None:
            raise InputFileError(f"{name}: no 'Email address' column (turn on “Collect email addresses” in the form)")
        extra["email"] = body[asks]
    return _canonical(body, columns, extra, headers, "googleforms", instrument)


# --- Microsoft Forms ---------------------------------------------------------------------------

MS_FIXED = ("id", "start time", "completion time", "email", "name", "last modified time")


def _is_msforms(table: files.RawTable) -> bool:
    if table.cells.empty:
        return False
    head = [str(c).strip().lower() for c in table.cells.iloc[0][:3]]
    return head == ["id", "start time", "completion time"]


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
    extra = {"submitted_at": times.excel_times(completion, tz)}
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
    return _canonical(body, columns, extra, headers, "msforms", instrument)


files.register(files.Source("qualtrics", "Qualtrics CSV", _is_qualtrics, _qualtrics))
files.register(files.Source("googleforms", "Google Forms CSV", _is_google, _google))
files.register(files.Source("msforms", "Microsoft Forms XLSX", _is_msforms, _msforms))
from mentorkit.intake import tools as tools  # noqa: E402  (registers SurveyMonkey, Typeform, REDCap, LimeSurvey)
