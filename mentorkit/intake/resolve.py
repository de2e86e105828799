"""Whom, which pair and which goal each row of an instrument is about: one resolver per subject.

A resolver reads the rows' person columns (an id or an e-mail, ``about``, ``reported_by``, a goal's
mentor and mentee) against the roster and the pairs, and gives each row its participant_id,
pair_id, goal_id and submitted_at, with a reason for every row it cannot place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Connection

from mentorkit import instruments as ins
from mentorkit import store
from mentorkit.errors import UsageError
from mentorkit.intake import checks, clean

PERSON_COLUMNS = ("participant_id", "email")
ROSTER_LOOKUP_ROWS = 500  # up to this many rows, read only the roster rows they name
PERSON_REFERENCES = (
    "participant_id",
    "email",
    "about",
    "reported_by",
    "mentor_id",
    "mentee_id",
)  # every column that can name a person


def roster_index(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """The roster rows a file's validation needs: for a form or a small file, only the people it
    names (by id or e-mail) and their mentees; for a large file, the whole roster in one read."""
    if len(frame) > ROSTER_LOOKUP_ROWS:
        return store.read_participants(conn)[["participant_id", "cohort_id", "role", "email", "mentor_id"]]
    columns = [clean.as_text(frame[c]) for c in PERSON_REFERENCES if c in frame.columns]
    named = pd.concat(columns).dropna().unique() if columns else []
    emails = {v.lower() for v in named if "@" in v}
    return store.read_people(conn, set(named) - emails, emails)


def held_rows(conn: Connection, subject: str, ids: pd.Series) -> pd.DataFrame:
    """Per row, the quarantined row recorded for its id (``participant``, ``goal``): ``row``, ``file``
    and ``reason``, all missing where there is none (``store.read_quarantined``)."""
    wanted = ids.dropna().unique().tolist()
    held = store.read_quarantined(conn, subject, wanted) if wanted else None
    if held is None or held.empty:
        return pd.DataFrame({c: pd.Series(pd.NA, index=ids.index, dtype="string") for c in ("row", "file", "reason")})
    return pd.DataFrame(
        {
            "row": ids.map(held["row_number"].astype("string")).astype("string"),
            "file": ids.map(held["file_name"].astype("string")).astype("string"),
            "reason": ids.map(held["reason"].astype("string")).astype("string"),
        },
        index=ids.index,
    )


HELD_ROSTER_ROW = "its roster row {} (file {}) was quarantined: {}"  # a person's quarantined roster row, named


def resolve_people(
    ids: pd.Series,
    emails: pd.Series,
    roster: pd.DataFrame,
    what: str = "participant_id",
    conn: Connection | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Roster participant ids from ids and/or e-mails (case-insensitive); reasons for the rest.

    With ``conn``, an id whose latest roster row was quarantined says so: its file, row and reason.
    """
    pid, pid_err = clean.clean_id(ids, what)
    mail, mail_err = clean.clean_email(emails, "email")
    by_email = roster.dropna(subset=["email"]).set_index("email")["participant_id"]
    from_mail = mail.map(by_email).astype("string")
    reasons = clean.first_error([pid_err, mail_err], ids.index)
    unknown_id = pid.notna() & ~pid.isin(roster["participant_id"])
    if conn is not None and (reasons.isna() & unknown_id).any():
        held = held_rows(conn, "participant", pid.where(reasons.isna() & unknown_id))
        why = what + " {!r} is not on the roster: " + HELD_ROSTER_ROW
        reasons = reasons.fillna(
            clean.explain(held["row"].notna(), why, pid, held["row"], held["file"], held["reason"])
        )
    reasons = reasons.fillna(clean.explain(unknown_id, what + " {!r} is not on the roster", pid))
    unknown_mail = pid.isna() & mail.notna() & from_mail.isna()
    reasons = reasons.fillna(clean.explain(unknown_mail, "email {!r} is not on the roster", mail))
    clash = pid.notna() & from_mail.notna() & (pid != from_mail)
    reasons = reasons.fillna(clean.explain(clash, f"{what} and email name different people"))
    nobody = pid.isna() & mail.isna() & ids.index.to_series().notna()
    reasons = reasons.fillna(clean.explain(nobody & reasons.isna(), f"no {what} or email"))
    person = pid.fillna(from_mail)
    return person.where(reasons.isna()), reasons


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
    def pairs(self) -> pd.DataFrame:
        """Every pair ever matched (read for every instrument about a pair or goal)."""
        assert self.all_pairs is not None
        return self.all_pairs

    @property
    def items_needed(self) -> list[str]:
        return [i.id for i in self.instrument.items if not i.optional]


