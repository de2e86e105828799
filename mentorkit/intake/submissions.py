"""An instrument's rows checked and cleaned for the store: resolved, items cleaned, a dedupe key each.

Every row ends with its cleaned columns and, where it cannot be stored, the first reason why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from mentorkit import frames, store
from mentorkit import instruments as ins
from mentorkit.intake import checks, clean, files, resolve


def _few_values_as_text(col: pd.Series) -> pd.Series:
    """``col.astype("string")``, formatting each distinct value once (answers have few)."""
    if isinstance(col.dtype, pd.StringDtype):
        return col
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    texts = pd.Series(uniques).astype("string").to_numpy(dtype=object, na_value=None)
    looked_up = np.append(texts, [None])[codes]  # code -1 (missing) picks the appended None
    return pd.Series(looked_up, index=col.index, dtype="string")


def _dedupe_keys(frame: pd.DataFrame, instrument: ins.Instrument, keyed: pd.Series | None) -> pd.Series:
    parts = [
        frame["participant_id"].astype("string").fillna(""),
        _few_values_as_text(frame["pair_id"]).fillna(""),
        frame["goal_id"].astype("string").fillna(""),
        frames.iso_text(frame["submitted_at"]).fillna(""),
    ]
    for item in instrument.items:
        col = frame[item.id]
        if item.kind == "date" and pd.api.types.is_datetime64_any_dtype(col):  # (not when no row has a date)
            col = frames.iso_text(col, unit="D")
        parts.append(_few_values_as_text(col).fillna("\x00"))
    sha = hashlib.sha256
    content = pd.Series(
        ["c:" + sha(s.encode("utf-8")).hexdigest()[:40] for s in clean.join_text(parts, "\x1f")],
        index=frame.index,
        dtype="string",
    )
    if keyed is not None:
        content = ("r:" + keyed).where(keyed.notna(), content)
    return content.astype("string")


def _goal_dates(out: pd.DataFrame) -> list[pd.Series]:
    """After item cleaning, a goal's dates: the target not before the start, which also dates the row."""
    out["submitted_at"] = out["submitted_at"].fillna(out["start_date"])
    return [clean.explain((out["target_date"] < out["start_date"]).fillna(False), "target_date is before start_date")]


AFTER_ITEMS: dict[str, Callable[[pd.DataFrame], list[pd.Series]]] = {"goals": _goal_dates}


def prepare_submissions(
    canon: files.Canonical, instrument: ins.Instrument, conn: Connection, name: str = "file"
) -> tuple[pd.DataFrame, pd.Series]:
    """Clean rows of an instrument; returns the cleaned frame and, per row, a quarantine reason."""
    f = canon.frame
    roster = resolve.roster_index(conn, f)
    all_pairs = store.read_all_pairs(conn) if instrument.subject != "none" else None
    cx = resolve.ResolverInput(f, instrument, conn, name, roster, all_pairs)
    errors: list[pd.Series] = []
    if "_reject" in f.columns:  # the source knows this row is not an answer (e.g. a survey preview)
        errors.append(f["_reject"].astype("string"))
    out, found = resolve.resolver_for(instrument)(cx)
    errors += found
    out["cohort_id"] = out["participant_id"].map(roster.set_index("participant_id")["cohort_id"]).astype("string")
    return _finish_rows(canon, instrument, out, errors)


def _finish_rows(
    canon: files.Canonical, instrument: ins.Instrument, out: pd.DataFrame, errors: list[pd.Series]
) -> tuple[pd.DataFrame, pd.Series]:
    """The tail every instrument shares: items cleaned and checked, dedupe key, flags, the raw row."""
    f, idx = canon.frame, canon.frame.index
    cleaned, item_errors = clean.clean_items(f, list(instrument.items))
    for item in instrument.items:
        values, errs = cleaned[item.id], item_errors[item.id]
        out[item.id] = values
        errors.append(errs)
        if item.required:
            errors.append(clean.explain(values.isna() & errs.isna(), f"{item.id} is required"))
    if instrument.id in AFTER_ITEMS:
        errors += AFTER_ITEMS[instrument.id](out)
    if instrument.scoring in ("readiness", "checkin"):
        scored = [i.id for i in instrument.scored_items]
        errors.append(clean.explain(out[scored].notna().sum(axis=1) == 0, "no answers"))
    reasons = clean.first_error(errors, idx)
    keyed = checks.text_column(f, "response_id") if "response_id" in f.columns else None
    out["dedupe_key"] = _dedupe_keys(out, instrument, keyed)
    names = pd.Series("", index=idx, dtype="string")
    for key, flag in canon.flags.items():
        names = names + np.where(flag.reindex(idx).fillna(False).astype(bool), key + ",", "")
    out["flags"] = names.str.rstrip(",").replace("", pd.NA)
    # the row as the file had it: its cells as a JSON array (the import keeps the column names)
    out["raw"] = clean.json_records(canon.raw, names=False).to_numpy()
    return out, reasons
