"""Cleaning rules: map what is unambiguous, leave blanks unanswered, reject the rest with a reason.

Every cleaner takes a pandas Series of raw cell values and returns ``(values, errors)``: the
cleaned values (missing where unanswered or rejected) and, per row, a reason string or missing.
Nothing here raises on odd input.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import pandas as pd

from mentorkit import workspace
from mentorkit.instruments import Item, likert_labels

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

YES = frozenset({"yes", "y", "true", "t", "1", "1.0"})
NO = frozenset({"no", "n", "false", "f", "0", "0.0"})
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "´": "'"})

Cleaned = tuple[pd.Series, pd.Series]


def is_safe_id(value: object) -> bool:
    """True for ids made of letters, digits, ``-`` and ``_`` (safe in paths and URLs)."""
    return isinstance(value, str) and SAFE_ID.fullmatch(value) is not None


def as_text(raw: pd.Series) -> pd.Series:
    """Cells as stripped strings; blanks and missing cells become missing."""
    s = raw.astype("string").str.strip()
    return s.mask(s == "")


def _shown(value: object, limit: int = 40) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


Column: TypeAlias = str | pd.Series  # one name, or a name per row (cleaning several columns stacked)


def explain(mask: pd.Series, template: str, *values: pd.Series) -> pd.Series:
    """A reason where ``mask`` holds, ``template`` formatted with the row's values; missing elsewhere.

    Only failing rows are formatted, so a clean file of 100,000 rows costs nothing here.
    """
    where = mask.fillna(False).astype(bool)
    out = pd.Series(pd.NA, index=mask.index, dtype="string")
    if where.any():
        out[where] = (
            [template.format(*row) for row in zip(*(v[where] for v in values), strict=True)] if values else template
        )
    return out


_CONTROL = re.compile(r"[\x00-\x1f]")


def join_text(columns: list[pd.Series], sep: str) -> list[str]:
    """Row-wise ``sep.join`` of string columns without missing values (``str.cat``, in Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = [pa.array(c, type=pa.large_string()) for c in columns]
    joined: list[str] = pc.binary_join_element_wise(*arrays, pa.scalar(sep, pa.large_string())).to_pylist()
    return joined


def json_records(frame: pd.DataFrame, names: bool = True) -> pd.Series:
    """Each row as JSON text of its cells as strings (missing: ``""``), built column-wise in Arrow.

    ``names``: an object keyed by column name, as ``to_json(orient="records", lines=True)``
    gives; otherwise an array of the cells in column order. Escaping follows RFC 8259
    (backslash, quote, control characters); there is no per-row Python work.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def text(value: str) -> pa.Scalar:
        return pa.scalar(value, pa.large_string())

    pieces: list[object] = []
    for n, name in enumerate(frame.columns):
        cells = pa.array(frame.iloc[:, n].astype("string").fillna(""), type=pa.large_string())
        cells = pc.replace_substring(pc.replace_substring(cells, "\\", "\\\\"), '"', '\\"')
        if pc.any(pc.match_substring_regex(cells, _CONTROL.pattern)).as_py():
            for code in range(32):
                cells = pc.replace_substring(cells, chr(code), f"\\u{code:04x}")
        key = json.dumps(str(name), ensure_ascii=False) + ":" if names else ""
        pieces += [text(("," if n else "") + key + '"'), cells, text('"')]
    opening, closing = ("{", "}") if names else ("[", "]")
    if not pieces:
        return pd.Series(opening + closing, index=frame.index, dtype="string")
    joined = pc.binary_join_element_wise(text(opening), *pieces, text(closing), text(""))
    return pd.Series(joined.to_pandas(types_mapper=pd.ArrowDtype), index=frame.index).astype("string")


def _errors_for(text: pd.Series, bad: pd.Series, column: Column, what: str) -> pd.Series:
    errors = pd.Series(pd.NA, index=text.index, dtype="string")
    if bad.any():
        names = column[bad] if isinstance(column, pd.Series) else [column] * int(bad.sum())
        errors[bad] = [f"{c}: {_shown(v)} is not {what}" for c, v in zip(names, text[bad], strict=True)]
    return errors


def _by_lookup(raw: pd.Series, table: dict[str, float], column: Column, what: str) -> Cleaned:
    # answers hold a few distinct spellings: clean each once, then spread by the codes
    codes, uniques = pd.factorize(raw.astype("string"), use_na_sentinel=True)
    texts = as_text(pd.Series(uniques, dtype="string"))
    keys = texts.str.lower().str.replace(r"\s+", " ", regex=True)
    mapped = keys.map(table).astype("Float64")
    spread = np.append(mapped.to_numpy(dtype="float64", na_value=np.nan), np.nan)[codes]  # code -1: missing
    values = pd.Series(spread, index=raw.index, dtype="Float64")
    bad_codes = np.flatnonzero((texts.notna() & mapped.isna()).to_numpy())
    bad = pd.Series(np.isin(codes, bad_codes), index=raw.index)
    text = pd.Series(np.append(texts.to_numpy(dtype=object, na_value=None), [None])[codes], index=raw.index)
    return values, _errors_for(text, bad, column, what)


def answer_key(value: object) -> str:
    """An answer label reduced for a ``--map`` answers lookup: Unicode form, case and spaces."""
    if isinstance(value, bool):  # YAML 1.1 reads an unquoted Yes/No/On/Off key as a boolean
        value = "yes" if value else "no"
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip().casefold()


def relabel(raw: pd.Series, table: dict[str, str]) -> pd.Series:
    """Cells whose label is in ``table`` (keyed by ``answer_key``) replaced by the mapped answer."""
    if not table:
        return raw
    codes, uniques = pd.factorize(raw.astype("string"), use_na_sentinel=True)
    mapped = [table.get(answer_key(u), u) for u in uniques]
    spread = np.append(np.array(mapped, dtype=object), [None])[codes]  # code -1 (missing) stays missing
    return pd.Series(spread, index=raw.index, dtype="string")


def clean_yesno(raw: pd.Series, column: Column = "value") -> Cleaned:
    """Yes/no answers: ``Yes``, ``y``, ``TRUE``, ``1`` … → 1.0; ``No``, ``n``, ``0`` … → 0.0."""
    table = {k: 1.0 for k in YES} | {k: 0.0 for k in NO}
    return _by_lookup(raw, table, column, "a yes/no answer")


def _likert_table() -> dict[str, float]:
    table: dict[str, float] = {}
    for value, label in likert_labels().items():
        lab = label.lower()
        for key in (
            str(value),
            f"{value}.0",
            lab,
            f"{value} - {lab}",
            f"{value} {lab}",
            f"{value}. {lab}",
            f"{value} ({lab})",
            f"{value}: {lab}",
            f"{value} – {lab}",
        ):
            table[key] = float(value)
    table["neutral"] = 3.0
    table["3 - neutral"] = 3.0
    return table


_LIKERT = _likert_table()


def clean_likert(raw: pd.Series, column: Column = "value") -> Cleaned:
    """1–5 agreement: numbers or labels such as ``Agree`` → 1.0 … 5.0."""
    return _by_lookup(raw, _LIKERT, column, "a 1–5 rating")


def clean_percent(raw: pd.Series, column: Column = "value") -> Cleaned:
    """Progress 0–100, ``45`` or ``45%``."""
    text = as_text(raw)
    number = pd.to_numeric(text.str.rstrip("%").str.strip(), errors="coerce").astype("Float64")
    ok = number.notna() & (number >= 0) & (number <= 100)
    values = number.where(ok)
    bad = text.notna() & ~ok.fillna(False)
    return values, _errors_for(text, bad, column, "a percentage from 0 to 100")


def clean_choice(raw: pd.Series, choices: tuple[str, ...], column: Column = "value") -> Cleaned:
    """One of a fixed list; ``In progress`` → ``in_progress``."""
    text = as_text(raw)
    key = text.str.lower().str.replace(r"[\s-]+", "_", regex=True)
    ok = key.isin(list(choices))
    values = key.where(ok)
    bad = text.notna() & ~ok
    return values, _errors_for(text, bad, column, "one of " + ", ".join(choices))


def clean_text(raw: pd.Series, column: Column = "value") -> Cleaned:
    """Free text, stripped; never rejected."""
    text = as_text(raw)
    return text, pd.Series(pd.NA, index=raw.index, dtype="string")


def year_range() -> str:
    """The years a stored date may have, as the reasons and forms say them (``1900–2100``)."""
    chosen = workspace.settings()
    return f"{chosen.earliest_year}–{chosen.latest_year}"


def in_year_range(times: pd.Series) -> pd.Series:
    """True where a (naive) date-time's year is within the settings' years; missing stays False."""
    years = times.dt.year
    chosen = workspace.settings()
    return ((years >= chosen.earliest_year) & (years <= chosen.latest_year)).fillna(False).astype(bool)


def _out_of_range(text: pd.Series, parsed: pd.Series, column: Column) -> Cleaned:
    """Dates outside the settings' years set missing, with their reasons (every stored value reads back)."""
    outside = parsed.notna() & ~in_year_range(parsed)
    errors = _errors_for(text, outside, column, f"within the years {year_range()}")
    return parsed.mask(outside), errors


def clean_date(raw: pd.Series, column: Column = "value") -> Cleaned:
    """ISO dates (``2026-03-14``) → ``datetime64`` at midnight; a year outside the settings' range is refused."""
    text = as_text(raw)
    shaped = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)
    parsed = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce").astype("datetime64[us]")
    bad = text.notna() & parsed.isna()
    parsed, outside = _out_of_range(text, parsed, column)
    errors = _errors_for(text, bad, column, "an ISO date (YYYY-MM-DD)").fillna(outside)
    return parsed, errors