Resolved = tuple[pd.DataFrame, list[pd.Series]]  # participant_id, pair_id, goal_id, submitted_at; reasons
Resolver = Callable[[ResolverInput], Resolved]


def _goal_rows(cx: ResolverInput) -> Resolved:
    """The mentoring agreement: a goal named by its pair's mentor_id and mentee_id."""
    f, idx = cx.frame, cx.frame.index
    checks.require_columns(f, ["goal_id", "mentor_id", "mentee_id", *cx.items_needed], cx.name)
    goal, goal_err = clean.clean_id(f["goal_id"], "goal_id")
    mentor, mentor_err = clean.clean_id(f["mentor_id"], "mentor_id")
    mentee, mentee_err = clean.clean_id(f["mentee_id"], "mentee_id")
    errors = [
        goal_err,
        mentor_err,
        mentee_err,
        checks.required(goal, "goal_id"),
        checks.required(mentor, "mentor_id"),
        checks.required(mentee, "mentee_id"),
    ]
    keyed = cx.pairs.set_index(["mentor_id", "mentee_id"])["pair_id"]
    pair_ids = pd.Series(
        [keyed.get((m, e)) if pd.notna(m) and pd.notna(e) else None for m, e in zip(mentor, mentee, strict=True)],
        index=idx,
        dtype="Float64",
    )
    errors.append(_not_a_pair(cx.conn, pair_ids.isna() & mentor.notna() & mentee.notna(), mentor, mentee))
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
    sub, sub_err = clean.clean_datetime(checks.text_column(f, "submitted_at"), "submitted_at")
    errors.append(sub_err)
    out = pd.DataFrame({"participant_id": mentee, "pair_id": pair_ids, "goal_id": goal, "submitted_at": sub}, index=idx)
    return out, errors


def _not_a_pair(conn: Connection, unpaired: pd.Series, mentor: pd.Series, mentee: pd.Series) -> pd.Series:
    """Why a goal's mentor and mentee are not a pair: the mentee's (else the mentor's) quarantined roster
    row when one is recorded, named; else that they are not a pair on the roster."""
    why = clean.explain(unpaired, "mentor_id and mentee_id are not a pair on the roster")
    if not unpaired.any():
        return why
    for who in (mentee, mentor):
        held = held_rows(conn, "participant", who.where(unpaired))
        named = held["row"].notna() & why.str.startswith("mentor_id and mentee_id").fillna(False)
        template = "pair not on the roster: the roster row {} of {} (file {}) was quarantined: {}"
        why = why.mask(named, clean.explain(named, template, held["row"], who, held["file"], held["reason"]))
    return why


