"""REDCap's raw CSV export of records: variable names as headers, coded choices, one form after another.

The first column is the record id (REDCap's own numbering: it names a person only through
``person:``). Each form's fields end with ``<form>_complete`` (0 Incomplete, 1 Unverified,
2 Complete); a survey's start with ``<form>_timestamp``. The instrument's form is the one that holds
its questions; its timestamp is the time, in ``--timezone``. With the project's data dictionary
(``--dictionary``) columns are matched by their field label too, and radio and dropdown codes read
as their labels.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from mentorkit.errors import InputFileError
from mentorkit.instruments import Instrument
from mentorkit.intake import clean, files, survey_tools
from mentorkit.intake.tools import common

VARIABLE = re.compile(r"[a-z][a-z0-9_]*")
OWN = re.compile(r"redcap_(event_name|repeat_instrument|repeat_instance|data_access_group|survey_identifier)")
NOT_COMPLETED = "[not completed]"
CHOICE_TYPES = frozenset({"radio", "dropdown"})
DICTIONARY_COLUMNS = {
    "field": "variable / field name",
    "form": "form name",
    "type": "field type",
    "label": "field label",
    "choices": "choices, calculations, or slider labels",
}
DICTIONARY_HINT = (
    "; a REDCap export names its columns by variable: give the project's data dictionary with --dictionary, "
    "or name the variables in --map"
)


def is_redcap(table: files.RawTable) -> bool:
    """Variable names as headers, with ``<form>_complete`` columns (or ``redcap_survey_identifier``)."""
    first = common.first_cells(table, 0)
    if not first or VARIABLE.fullmatch(first[0]) is None:
        return False
    return "redcap_survey_identifier" in first or any(h.endswith("_complete") and len(h) > 9 for h in first)


@dataclass(frozen=True)
class Field:
    """A field of the data dictionary."""

    form: str
    kind: str
    label: str
    choices: dict[str, str]  # code → label (radio and dropdown fields)


def _choices(text: str) -> dict[str, str]:
    """``0, Strongly disagree | 1, Disagree`` → {"0": "Strongly disagree", "1": "Disagree"}."""
    found = {}
    for part in text.split("|"):
        code, sep, label = part.partition(",")
        if sep and code.strip():
            found[code.strip()] = label.strip()
    return found


def read_dictionary(table: files.RawTable) -> dict[str, Field]:
    """The data dictionary's fields by variable name; a file error when it is not one."""
    head = [common.column_key(h) for h in common.first_cells(table, 0)]
    missing = [v for v in DICTIONARY_COLUMNS.values() if v not in head]
    if missing:
        raise InputFileError(
            f"the data dictionary {table.path.name} has no {missing[0]!r} column; download it from the "
            "REDCap project's Data Dictionary page as CSV"
        )
    at = {k: head.index(v) for k, v in DICTIONARY_COLUMNS.items()}
    fields = {}
    for row in table.cells.iloc[1:].itertuples(index=False):
        cells = [str(c).strip() for c in row]
        kind = cells[at["type"]].casefold()
        choices = _choices(cells[at["choices"]]) if kind in CHOICE_TYPES else {}
        fields[cells[at["field"]]] = Field(cells[at["form"]], kind, cells[at["label"]], choices)
    return fields


def _forms(headers: list[str], fields: dict[str, Field]) -> list[str]:
    """The form of each column: the dictionary's, else the ``<form>_complete`` that closes it ("" for none)."""
    forms = [""] * len(headers)
    pending: list[int] = []
    for pos, h in enumerate(headers):
        if pos == 0 or OWN.fullmatch(h):
            continue
        field = fields.get(h) or fields.get(h.split("___")[0])  # a checkbox: field___code
        if field is not None:
            forms[pos] = field.form
        elif h.endswith("_complete"):
            for p in [*pending, pos]:
                forms[p] = forms[p] or h.removesuffix("_complete")
            pending = []
            continue
        pending.append(pos)
    return forms


def _the_form(columns: dict[int, str], forms: list[str], instrument: Instrument, name: str) -> str:
    """The form holding the instrument's questions (the most of them)."""
    items = {i.id for i in instrument.items}
    counted = Counter(forms[p] for p, item in columns.items() if item in items and forms[p])
    if not counted:
        raise InputFileError(f"{name}: no '<form>_complete' column after the questions; export the whole form")
    return counted.most_common(1)[0][0]


