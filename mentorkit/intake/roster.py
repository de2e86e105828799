"""The roster's import: master data checked in the file and against the store, and written as versions.

A row of someone already on the roster that changes them is their next version; the same row
again changes nothing.
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy.engine import Connection

from mentorkit import instruments as ins
from mentorkit import store
from mentorkit.intake import checks, clean, files, resolve

ROSTER_COLUMNS = ["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on"]


def prepare_roster(
    canon: files.Canonical, conn: Connection, name: str
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """Clean roster rows; returns the frame, quarantine reasons, which rows change nothing and
    which name someone already on the roster (a change of theirs is an update).

    A row of someone on the roster is completed from their version in force: a column the file
    does not have (``department``, an attribute) keeps its value; a cell the file has, blank,
    clears it. The row then changes nothing when it equals that version.
    """
    out, reasons = _roster_file_checks(canon, name)
    stored = store.read_participants(conn)
    reasons = _roster_store_checks(out, reasons, stored)
    reasons = _name_held_mentors(conn, out, reasons, canon.frame["_row"], name)
    extra = _attribute_columns(canon.frame)
    out = _complete_from_store(out, stored, "department" in canon.frame.columns, extra)
    ident = _roster_signature(out)
    dup_id = _earlier_in_file(out["participant_id"])
    repeated = ident.duplicated(keep="first") & dup_id  # the same row again changes nothing
    stored_sig = _roster_signature(stored).set_axis(stored["participant_id"]) if not stored.empty else None
    same = out["participant_id"].map(stored_sig).eq(ident).fillna(False) if stored_sig is not None else False
    unchanged = same | repeated
    known = out["participant_id"].isin(stored["participant_id"])
    return out, reasons, unchanged & reasons.isna(), known


def _attribute_columns(frame: pd.DataFrame) -> list[str]:
    """A roster file's columns kept as attributes: every column but the template's."""
    return [c for c in frame.columns if c not in (*ROSTER_COLUMNS, "department", "_row", "_reject")]


def _complete_from_store(
    out: pd.DataFrame, stored: pd.DataFrame, has_department: bool, extra: list[str]
) -> pd.DataFrame:
    """Rows of people on the roster with what the file leaves out taken from their version in force."""
    if stored.empty:
        return out
    st = stored.set_index("participant_id")
    known = out["participant_id"].isin(st.index)
    if not known.any():
        return out
    out = out.copy()
    if not has_department:
        kept = out["participant_id"].map(st["department"]).astype("string")
        out["department"] = out["department"].astype("string").where(~known, kept)
    before = out["participant_id"].map(st["attributes"])
    file_attrs = out["attributes"] if "attributes" in out.columns else pd.Series(None, index=out.index, dtype=object)
    merged = []
    for is_known, old, new in zip(known, before, file_attrs, strict=True):
        given = new if isinstance(new, dict) else {}
        if not is_known:
            merged.append(given or None)
            continue
        had = old if isinstance(old, dict) else {}
        kept = {k: v for k, v in had.items() if k not in extra}  # columns the file has decide
        merged.append({**kept, **given} or None)
    out["attributes"] = pd.Series(merged, index=out.index, dtype=object)
    return out


def _roster_file_checks(canon: files.Canonical, name: str) -> tuple[pd.DataFrame, pd.Series]:
    """Roster rows cleaned, with the reasons found in the file alone (cells, and rows against each other)."""
    f = canon.frame
    checks.require_columns(f, ROSTER_COLUMNS, name)
    idx = f.index
    errors: list[pd.Series] = [checks.text_column(f, "_reject")]  # the file's reading found (a date in no order)
    out = pd.DataFrame(index=idx)
    for col in ("cohort_id", "participant_id", "mentor_id"):
        out[col], err = clean.clean_id(f[col], col)
        errors.append(err)
    errors += [checks.required(out["cohort_id"], "cohort_id"), checks.required(out["participant_id"], "participant_id")]
    role = clean.as_text(f["role"]).str.lower()
    errors.append(clean.explain(~role.isin(list(ins.ROLES)), "role: {!r} is not mentor or mentee", role))
    out["role"] = role
    out["name"] = clean.as_text(f["name"])
    out["email"], err = clean.clean_email(f["email"])
    errors.append(err)
    out["matched_on"], err = clean.clean_date(f["matched_on"], "matched_on")
    errors.append(err)
    out["department"] = checks.text_column(f, "department")
    extra = _attribute_columns(f)
    out["attributes"] = (
        [
            {k: v for k, v in r.items() if pd.notna(v) and v != ""} or None
            for r in f[extra].astype("string").to_dict("records")
        ]
        if extra
        else None
    )
    errors.append(clean.explain((role == "mentor") & out["mentor_id"].notna(), "a mentor row cannot name a mentor_id"))
    errors.append(
        clean.explain(
            out["mentor_id"].notna() & out["matched_on"].isna() & clean.is_blank(f["matched_on"]),
            "matched_on is required when mentor_id is given",
        )
    )
    errors.append(
        clean.explain(out["mentor_id"].isna() & out["matched_on"].notna(), "matched_on given but mentor_id is blank")
    )
    reasons = clean.first_error(errors, idx)
    # within the file: a participant_id or e-mail may appear once
    dup_id, dup_mail = _earlier_in_file(out["participant_id"]), _earlier_in_file(out["email"])
    ident = _roster_signature(out)
    same_as_earlier = ident.duplicated(keep="first")
    reasons = reasons.fillna(
        clean.explain(dup_id & ~same_as_earlier, "participant_id appears earlier in the file with other details")
    )
    reasons = reasons.fillna(clean.explain(dup_mail & ~dup_id, "email is used by another row of the file"))
    return out, reasons


def _roster_store_checks(out: pd.DataFrame, reasons: pd.Series, stored: pd.DataFrame) -> pd.Series:
    """Reasons found against the store (cohort, e-mail owner) and for mentors, for rows the file checks passed."""
    st = stored.set_index("participant_id")
    other_cohort = out["participant_id"].map(st["cohort_id"]).astype("string")
    elsewhere = other_cohort.notna() & (other_cohort != out["cohort_id"])
    reasons = reasons.fillna(clean.explain(elsewhere, "participant already enrolled in cohort {}", other_cohort))
    mail_owner = out["email"].map(stored.dropna(subset=["email"]).set_index("email")["participant_id"]).astype("string")
    reasons = reasons.fillna(
        clean.explain(
            mail_owner.notna() & (mail_owner != out["participant_id"]), "email belongs to another participant"
        )
    )
    # mentors must be mentors of the same cohort, in the file or the store
    ok = reasons.isna()
    mentors = (
        pd.concat(
            [
                out.loc[ok & (out["role"] == "mentor"), ["participant_id", "cohort_id"]],
                stored.loc[stored["role"] == "mentor", ["participant_id", "cohort_id"]],
            ]
        )
        .drop_duplicates("participant_id")
        .set_index("participant_id")["cohort_id"]
    )
    mentor_cohort = out["mentor_id"].map(mentors).astype("string")
    bad_mentor = out["mentor_id"].notna() & (mentor_cohort.isna() | (mentor_cohort != out["cohort_id"]))
    why = "mentor_id {!r} is not a mentor of cohort {}"
    reasons = reasons.fillna(clean.explain(bad_mentor, why, out["mentor_id"], out["cohort_id"]))
    return reasons


def _name_held_mentors(
    conn: Connection, out: pd.DataFrame, reasons: pd.Series, rows: pd.Series, name: str
) -> pd.Series:
    """A mentee whose mentor is not a mentor because the mentor's roster row was quarantined (in this
    file, else in an earlier import) says so, naming that row."""
    no_mentor = (
        reasons.str.contains(" is not a mentor of cohort ", regex=False).fillna(False) & out["mentor_id"].notna()
    )
    if not no_mentor.any():
        return reasons
    here = pd.DataFrame({"row": rows.astype("string"), "file": name, "reason": reasons}, index=out.index)
    here = here[reasons.notna()].set_axis(out.loc[reasons.notna(), "participant_id"]).dropna(subset=["reason"])
    here = here[here.index.notna() & ~here.index.duplicated(keep="first")]
    mentor = out["mentor_id"].where(no_mentor)
    held = pd.DataFrame({c: mentor.map(here[c]).astype("string") for c in ("row", "file", "reason")}, index=out.index)
    earlier = resolve.held_rows(conn, "participant", mentor.where(held["row"].isna()))
    held = held.fillna(earlier)
    named = held["row"].notna()
    template = "{}: " + resolve.HELD_ROSTER_ROW
    return reasons.mask(named, clean.explain(named, template, reasons, held["row"], held["file"], held["reason"]))


def _earlier_in_file(values: pd.Series) -> pd.Series:
    """True where a value is given and an earlier row of the file has it too."""
    return values.notna() & values.duplicated(keep="first")


def _roster_signature(frame: pd.DataFrame) -> pd.Series:
    """A roster row as one text: every field, attributes included (as sorted JSON)."""
    cols = ["participant_id", "cohort_id", "role", "name", "email", "mentor_id", "matched_on", "department"]
    parts = [frame[c].astype("string").fillna("") for c in cols]
    attrs = frame["attributes"] if "attributes" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    parts.append(
        pd.Series(
            [json.dumps(a, sort_keys=True) if isinstance(a, dict) and a else "" for a in attrs],
            index=frame.index,
            dtype="string",
        )
    )
    return parts[0].str.cat(parts[1:], sep="\x1f")


def write_roster(
    conn: Connection, storable: files.Canonical, unstorable: pd.Series, file_name: str, import_id: int
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Roster rows checked and written as versions, in the open transaction.

    ``unstorable`` holds, on the file's index, the reasons of the rows the store cannot hold
    (``storable`` leaves them out). Returns, per row of the file: its quarantine reason, and
    whether it added a person, updated one (their next version) or changed nothing.
    """
    index = unstorable.index
    out, reasons, unchanged, known = prepare_roster(storable, conn, file_name)
    out, reasons = out.reindex(index), unstorable.fillna(reasons.reindex(index))
    unchanged = unchanged.reindex(index, fill_value=False)
    known = known.reindex(index, fill_value=False)
    ok = reasons.isna()
    changes = ok & ~unchanged
    accept, update = changes & ~known, changes & known
    store.ensure_cohorts(conn, out.loc[accept, "cohort_id"])
    store.upsert_participants(conn, out[changes], import_id)
    return reasons, accept, update, ok & unchanged