def clean_datetime(raw: pd.Series, column: Column = "value") -> Cleaned:
    """ISO date-times → naive UTC ``datetime64``; a time without a zone is UTC; a year outside the range is refused."""
    text = as_text(raw)
    shaped = text.str.fullmatch(
        r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?"
    ).fillna(False)
    parsed = pd.to_datetime(text.where(shaped), format="ISO8601", utc=True, errors="coerce")
    parsed = parsed.dt.tz_localize(None).astype("datetime64[us]")
    bad = text.notna() & parsed.isna()
    parsed, outside = _out_of_range(text, parsed, column)
    return parsed, _errors_for(text, bad, column, "an ISO date-time").fillna(outside)


def clean_email(raw: pd.Series, column: Column = "email") -> Cleaned:
    """E-mail addresses, lower-cased."""
    text = as_text(raw).str.lower()
    ok = text.str.fullmatch(EMAIL.pattern).fillna(False)
    bad = text.notna() & ~ok
    return text.where(ok), _errors_for(text, bad, column, "an e-mail address")


def clean_id(raw: pd.Series, column: Column = "id") -> Cleaned:
    """Ids of letters, digits, ``-`` and ``_`` (they become file names and URL parts)."""
    text = as_text(raw)
    ok = text.str.fullmatch(SAFE_ID.pattern).fillna(False)
    bad = text.notna() & ~ok
    return text.where(ok), _errors_for(text, bad, column, "an id (letters, digits, - and _)")


