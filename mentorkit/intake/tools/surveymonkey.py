"""SurveyMonkey CSV exports: two header rows, the respondent metadata first.

Row 1 holds each question, a blank cell continuing the question to its left; row 2 holds
``Response`` or ``Open-Ended Response`` under a one-column question, else the column's statement
or option label (a matrix question's statements are matched by it). The person is the
``Email Address`` column; the time is ``End Date``, month first, in ``--timezone``.
"""

from __future__ import annotations

import re

from mentorkit.errors import InputFileError
from mentorkit.instruments import Instrument
from mentorkit.intake import files, survey_tools
from mentorkit.intake.tools import common

ONE_COLUMN = frozenset({"", "response", "open-ended response"})  # row 2 under a one-column question
META = re.compile(
    r"respondent ?id|collector ?id|start ?date|end ?date|ip ?address|email ?address|first ?name|last ?name"
    r"|custom ?data ?\d*",
    re.IGNORECASE,
)
# as SurveyMonkey writes it (07/14/2026 09:05:33 AM), and as a spreadsheet re-saves it (7/14/26 9:05)
FORMATS: tuple[str, ...] = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%y %H:%M", "%m/%d/%Y %H:%M:%S")
FORMATS += ("%m/%d/%Y %H:%M", "%m/%d/%y %H:%M:%S", "%m/%d/%y %I:%M:%S %p", "%m/%d/%y %I:%M %p")


def is_surveymonkey(table: files.RawTable) -> bool:
    """Two header rows: row 1 starts with ``Respondent ID`` (``RespondentID``), row 2 with an empty cell."""
    first, second = common.first_cells(table, 0), common.first_cells(table, 1)
    return bool(first and second) and first[0] in ("Respondent ID", "RespondentID") and second[0] == ""


def _headers(table: files.RawTable) -> tuple[list[str], list[str], list[str], list[str]]:
    """Each column's name (row 1, "" under a continued question), question text, metadata key and raw header."""
    row1, row2 = common.first_cells(table, 0), common.first_cells(table, 1)
    row2 = (row2 + [""] * len(row1))[: len(row1)]  # a file forced as SurveyMonkey may lack row 2
    names, texts, meta, shown = [], [], [], []
    question = ""
    for pos, (top, label) in enumerate(zip(row1, row2, strict=True)):
        question = top or question
        is_meta = bool(top) and label == "" and META.fullmatch(top) is not None
        one = label.casefold() in ONE_COLUMN
        names.append(top if one else "")
        meta.append(re.sub(r"\s+", "", top).casefold() if is_meta else "")
        texts.append("" if is_meta or pos == 0 else question if one else label)
        shown.append(question if one else f"{question} [{label}]")
    return names, texts, meta, shown


def _surveymonkey(
    table: files.RawTable,
    instrument: Instrument | None,
    mapping: dict[str, str],
    tz: str | None,
    options: files.ToolOptions,
) -> files.Canonical:
    instrument = survey_tools._for_answers(instrument, "SurveyMonkey")
    name = table.path.name
    names, texts, meta, shown = _headers(table)
    _, body = files.with_header(table.cells, 0, 2)
    if "enddate" not in meta:
        raise InputFileError(
            f"{name}: no 'End Date' column, which a SurveyMonkey export always has; export the responses "
            "again with the respondent metadata (the file's first columns: Respondent ID … End Date)"
        )
    end = body[meta.index("enddate")]
    when, unclear = common.utc_text(end, FORMATS, tz, "End Date")
    email = meta.index("emailaddress") if "emailaddress" in meta else None
    layout = common.Layout(
        source="surveymonkey",
        title="SurveyMonkey",
        name=name,
        body=body,
        names=names,
        texts=texts,
        codes=[""] * len(texts),
        when=when,
        reject=unclear,
        keys=common.response_keys("surveymonkey", body[0]),
        email=email,
        no_person="no 'Email Address' column and no question asking for an e-mail address "
        "(send the survey through an email invitation collector, or ask for the e-mail)",
        shown=shown,
    )
    return common.finish(layout, instrument, mapping, options)[0]


def _convert(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    return _surveymonkey(table, instrument, mapping, tz, files.ToolOptions())


SOURCE = files.Source("surveymonkey", "SurveyMonkey CSV", is_surveymonkey, _convert, _surveymonkey)
__all__ = ["SOURCE", "is_surveymonkey"]
