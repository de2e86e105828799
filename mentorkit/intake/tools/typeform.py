"""Typeform CSV exports: ``#`` (the response token) first, questions with HTML, the dates last.

The person is the hidden field ``email`` or a question asking for an e-mail; the time is
``Submit Date (UTC)``, always UTC (``--timezone`` does not change it). Newer exports also write
``Response Type`` (``partial`` for a response never submitted: it is stored, flagged partial, at
its ``Stage Date (UTC)``), ``Tags`` and the hidden fields.
"""

from __future__ import annotations

import pandas as pd

from mentorkit.errors import InputFileError
from mentorkit.instruments import Instrument
from mentorkit.intake import files, survey_tools
from mentorkit.intake.tools import common

META = frozenset(
    {"#", "response type", "start date (utc)", "stage date (utc)", "submit date (utc)", "network id", "tags", "ending"}
)
# as Typeform writes it (2018-12-29 23:46:38), and as a spreadsheet re-saves it (5/16/2018 12:32)
FORMATS = ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M")


def is_typeform(table: files.RawTable) -> bool:
    """The first column is ``#`` (a Typeform export always has ``Submit Date (UTC)`` too)."""
    first = common.first_cells(table, 0)
    return bool(first) and first[0] == "#"


def _typeform(
    table: files.RawTable,
    instrument: Instrument | None,
    mapping: dict[str, str],
    tz: str | None,
    options: files.ToolOptions,
) -> files.Canonical:
    instrument = survey_tools._for_answers(instrument, "Typeform")
    name = table.path.name
    headers, body = files.with_header(table.cells)
    keys = [common.column_key(h) for h in headers]
    if "submit date (utc)" not in keys:
        raise InputFileError(
            f"{name}: no 'Submit Date (UTC)' column, which a Typeform export always has; download the "
            "responses again as CSV from the form's Results"
        )
    submitted = body[keys.index("submit date (utc)")].astype("string").str.strip()
    partial = pd.Series(False, index=body.index)
    if "response type" in keys:
        partial = body[keys.index("response type")].str.strip().str.casefold().eq("partial")
    if "stage date (utc)" in keys:  # a partial response has no submit date: the last time it was seen
        submitted = submitted.mask(submitted.fillna("").eq(""), body[keys.index("stage date (utc)")])
    texts = ["" if k in META else h for h, k in zip(headers, keys, strict=True)]
    layout = common.Layout(
        source="typeform",
        title="Typeform",
        name=name,
        body=body,
        names=headers,
        texts=texts,
        codes=[""] * len(headers),
        when=common.utc_text(submitted, FORMATS, tz, "Submit Date (UTC)", utc=True)[0],
        keys=common.response_keys("typeform", body[0]),
        email=None,
        no_person="no hidden field 'email' and no question asking for an e-mail address "
        "(add the hidden field to the form's link, or ask for the e-mail)",
        partial=partial,
    )
    return common.finish(layout, instrument, mapping, options)[0]


def _convert(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    return _typeform(table, instrument, mapping, tz, files.ToolOptions())


SOURCE = files.Source("typeform", "Typeform CSV", is_typeform, _convert, _typeform)
__all__ = ["SOURCE", "is_typeform"]