def _timestamps(
    body: pd.DataFrame, headers: list[str], form: str, tz: str | None, name: str
) -> tuple[pd.Series, pd.Series]:
    """The form's timestamps as ISO UTC text, and the reason of each row without one."""
    column = f"{form}_timestamp"
    if column not in headers:
        raise InputFileError(
            f"{name}: no {column!r} column: export the records with the survey fields "
            "(REDCap's raw export with “Include survey identifier and timestamp fields”)"
        )
    stamp = body[headers.index(column)].astype("string").str.strip()
    reasons = clean.explain(
        stamp.eq(NOT_COMPLETED),
        f"{column} is {NOT_COMPLETED!r}: the survey was saved, never submitted, so it has no time",
    ).fillna(
        clean.explain(stamp.fillna("").eq(""), f"{column} is empty: the survey was not submitted, so it has no time")
    )
    when, unclear = common.utc_text(
        stamp.mask(reasons.notna(), ""), ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"), tz, column
    )
    return when, reasons.fillna(unclear)


def _coded(frame: pd.DataFrame, headers: list[str], columns: dict[int, str], fields: dict[str, Field]) -> pd.Series:
    """Radio and dropdown codes replaced by their labels in ``frame``; the reason of each row with an unknown code."""
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    for pos, item in columns.items():
        field = fields.get(headers[pos])
        if field is None or not field.choices:
            continue
        cells = frame[item].astype("string").str.strip()
        unknown = cells.notna() & cells.ne("") & ~cells.isin(list(field.choices))
        codes = ", ".join(field.choices)
        why = f"{headers[pos]}: {{!r}} is not one of the field's choices ({codes})"
        reasons = reasons.fillna(clean.explain(unknown, why, cells))
        frame[item] = cells.replace(field.choices)
    return reasons


def _redcap(
    table: files.RawTable,
    instrument: Instrument | None,
    mapping: dict[str, str],
    tz: str | None,
    options: files.ToolOptions,
) -> files.Canonical:
    instrument = survey_tools._for_answers(instrument, "REDCap")
    name = table.path.name
    headers, body = files.with_header(table.cells)
    fields = read_dictionary(options.dictionary) if options.dictionary is not None else {}
    own = {0} | {p for p, h in enumerate(headers) if OWN.fullmatch(h) or h.endswith(("_complete", "_timestamp"))}
    codes = ["" if p in own else h for p, h in enumerate(headers)]
    texts = [fields[h].label if h in fields and p not in own else "" for p, h in enumerate(headers)]
    names = list(headers)
    # a first look at the questions, to find their form (the person and time come from it)
    hint = "" if fields else DICTIONARY_HINT
    probe = common.match_columns(texts, codes, instrument, mapping, name, hint)
    form = _the_form(probe, _forms(headers, fields), instrument, name)
    when, no_time = _timestamps(body, headers, form, tz, name)
    complete = body[headers.index(f"{form}_complete")].str.strip() if f"{form}_complete" in headers else None
    parts = [
        body[0],
        *(body[headers.index(c)] for c in ("redcap_event_name", "redcap_repeat_instance") if c in headers),
    ]
    keys = common.response_keys(
        "redcap", pd.Series(form, index=body.index).str.cat(body[0].str.strip(), sep=":"), *parts[1:]
    )
    layout = common.Layout(
        source="redcap",
        title="REDCap",
        name=name,
        body=body,
        names=names,
        texts=texts,
        codes=codes,
        when=when,
        keys=keys.mask(body[0].str.strip().eq("")),
        email=None,
        no_person="no field 'email' (add one to the project, or export it with the records)",
        partial=complete.ne("2") if complete is not None else None,
        reject=no_time,
        missing_hint=hint,
        reads_dictionary=True,
    )
    canon, columns = common.finish(layout, instrument, mapping, options)
    common.add_rejects(canon, _coded(canon.frame, headers, columns, fields))
    return canon


def _convert(
    table: files.RawTable, instrument: Instrument | None, mapping: dict[str, str], tz: str | None = None
) -> files.Canonical:
    return _redcap(table, instrument, mapping, tz, files.ToolOptions())


SOURCE = files.Source("redcap", "REDCap CSV", is_redcap, _convert, _redcap)
__all__ = ["SOURCE", "is_redcap", "read_dictionary"]