def _goal_update_rows(cx: ResolverInput) -> Resolved:
    """A goal update: a known goal, reported by one side of its pair."""
    f, idx = cx.frame, cx.frame.index
    checks.require_columns(f, ["goal_id", "reported_by", "reported_at", *cx.items_needed], cx.name)
    goal, goal_err = clean.clean_id(f["goal_id"], "goal_id")
    errors = [goal_err, checks.required(goal, "goal_id")]
    registered = store.read_goals(cx.conn, goal.dropna().unique().tolist()).set_index("goal_id")
    pair_ids = goal.map(registered["pair_id"]).astype("Float64")
    unknown = goal.notna() & pair_ids.isna()
    held = held_rows(cx.conn, "goal", goal.where(unknown))
    why = "goal_id {!r} is not a known goal: its row {} (file {}) was quarantined: {}"
    errors.append(clean.explain(held["row"].notna(), why, goal, held["row"], held["file"], held["reason"]))
    errors.append(clean.explain(unknown, "goal_id {!r} is not a known goal", goal))
    by = checks.text_column(f, "reported_by")
    is_mail = by.str.contains("@", regex=False).fillna(False)
    person, person_err = resolve_people(by.where(~is_mail), by.where(is_mail), cx.roster, "reported_by", cx.conn)
    errors.append(person_err.where(by.notna()))
    errors.append(checks.required(by, "reported_by"))
    pairs_by_id = cx.pairs.set_index("pair_id")
    in_pair = [
        pd.isna(p) or pd.isna(who) or who in (pairs_by_id.at[int(p), "mentor_id"], pairs_by_id.at[int(p), "mentee_id"])
        for p, who in zip(pair_ids, person, strict=True)
    ]
    errors.append(clean.explain(~pd.Series(in_pair, index=idx), "reported_by is not part of the goal's pair"))
    sub, sub_err = clean.clean_datetime(f["reported_at"], "reported_at")
    errors += [sub_err, checks.required(sub, "reported_at")]
    out = pd.DataFrame({"participant_id": person, "pair_id": pair_ids, "goal_id": goal, "submitted_at": sub}, index=idx)
    return out, errors


def _answer_by_person(cx: ResolverInput) -> tuple[pd.DataFrame, list[pd.Series], pd.Series]:
    """An answer by a person named by id or e-mail, of the instrument's role; also returns their roles."""
    f, idx, instrument, roster = cx.frame, cx.frame.index, cx.instrument, cx.roster
    checks.require_columns(f, ["submitted_at", *cx.items_needed], cx.name, any_of=PERSON_COLUMNS)
    person, person_err = resolve_people(
        checks.text_column(f, "participant_id"), checks.text_column(f, "email"), roster, conn=cx.conn
    )
    errors = [person_err]
    role = person.map(roster.set_index("participant_id")["role"]).astype("string")
    if instrument.role in ins.ROLES:
        wrong_role = role.notna() & (role != instrument.role)
        why = f"{{}} is a {{}}; {instrument.title.lower()} is for {instrument.role}s"  # title: instruments.yaml
        errors.append(clean.explain(wrong_role, why, person, role))
    sub, sub_err = clean.clean_datetime(f["submitted_at"], "submitted_at")
    errors += [sub_err, checks.required(sub, "submitted_at")]
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
    pair_ids, pair_err = _resolve_pairs(
        out["participant_id"], role, checks.text_column(cx.frame, "about"), cx.roster, cx.pairs
    )
    errors.append(_held_pair_reasons(cx, pair_err, out["participant_id"], role))
    out["pair_id"] = pair_ids
    return out, errors


def _held_pair_reasons(cx: ResolverInput, pair_err: pd.Series, person: pd.Series, role: pd.Series) -> pd.Series:
    """A check-in's pair reason naming the quarantined roster row behind it: the mentee's own (a mentee
    not paired), or that of the mentee ``about`` names (a mentor)."""
    failed = pair_err.notna()
    if not failed.any():
        return pair_err
    mentee = person.astype("string").where((role == "mentee").fillna(False), checks.text_column(cx.frame, "about"))
    held = held_rows(cx.conn, "participant", mentee.where(failed))
    named = held["row"].notna()
    template = "{}: the roster row {} of {} (file {}) was quarantined: {}"
    return pair_err.mask(
        named, clean.explain(named, template, pair_err, held["row"], mentee, held["file"], held["reason"])
    )


# one resolver per instrument subject (an instrument id may have its own, as the agreement does)
RESOLVERS: dict[str, Resolver] = {
    "goals": _goal_rows,
    "goal": _goal_update_rows,
    "pair": _pair_rows,
    "none": _person_rows,
}
# rules that need the cleaned items, by instrument id: they may complete columns and return reasons


def resolver_for(instrument: ins.Instrument) -> Resolver:
    """The resolver of an instrument: its own by id, else its subject's."""
    found = RESOLVERS.get(instrument.id) or RESOLVERS.get(instrument.subject)
    if found is None:
        raise UsageError(f"no resolver for instrument {instrument.id!r} (subject {instrument.subject!r})")
    return found


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
