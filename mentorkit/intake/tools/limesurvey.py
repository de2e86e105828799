"""LimeSurvey CSV exports, with question codes (``id, submitdate, …``) or question texts
(``Response ID, Date submitted, …``) as headings.

The person is ``email`` (the token attribute, or a question coded ``email``); the time is
``submitdate`` in ``--timezone``. An empty ``submitdate`` marks an incomplete response: it is stored,
flagged partial, at its ``datestamp`` (``Date last action``). Yes/no answers may be coded ``Y``/``N``;
``U`` (Uncertain) is no yes/no answer, and ``N/A`` is no answer.
"""

from __future__ import annotations

import re

import pandas as pd

from mentorkit.errors import InputFileError
from mentorkit.instruments import Instrument
from mentorkit.intake import clean, files, survey_tools
from mentorkit.intake.tools import common

# the columns LimeSurvey writes before the questions (codes, and the same as texts), and token attributes
CODES = ("id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr", "refurl")
TEXTS: tuple[str, ...] = (
    "response id",
    "date submitted",
    "last page",
    "start language",
    "seed",
    "date started",
    "date last action",
)
TEXTS += ("ip address", "referrer url")
TOKEN = ("token", "firstname", "lastname", "first name", "last name", "email address", "email")
SIGNS = frozenset({"lastpage", "startlanguage", "last page", "start language"})
CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\[[A-Za-z0-9_]+\])*")  # a code heading: READY, READY[SQ001], P5[O1]
UNCERTAIN = frozenset({"u", "uncertain"})
NO_ANSWER = "N/A"


def is_limesurvey(table: files.RawTable) -> bool:
    """``id`` or ``Response ID`` first, with LimeSurvey's ``lastpage``/``startlanguage`` (or their texts)."""
    first = [common.column_key(h) for h in common.first_cells(table, 0)]
    return bool(first) and first[0] in ("id", "response id") and bool(SIGNS & set(first[1:8]))


def _column(keys: list[str], *names: str) -> int | None:
    return next((keys.index(n) for n in names if n in keys), None)


def _uncertain(frame: pd.DataFrame, headers: list[str], columns: dict[int, str], instrument: Instrument) -> pd.Series:
    """``N/A`` answers blanked in ``frame``; the reason of each row answering a yes/no item ``U``."""
    yesno = {i.id for i in instrument.items if i.kind == "yesno"}
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    for pos, item in columns.items():
        if item not in instrument.item_ids:
            continue
        cells = frame[item].astype("string").str.strip()
        frame[item] = cells.mask(cells.eq(NO_ANSWER), "")
        if item in yesno:
            odd = cells.str.casefold().isin(UNCERTAIN).fillna(False)
            why = f"{headers[pos]}: {{!r}} (Uncertain) is not a yes/no answer; answer yes or no"
            reasons = reasons.fillna(clean.explain(odd, why, cells))
    return reasons


def _limesurvey(
    table: files.RawTable,
    instrument: Instrument | None,
    mapping: dict[str, str],
    tz: str | None,
    options: files.ToolOptions,
) -> files.Canonical:
    instrument = survey_tools._for_answers(instrument, "LimeSurvey")
    name = table.path.name
    headers, body = files.with_header(table.cells)
    keys = [common.column_key(h) for h in headers]
    submit = _column(keys, "submitdate", "date submitted")
    if submit is None:
        raise InputFileError(
            f"{name}: no 'submitdate' (or 'Date submitted') column, which a LimeSurvey export always has; "
            "export the responses again as CSV with all the response's columns"
        )
    last = _column(keys, "datestamp", "date last action")
    submitted = body[submit].astype("string").str.strip()
    incomplete = submitted.fillna("").eq("")
    when = submitted.mask(incomplete, body[last]) if last is not None else submitted
    when_utc, unclear = common.utc_text(when, ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"), tz, headers[submit])
    meta = set(CODES + TEXTS + TOKEN)
    is_meta = [k in meta or p == 0 for p, k in enumerate(keys)]
    started = _column(keys, "startdate", "date started")
    layout = common.Layout(
        source="limesurvey",
        title="LimeSurvey",
        name=name,
        body=body,
        names=headers,
        texts=["" if m or CODE.fullmatch(h) else h for h, m in zip(headers, is_meta, strict=True)],
        codes=["" if m and k != "email" else h for h, k, m in zip(headers, keys, is_meta, strict=True)],
        when=when_utc,
        reject=unclear,
        keys=common.response_keys("limesurvey", body[0], *([body[started]] if started is not None else [])),
        email=_column(keys, "email address"),
        no_person="no 'email' column (invite participants from a participant list, whose email attribute the "
        "export then carries, or ask a question coded email)",
        partial=incomplete,
    )
    canon, columns = common.finish(layout, instrument, mapping, options)
    common.add_rejects(canon, _uncertain(canon.frame, headers, columns, instrument))
    canon.flags.update(survey_tools._quality_flags(canon.frame, instrument))  # with N/A now unanswered
    canon.flags["partial"] = canon.flags.get("partial", incomplete) | incomplete
    return canon


def _convert(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    return _limesurvey(table, instrument, mapping, tz, files.ToolOptions())


SOURCE = files.Source("limesurvey", "LimeSurvey CSV", is_limesurvey, _convert, _limesurvey)
__all__ = ["SOURCE", "is_limesurvey"]
