"""Import: validate and clean rows, account for every one, write them in one transaction.

Every row read ends *accepted*, *duplicate* or *quarantined* with a reason. Forms use the same
path (``submit_rows``) as files, so there is one validation and one writer.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection, Engine

from mentorkit import frames, outputs, store
from mentorkit import instruments as ins
from mentorkit.errors import DISK_FULL, ImportStoredError, InputFileError, UsageError
from mentorkit.intake import clean, files

KINDS = ("roster", *ins.instruments())
Progress = Callable[[str], None]  # told each stage of an import as it starts
PERSON_COLUMNS = ("participant_id", "email")


@dataclass(frozen=True)
class ImportResult:
    """The accounting of one import: read = accepted + updated + duplicates + quarantined."""

    instrument: str
    source: str
    read: int
    accepted: int
    duplicates: int
    quarantined: int
    quarantine_file: Path | None = None
    flags: dict[str, int] = field(default_factory=dict)
    receipts: tuple[int, ...] = ()  # submission ids of accepted rows, in row order
    reasons: tuple[tuple[int, str], ...] = ()  # (row number in the file, reason) of each quarantined row
    updated: int = 0  # roster rows that changed a person already on the roster (a new version)

    def summary(self) -> str:
        """The one-line summary the CLI prints (a roster import's also says how many people it updated)."""
        updated = f", updated {self.updated}" if self.instrument == "roster" else ""
        line = (
            f"read {self.read}, accepted {self.accepted}{updated}, duplicates {self.duplicates}, "
            f"quarantined {self.quarantined}"
        )
        return line


# --- row checks --------------------------------------------------------------------------------


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return clean.as_text(frame[column])


def _require_columns(frame: pd.DataFrame, needed: list[str], name: str, any_of: tuple[str, ...] = ()) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if any_of and not any(c in frame.columns for c in any_of):
        missing.append(" or ".join(any_of))
    if missing:
        raise InputFileError(
            f"{name}: missing required column(s): {', '.join(missing)} "
            "(use the template's columns, see the README, or --source for a survey tool's export)"
        )


ROSTER_LOOKUP_ROWS = 500  # up to this many rows, read only the roster rows they name
PERSON_REFERENCES = (
    "participant_id",
    "email",
    "about",
    "reported_by",
    "mentor_id",
    "mentee_id",
)  # every column that can name a person


def _roster_index(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """The roster rows a file's validation needs: for a form or a small file, only the people it
    names (by id or e-mail) and their mentees; for a large file, the whole roster in one read."""
    if len(frame) > ROSTER_LOOKUP_ROWS:
        return store.read_participants(conn)[["participant_id", "cohort_id", "role", "email", "mentor_id"]]
    columns = [clean.as_text(frame[c]) for c in PERSON_REFERENCES if c in frame.columns]
    named = pd.concat(columns).dropna().unique() if columns else []
    emails = {v.lower() for v in named if "@" in v}
    return store.read_people(conn, set(named) - emails, emails)


def resolve_people(
    ids: pd.Series, emails: pd.Series, roster: pd.DataFrame, what: str = "participant_id"
) -> tuple[pd.Series, pd.Series]:
    """Roster participant ids from ids and/or e-mails (case-insensitive); reasons for the rest."""
    pid, pid_err = clean.clean_id(ids, what)
    mail, mail_err = clean.clean_email(emails, "email")
    by_email = roster.dropna(subset=["email"]).set_index("email")["participant_id"]
    from_mail = mail.map(by_email).astype("string")
    reasons = clean.first_error([pid_err, mail_err], ids.index)
    unknown_id = pid.notna() & ~pid.isin(roster["participant_id"])
    reasons = reasons.fillna(clean.explain(unknown_id, what + " {!r} is not on the roster", pid))
    unknown_mail = pid.isna() & mail.notna() & from_mail.isna()
    reasons = reasons.fillna(clean.explain(unknown_mail, "email {!r} is not on the roster", mail))
    clash = pid.notna() & from_mail.notna() & (pid != from_mail)
    reasons = reasons.fillna(clean.explain(clash, f"{what} and email name different people"))
    nobody = pid.isna() & mail.isna() & ids.index.to_series().notna()
    reasons = reasons.fillna(clean.explain(nobody & reasons.isna(), f"no {what} or email"))
    person = pid.fillna(from_mail)
    return person.where(reasons.isna()), reasons


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
        if item.kind == "date":
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


@dataclass(frozen=True)
class ResolverInput:
    """What every resolver may use: the rows, their instrument, the store and the roster rows they name."""

    frame: pd.DataFrame
    instrument: ins.Instrument
    conn: Connection
    name: str
    roster: pd.DataFrame
    all_pairs: pd.DataFrame | None  # every pair ever matched, for instruments about a pair or goal

    @property
    def items_needed(self) -> list[str]:
        return [i.id for i in self.instrument.items if not i.optional]


Resolved = tuple[pd.DataFrame, list[pd.Series]]  # participant_id, pair_id, goal_id, submitted_at; reasons
Resolver = Callable[[ResolverInput], Resolved]


def _goal_rows(cx: ResolverInput) -> Resolved:
    """The mentoring agreement: a goal named by its pair's mentor_id and mentee_id."""
    f, idx = cx.frame, cx.frame.index
    _require_columns(f, ["goal_id", "mentor_id", "mentee_id", *cx.items_needed], cx.name)
    assert cx.all_pairs is not None  # read for every instrument about a pair or goal
    goal, goal_err = clean.clean_id(f["goal_id"], "goal_id")
    mentor, mentor_err = clean.clean_id(f["mentor_id"], "mentor_id")
    mentee, mentee_err = clean.clean_id(f["mentee_id"], "mentee_id")
    errors = [
        goal_err,
        mentor_err,
        mentee_err,
        _missing(goal, "goal_id"),
        _missing(mentor, "mentor_id"),
        _missing(mentee, "mentee_id"),
    ]
    keyed = cx.all_pairs.set_index(["mentor_id", "mentee_id"])["pair_id"]
    pair_ids = pd.Series(
        [keyed.get((m, e)) if pd.notna(m) and pd.notna(e) else None for m, e in zip(mentor, mentee, strict=True)],
        index=idx,
        dtype="Float64",
    )
    errors.append(
        clean.explain(
            pair_ids.isna() & mentor.notna() & mentee.notna(),
            "mentor_id and mentee_id are not a pair on the roster",
        )
    )
    registered = store.read_goals(cx.conn, goal.dropna().unique().tolist()).set_index("goal_id")["pair_id"]
    other = goal.map(registered).astype("Float64")
    errors.append(
        clean.explain(other.notna() & pair_ids.notna() & (other != pair_ids), "goal_id already belongs to another pair")
    )
    first_pair = pd.DataFrame({"g": goal, "p": pair_ids}).dropna().drop_duplicates("g").set_index("g")["p"]
    errors.append(
        clean.explain(
            goal.map(first_pair).astype("Float64").ne(pair_ids).fillna(False),
            "goal_id is used for another pair earlier in the file",
        )
    )
    sub, sub_err = clean.clean_datetime(_text(f, "submitted_at"), "submitted_at")
    errors.append(sub_err)
    out = pd.DataFrame({"participant_id": mentee, "pair_id": pair_ids, "goal_id": goal, "submitted_at": sub}, index=idx)
    return out, errors


def _goal_update_rows(cx: ResolverInput) -> Resolved:
    """A goal update: a known goal, reported by one side of its pair."""
    f, idx = cx.frame, cx.frame.index
    _require_columns(f, ["goal_id", "reported_by", "reported_at", *cx.items_needed], cx.name)
    goal, goal_err = clean.clean_id(f["goal_id"], "goal_id")
    errors = [goal_err, _missing(goal, "goal_id")]
    registered = store.read_goals(cx.conn, goal.dropna().unique().tolist()).set_index("goal_id")
    pair_ids = goal.map(registered["pair_id"]).astype("Float64")
    errors.append(clean.explain(goal.notna() & pair_ids.isna(), "goal_id {!r} is not a known goal", goal))
    by = _text(f, "reported_by")
    is_mail = by.str.contains("@", regex=False).fillna(False)
    person, person_err = resolve_people(by.where(~is_mail), by.where(is_mail), cx.roster, "reported_by")
    errors.append(person_err.where(by.notna()))
    errors.append(_missing(by, "reported_by"))
    assert cx.all_pairs is not None  # read for every instrument about a pair or goal
    pairs_by_id = cx.all_pairs.set_index("pair_id")
    in_pair = [
        pd.isna(p) or pd.isna(who) or who in (pairs_by_id.at[int(p), "mentor_id"], pairs_by_id.at[int(p), "mentee_id"])
        for p, who in zip(pair_ids, person, strict=True)
    ]
    errors.append(clean.explain(~pd.Series(in_pair, index=idx), "reported_by is not part of the goal's pair"))
    sub, sub_err = clean.clean_datetime(f["reported_at"], "reported_at")
    errors += [sub_err, _missing(sub, "reported_at")]
    out = pd.DataFrame({"participant_id": person, "pair_id": pair_ids, "goal_id": goal, "submitted_at": sub}, index=idx)
    return out, errors


def _answer_by_person(cx: ResolverInput) -> tuple[pd.DataFrame, list[pd.Series], pd.Series]:
    """An answer by a person named by id or e-mail, of the instrument's role; also returns their roles."""
    f, idx, instrument, roster = cx.frame, cx.frame.index, cx.instrument, cx.roster
    _require_columns(f, ["submitted_at", *cx.items_needed], cx.name, any_of=PERSON_COLUMNS)
    person, person_err = resolve_people(_text(f, "participant_id"), _text(f, "email"), roster)
    errors = [person_err]
    role = person.map(roster.set_index("participant_id")["role"]).astype("string")
    if instrument.role in ins.ROLES:
        wrong_role = role.notna() & (role != instrument.role)
        why = f"{{}} is a {{}}; {instrument.title.lower()} is for {instrument.role}s"  # title: instruments.yaml
        errors.append(clean.explain(wrong_role, why, person, role))
    sub, sub_err = clean.clean_datetime(f["submitted_at"], "submitted_at")
    errors += [sub_err, _missing(sub, "submitted_at")]
    out = pd.DataFrame(
        {"participant_id": person, "goal_id": pd.Series(pd.NA, index=idx, dtype="string"), "submitted_at": sub},
        index=idx,
    )
    return out, errors, role


def _person_rows(cx: ResolverInput) -> Resolved:
    """An answer about the person themself (the readiness checklists)."""
    out, errors, _role = _answer_by_person(cx)
    out["pair_id"] = pd.Series(pd.NA, index=out.index, dtype="Float64")
    return out, errors


def _pair_rows(cx: ResolverInput) -> Resolved:
    """An answer about the person's mentoring pair (the check-in): found from their role and ``about``."""
    out, errors, role = _answer_by_person(cx)
    assert cx.all_pairs is not None  # read for every instrument about a pair or goal
    pair_ids, pair_err = _resolve_pairs(out["participant_id"], role, _text(cx.frame, "about"), cx.roster, cx.all_pairs)
    errors.append(pair_err)
    out["pair_id"] = pair_ids
    return out, errors


def _goal_dates(out: pd.DataFrame) -> list[pd.Series]:
    """After item cleaning, a goal's dates: the target not before the start, which also dates the row."""
    out["submitted_at"] = out["submitted_at"].fillna(out["start_date"])
    return [clean.explain((out["target_date"] < out["start_date"]).fillna(False), "target_date is before start_date")]


# one resolver per instrument subject (an instrument id may have its own, as the agreement does)
RESOLVERS: dict[str, Resolver] = {
    "goals": _goal_rows,
    "goal": _goal_update_rows,
    "pair": _pair_rows,
    "none": _person_rows,
}
# rules that need the cleaned items, by instrument id: they may complete columns and return reasons
AFTER_ITEMS: dict[str, Callable[[pd.DataFrame], list[pd.Series]]] = {"goals": _goal_dates}


def resolver_for(instrument: ins.Instrument) -> Resolver:
    """The resolver of an instrument: its own by id, else its subject's."""
    found = RESOLVERS.get(instrument.id) or RESOLVERS.get(instrument.subject)
    if found is None:
        raise UsageError(f"no resolver for instrument {instrument.id!r} (subject {instrument.subject!r})")
    return found


def prepare_submissions(
    canon: files.Canonical, instrument: ins.Instrument, conn: Connection, name: str = "file"
) -> tuple[pd.DataFrame, pd.Series]:
    """Clean rows of an instrument; returns the cleaned frame and, per row, a quarantine reason."""
    f = canon.frame
    roster = _roster_index(conn, f)
    all_pairs = store.read_all_pairs(conn) if instrument.subject != "none" else None
    cx = ResolverInput(f, instrument, conn, name, roster, all_pairs)
    errors: list[pd.Series] = []
    if "_reject" in f.columns:  # the source knows this row is not an answer (e.g. a survey preview)
        errors.append(f["_reject"].astype("string"))
    out, found = resolver_for(instrument)(cx)
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
    keyed = _text(f, "response_id") if "response_id" in f.columns else None
    out["dedupe_key"] = _dedupe_keys(out, instrument, keyed)
    names = pd.Series("", index=idx, dtype="string")
    for key, flag in canon.flags.items():
        names = names + np.where(flag.reindex(idx).fillna(False).astype(bool), key + ",", "")
    out["flags"] = names.str.rstrip(",").replace("", pd.NA)
    # the row as the file had it: its cells as a JSON array (the import keeps the column names)
    out["raw"] = clean.json_records(canon.raw, names=False).to_numpy()
    return out, reasons


def _missing(values: pd.Series, column: str) -> pd.Series:
    return clean.explain(values.isna(), f"{column} is required")


def _resolve_pairs(
    person: pd.Series, role: pd.Series, about: pd.Series, roster: pd.DataFrame, all_pairs: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """The pair a check-in is about: a mentee's current mentor; a mentor's only mentee or ``about``."""
    current = roster[roster["mentor_id"].notna()]
    by_pair = all_pairs.set_index(["mentor_id", "mentee_id"])["pair_id"]
    mentees_of = current.groupby("mentor_id")["participant_id"].agg(list)
    mentor_of = current.set_index("participant_id")["mentor_id"]
    pair_ids: list[float | None] = []
    reasons: list[str | None] = []
    for who, r, ab in zip(person, role, about, strict=True):
        pid, why = None, None
        if pd.isna(who):
            pass
        elif r == "mentee":
            mentor = mentor_of.get(who)
            if mentor is None:
                why = f"{who} is not paired with a mentor"
            elif pd.notna(ab) and ab != mentor:
                why = f"about {ab!r} is not {who}'s mentor"
            else:
                pid = by_pair.get((mentor, who))
        else:
            mine = mentees_of.get(who, [])
            if pd.notna(ab):
                pid = by_pair.get((who, ab))
                if pid is None:
                    why = f"about {ab!r} is not a mentee of {who}"
            elif len(mine) == 1:
                pid = by_pair.get((who, mine[0]))
            elif not mine:
                why = f"{who} has no mentee"
            else:
                why = f"about is needed: {who} mentors {len(mine)} mentees"
        pair_ids.append(None if pid is None else float(pid))
        reasons.append(why)
    return (
        pd.Series(pair_ids, index=person.index, dtype="Float64"),
        pd.Series(reasons, index=person.index, dtype="string"),
    )


# --- roster ------------------------------------------------------------------------------------

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
    extra = _attribute_columns(canon.frame)
    out = _complete_from_store(out, stored, "department" in canon.frame.columns, extra)
    ident = _roster_signature(out)
    dup_id = out["participant_id"].notna() & out["participant_id"].duplicated(keep="first")
    repeated = ident.duplicated(keep="first") & dup_id  # the same row again changes nothing
    stored_sig = _roster_signature(stored).set_axis(stored["participant_id"]) if not stored.empty else None
    same = out["participant_id"].map(stored_sig).eq(ident).fillna(False) if stored_sig is not None else False
    unchanged = same | repeated
    known = out["participant_id"].isin(stored["participant_id"])
    return out, reasons, unchanged & reasons.isna(), known


def _attribute_columns(frame: pd.DataFrame) -> list[str]:
    """A roster file's columns kept as attributes: every column but the template's."""
    return [c for c in frame.columns if c not in (*ROSTER_COLUMNS, "department", "_row")]


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
    _require_columns(f, ROSTER_COLUMNS, name)
    idx = f.index
    errors: list[pd.Series] = []
    out = pd.DataFrame(index=idx)
    for col in ("cohort_id", "participant_id", "mentor_id"):
        out[col], err = clean.clean_id(f[col], col)
        errors.append(err)
    errors += [_missing(out["cohort_id"], "cohort_id"), _missing(out["participant_id"], "participant_id")]
    role = clean.as_text(f["role"]).str.lower()
    errors.append(clean.explain(~role.isin(list(ins.ROLES)), "role: {!r} is not mentor or mentee", role))
    out["role"] = role
    out["name"] = clean.as_text(f["name"])
    out["email"], err = clean.clean_email(f["email"])
    errors.append(err)
    out["matched_on"], err = clean.clean_date(f["matched_on"], "matched_on")
    errors.append(err)
    out["department"] = _text(f, "department")
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
    dup_id = out["participant_id"].notna() & out["participant_id"].duplicated(keep="first")
    dup_mail = out["email"].notna() & out["email"].duplicated(keep="first")
    ident = _roster_signature(out)
    same_as_earlier = ident.duplicated(keep="first")
    reasons = reasons.fillna(
        clean.explain(dup_id & ~same_as_earlier, "participant_id appears earlier in the file with other details")
    )
    reasons = reasons.fillna(clean.explain(dup_mail & ~dup_id, "email is used by another row of the file"))
    return out, reasons


def _roster_store_checks(out: pd.DataFrame, reasons: pd.Series, stored: pd.DataFrame) -> pd.Series:
    """Reasons found against the store (cohort, e-mail owner) and for mentors, for rows the file checks passed."""
    idx = out.index
    st = stored.set_index("participant_id")
    other_cohort = out["participant_id"].map(st["cohort_id"]).astype("string")
    reasons = reasons.fillna(
        pd.Series(
            [f"participant already enrolled in cohort {c}" for c in other_cohort], index=idx, dtype="string"
        ).where(other_cohort.notna() & (other_cohort != out["cohort_id"]))
    )
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
    reasons = reasons.fillna(
        pd.Series(
            [
                f"mentor_id {m!r} is not a mentor of cohort {c}"
                for m, c in zip(out["mentor_id"], out["cohort_id"], strict=True)
            ],
            index=idx,
            dtype="string",
        ).where(bad_mentor)
    )
    return reasons


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


# --- the import --------------------------------------------------------------------------------


def import_file(
    engine: Engine,
    path: str | os.PathLike[str],
    kind: str,
    *,
    source: str = "auto",
    mapping: str | os.PathLike[str] | None = None,
    timezone: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a CSV/XLSX file of one instrument (or the roster) in one transaction.

    ``timezone`` is the zone of export times that carry none; given, it also wins over the zone a
    Qualtrics export names. ``progress`` is told each stage of the work as it starts (the CLI
    prints them). A problem with the file as a whole raises ``InputFileError`` naming the file.
    """
    say = progress or (lambda _stage: None)
    from mentorkit.intake import survey_tools as exports  # registers the survey-tool sources

    if kind not in KINDS:
        raise UsageError(f"unknown instrument {kind!r}; choose one of: {', '.join(KINDS)}")
    if timezone is not None:
        exports.parse_zone_option(timezone)
    name = Path(path).name
    try:
        say(f"reading {name}")
        table = files.read_raw(path)
        src = files.detect(table, source)
        instrument = None if kind == "roster" else ins.get(kind)
        questions, answers = files.load_map(mapping)
        canon = src.convert(table, instrument, questions, timezone)
        if answers and instrument is not None:
            relabel_answers(canon, instrument, answers)
        say(f"{len(canon.frame):,} rows ({src.title}): checking and cleaning")
        return import_canonical(engine, canon, kind, file_name=name, progress=say)
    except InputFileError as exc:
        raise exc.about(name) from None


def relabel_answers(canon: files.Canonical, instrument: ins.Instrument, answers: dict[str, str]) -> None:
    """Answer labels of another language (the ``answers:`` of a ``--map`` file) → mentorkit's answers."""
    for item in instrument.items:
        if item.kind in ("yesno", "likert5", "choice") and item.id in canon.frame.columns:
            canon.frame[item.id] = clean.relabel(canon.frame[item.id], answers)


def import_canonical(
    engine: Engine,
    canon: files.Canonical,
    kind: str,
    *,
    file_name: str,
    progress: Progress | None = None,
    channel: str = "import",
) -> ImportResult:
    """Import rows already in the template's columns (files, forms); ``channel`` says how they came in.

    The quarantine file is written under a pending name before the transaction commits and renamed
    after: a failure before the commit stores nothing, one after it says what was stored.
    """
    staged: tuple[Path, Path] | None = None
    try:
        with store.retrying(engine) as conn:
            import_id, result, reasons = _write_rows(conn, canon, kind, file_name, progress, channel)
            if result.quarantined:
                staged = _stage_quarantine(engine, canon, reasons, kind, file_name, import_id)
    except BaseException:
        _discard(staged)  # the transaction did not commit: nor does its quarantine file
        raise
    if staged is None:
        return result
    return replace(result, quarantine_file=_publish_quarantine(staged, result, file_name))


def _write_rows(
    conn: Connection, canon: files.Canonical, kind: str, file_name: str, progress: Progress | None, channel: str
) -> tuple[int, ImportResult, pd.Series]:
    """The rows checked and written in the open transaction; the import's id, its accounting and each row's reason."""
    import_id = store.record_import(
        conn,
        instrument=kind,
        source=canon.source,
        file_name=file_name,
        rows_read=len(canon.frame),
        raw_columns=[files.show_bytes(str(c)) for c in canon.raw.columns],
        accepted=0,
        duplicates=0,
        quarantined=0,
    )
    # rows with a NUL or bytes that are not UTF-8 are quarantined before any check looks at them
    unstorable = files.byte_problems(canon.raw, canon.frame)
    storable = _rows(canon, unstorable.isna()) if unstorable.notna().any() else canon
    index = canon.frame.index
    if kind == "roster":
        out, reasons, unchanged, known = prepare_roster(storable, conn, file_name)
        out, reasons = out.reindex(index), unstorable.fillna(reasons.reindex(index))
        unchanged = unchanged.reindex(index, fill_value=False)
        known = known.reindex(index, fill_value=False)
        ok = reasons.isna()
        changes = ok & ~unchanged
        accept, update = changes & ~known, changes & known
        store.ensure_cohorts(conn, out.loc[accept, "cohort_id"])
        store.upsert_participants(conn, out[changes], import_id)
        dup = ok & unchanged
        receipts: tuple[int, ...] = ()
    else:
        instrument = ins.get(kind)
        out, reasons = prepare_submissions(storable, instrument, conn, file_name)
        out, reasons = out.reindex(index), unstorable.fillna(reasons.reindex(index))
        ok = reasons.isna()
        in_file_dup = ok & out["dedupe_key"].duplicated(keep="first")
        # rows already in the store are skipped by the insert itself (unique key, ON CONFLICT)
        fresh = ok & ~in_file_dup
        if progress:
            progress(f"writing {int(fresh.sum()):,} submissions in one transaction")
        if instrument.id in BEFORE_WRITE:
            BEFORE_WRITE[instrument.id](conn, out[fresh])
        ids = store.append_submissions(conn, out[fresh], instrument, canon.source, import_id, channel)
        accept = ids.reindex(out.index).notna()
        dup = ok & ~accept
        update = pd.Series(False, index=out.index)
        receipts = tuple(int(i) for i in ids.dropna())
    result = ImportResult(
        instrument=kind,
        source=canon.source,
        read=len(out),
        accepted=int(accept.sum()),
        updated=int(update.sum()),
        duplicates=int(dup.sum()),
        quarantined=int((~ok).sum()),
        flags={k: int(v.reindex(out.index).fillna(False).astype(bool)[accept].sum()) for k, v in canon.flags.items()},
        receipts=receipts,
        reasons=_reasons(canon, reasons),
    )
    store.finish_import(
        conn,
        import_id,
        accepted=result.accepted,
        updated=result.updated,
        duplicates=result.duplicates,
        quarantined=result.quarantined,
    )
    assert result.read == result.accepted + result.updated + result.duplicates + result.quarantined
    return import_id, result, reasons


def _rows(canon: files.Canonical, keep: pd.Series) -> files.Canonical:
    """The rows of a file that ``keep`` marks, with their raw cells and flags."""
    return replace(
        canon,
        frame=canon.frame[keep],
        raw=canon.raw[keep],
        flags={k: v.reindex(keep.index)[keep] for k, v in canon.flags.items()},
    )


def _reasons(canon: files.Canonical, reasons: pd.Series) -> tuple[tuple[int, str], ...]:
    """(row number, reason) of each quarantined row, in file order."""
    bad = reasons.notna()
    rows = canon.frame.loc[bad, "_row"]
    return tuple((int(r), str(why)) for r, why in zip(rows, reasons[bad], strict=True))


def _register_goals(conn: Connection, accepted: pd.DataFrame) -> None:
    """Accepted agreement rows register (or reword) their goal before the answers are written."""
    store.ensure_goals(conn, accepted.assign(pair_id=accepted["pair_id"].astype("Int64")))


# what an instrument's accepted rows need in the store before they are written, by instrument id
BEFORE_WRITE: dict[str, Callable[[Connection, pd.DataFrame], None]] = {"goals": _register_goals}


def _stage_quarantine(
    engine: Engine, canon: files.Canonical, reasons: pd.Series, kind: str, file_name: str, import_id: int
) -> tuple[Path, Path]:
    """The quarantine file written under a pending name; (pending, final) paths.

    Raises ``InputFileError`` (the transaction then rolls back: nothing is stored) when it cannot be written.
    """
    bad = reasons.notna()
    frame = canon.raw[bad].astype("string")
    for pos in range(frame.shape[1]):  # NULs and stray bytes written out as \x00 / \xe9
        if frame.iloc[:, pos].str.contains(files.UNSTORABLE.pattern, regex=True).any():
            frame.iloc[:, pos] = frame.iloc[:, pos].str.replace(files.UNSTORABLE, files.show_match, regex=True)
    frame.columns = [files.show_bytes(str(c)) for c in frame.columns]
    frame.insert(0, "reason", reasons[bad].to_numpy())
    frame.insert(0, "row", canon.frame.loc[bad, "_row"].to_numpy())
    # named by content: re-importing the same file rewrites the same quarantine file
    digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()[:10]
    path = store.data_dir(engine) / "quarantine" / f"{kind}-{outputs.safe_stem(file_name)}-{digest}.csv"
    pending = path.with_name(f".{path.name}.{import_id}.pending")
    try:  # the pending name is this import's own temporary file: renamed into place after the commit
        pending.parent.mkdir(parents=True, exist_ok=True)
        outputs.write_csv_to(pending, frame)
    except OSError as exc:
        why = "the disk is full (no space left on the device)" if exc.errno in DISK_FULL else exc.strerror or exc
        raise InputFileError(f"cannot write the quarantine file in {path.parent}: {why}; nothing was stored") from None
    return pending, path


def _discard(staged: tuple[Path, Path] | None) -> None:
    """The pending quarantine file of an import that did not commit is removed."""
    if staged is not None:
        staged[0].unlink(missing_ok=True)


def _publish_quarantine(staged: tuple[Path, Path], result: ImportResult, file_name: str) -> Path:
    """After the commit: the pending quarantine file renamed into place; if that fails, an error
    that says what was stored and where the reasons are."""
    pending, path = staged
    try:
        os.replace(pending, path)
    except OSError as exc:
        raise ImportStoredError(
            f"{file_name}: stored {result.summary()}; the quarantine file could not be named {path.name} "
            f"({exc.strerror or exc}): the reasons are in {pending}"
        ) from None
    return path


def submit_rows(
    engine: Engine,
    kind: str,
    rows: Sequence[Mapping[str, object]],
    source: str = "form",
    channel: str = "workshop",
) -> ImportResult:
    """Store rows given as dicts in the template's columns (the forms' path into the store).

    ``channel`` is how the person was identified: ``link``, ``email`` or ``workshop``.
    """
    frame = pd.DataFrame(rows).astype("string")
    frame.insert(0, "_row", range(1, len(frame) + 1))
    canon = files.Canonical(frame=frame, source=source, raw=frame.drop(columns="_row"))
    return import_canonical(engine, canon, kind, file_name=source, channel=channel)