def cleaner_for(item: Item) -> Callable[[pd.Series, Column], Cleaned]:
    """The cleaner of an item's kind."""
    if item.kind == "choice":
        return lambda raw, column: clean_choice(raw, item.choices, column)
    return _BY_KIND[item.kind]


_BY_KIND: dict[str, Callable[[pd.Series, Column], Cleaned]] = {
    "yesno": clean_yesno,
    "likert5": clean_likert,
    "percent": clean_percent,
    "text": clean_text,
    "date": clean_date,
}


def clean_items(frame: pd.DataFrame, items: list[Item]) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    """Clean several item columns at once: items of one kind are stacked and cleaned together."""
    values: dict[str, pd.Series] = {}
    errors: dict[str, pd.Series] = {}
    groups: dict[tuple[str, tuple[str, ...]], list[Item]] = {}
    for item in items:
        groups.setdefault((item.kind, item.choices), []).append(item)
    for members in groups.values():
        cols = [i.id for i in members]
        block = pd.DataFrame(
            {c: frame[c] if c in frame.columns else pd.Series(pd.NA, index=frame.index) for c in cols},
            index=frame.index,
        ).astype("string")
        long = block.stack()
        names = pd.Series(long.index.get_level_values(1), index=long.index)
        got, errs = cleaner_for(members[0])(long, names)
        wide_values, wide_errors = got.unstack(), errs.unstack()
        for c in cols:
            values[c] = wide_values[c].reindex(frame.index) if c in wide_values else pd.Series(pd.NA, index=frame.index)
            errors[c] = (
                wide_errors[c].reindex(frame.index)
                if c in wide_errors
                else pd.Series(pd.NA, index=frame.index, dtype="string")
            )
    return values, errors


def first_error(errors: list[pd.Series], index: pd.Index) -> pd.Series:
    """Per row, the first reason among several columns' errors (missing when all clean)."""
    out = pd.Series(pd.NA, index=index, dtype="string")
    for err in errors:
        out = out.fillna(err)
    return out


def normalize_question(text: object) -> str:
    """A question's text reduced for matching: numbering, quotes, case, spaces, end marks."""
    s = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES).lower()
    s = re.sub(r"^\s*(q\s*)?\d+(\.\d+)*\s*[.):\-]?\s+", "", s)  # "3. ", "Q3) ", "1.2 - "
    s = re.sub(r"[\"']", "", s)
    s = re.sub(r"[\s\u00a0]+", " ", s).strip()
    return s.rstrip("?.!:* ").strip()


def is_blank(raw: pd.Series) -> pd.Series:
    """True where a cell is missing or only whitespace."""
    return as_text(raw).isna()


__all__ = [
    "clean_choice",
    "clean_date",
    "clean_datetime",
    "clean_email",
    "clean_id",
    "clean_likert",
    "clean_percent",
    "clean_text",
    "clean_yesno",
    "cleaner_for",
    "explain",
    "first_error",
    "in_year_range",
    "is_blank",
    "is_safe_id",
    "join_text",
    "json_records",
    "normalize_question",
    "relabel",
    "year_range",
]
