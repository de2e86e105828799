"""Write the sample programme to data/sample/ (deterministic: same files every run).

Four cohorts, each person's answers spelled out below so that every figure of
`mentorkit score --as-of 2026-11-15` can be worked out by hand (tests/e2e/test_sample.py does).
Mess is added on purpose: variant spellings, labels, blanks, e-mails in other case, a
resubmission, an exact repeat (duplicate) and rows that must be quarantined.

    python scripts/make_sample.py
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "sample"
AS_OF = date(2026, 11, 15)
rng = random.Random(20261115)

YES = ["Yes", "yes", "Y", "y", "TRUE", "true", "1", " yes ", "Yes"]
NO = ["No", "no", "N", "n", "FALSE", "0", " no", "No"]
LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree", 5: "Strongly agree"}
ELEMENTS = [
    "rc_reciprocity",
    "rc_learning",
    "rc_relationship",
    "rc_partnership",
    "rc_collaboration",
    "rc_goals",
    "rc_development",
]
FIRST = [
    "Amara",
    "Ben",
    "Chiara",
    "Dev",
    "Elif",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Lars",
    "Maya",
    "Nikhil",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sami",
    "Tove",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aisha",
    "Bruno",
    "Carmen",
    "Dmitri",
    "Eva",
    "Femi",
    "Gita",
    "Hugo",
    "Ivy",
    "Jamal",
    "Kai",
    "Lena",
    "Marco",
    "Nia",
    "Omar",
    "Priya",
]
LAST = [
    "Okafor",
    "Lindqvist",
    "Rossi",
    "Patel",
    "Yilmaz",
    "Haddad",
    "Chen",
    "Tanaka",
    "García",
    "Müller",
    "Adeyemi",
    "Berg",
    "Cohen",
    "Rao",
    "Ivanova",
    "Santos",
    "O'Neill",
    "Kowalski",
]


def yn(value: int | None) -> str:
    if value is None:
        return ""
    return rng.choice(YES if value else NO)


def likert(value: int | None) -> str:
    if value is None:
        return ""
    return LABELS[value] if rng.random() < 0.35 else str(value)


def stamp(day: date, hour: int | None = None) -> str:
    h = rng.randint(8, 17) if hour is None else hour
    m = rng.randint(0, 59)
    form = rng.choice(["{d}T{h:02d}:{m:02d}:00Z", "{d} {h:02d}:{m:02d}:00", "{d}T{h:02d}:{m:02d}:00+00:00"])
    return form.format(d=day.isoformat(), h=h, m=m)


# --- cohorts: (cohort, mentors, mentees per mentor, matched_on per mentee index) --------------
COHORTS = {
    "2026-spring-eng": {"dept": "Engineering", "mentors": 6, "per": 2, "matched": date(2026, 5, 18)},
    "2026-spring-sales": {"dept": "Sales", "mentors": 3, "per": 2, "matched": date(2026, 6, 1)},
    "2026-fall-ops": {"dept": "Operations", "mentors": 5, "per": 1, "matched": date(2026, 10, 20)},
    "2026-pilot-legal": {"dept": "Legal", "mentors": 2, "per": 1, "matched": date(2026, 8, 15)},
}
SHORT = {"2026-spring-eng": "ENG", "2026-spring-sales": "SAL", "2026-fall-ops": "OPS", "2026-pilot-legal": "LEG"}
MATCHED_OVERRIDE = {"E-ENG-12": date(2026, 11, 1)}  # a pair matched two weeks before the as-of date

people: dict[str, dict[str, str]] = {}
roster: list[dict[str, str]] = []
name_i = 0
for cohort, spec in COHORTS.items():
    s = SHORT[cohort]
    for m in range(1, spec["mentors"] + 1):
        mid = f"M-{s}-{m:02d}"
        first, last = FIRST[name_i % len(FIRST)], LAST[name_i % len(LAST)]
        name_i += 1
        people[mid] = {
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{mid}@example.com".lower().replace("'", "").replace("í", "i").replace("ü", "u"),
        }
        roster.append(
            {
                "cohort_id": cohort,
                "participant_id": mid,
                "role": "mentor",
                "mentor_id": "",
                "matched_on": "",
                **people[mid],
                "department": spec["dept"],
            }
        )
    n = 0
    for m in range(1, spec["mentors"] + 1):
        for _ in range(spec["per"]):
            n += 1
            eid = f"E-{s}-{n:02d}"
            first, last = FIRST[name_i % len(FIRST)], LAST[name_i % len(LAST)]
            name_i += 1
            people[eid] = {
                "name": f"{first} {last}",
                "email": f"{first}.{last}.{eid}@example.com".lower()
                .replace("'", "")
                .replace("í", "i")
                .replace("ü", "u"),
            }
            roster.append(
                {
                    "cohort_id": cohort,
                    "participant_id": eid,
                    "role": "mentee",
                    "mentor_id": f"M-{s}-{m:02d}",
                    "matched_on": MATCHED_OVERRIDE.get(eid, spec["matched"]).isoformat(),
                    **people[eid],
                    "department": spec["dept"],
                }
            )
mentor_of = {r["participant_id"]: r["mentor_id"] for r in roster if r["role"] == "mentee"}
matched_of = {r["participant_id"]: date.fromisoformat(r["matched_on"]) for r in roster if r["role"] == "mentee"}


def who(pid: str) -> dict[str, str]:
    """Name a person by id, or (a third of the time) by e-mail in odd case."""
    if rng.random() < 0.33:
        mail = people[pid]["email"]
        return {"participant_id": "", "email": mail.upper() if rng.random() < 0.5 else mail.title()}
    return {"participant_id": pid, "email": ""}


# --- readiness: per person, a list of answers (1 yes, 0 no, None blank) ------------------------
def pattern(n_items: int, yes: int, answered: int | None = None, no_at: tuple[int, ...] = ()) -> list[int | None]:
    """yes answers first, then no, then blanks; no_at forces those item numbers (1-based) to no."""
    answered = n_items if answered is None else answered
    out: list[int | None] = [1] * yes + [0] * (answered - yes) + [None] * (n_items - answered)
    if no_at:
        out = [1] * n_items
        for i in no_at:
            out[i - 1] = 0
        for i in range(answered, n_items):
            out[i] = None
    return out


MENTOR_READINESS = {
    # eng: 100, 81.8, 72.7, 54.5, 45.5, 77.8 (9 answered) -> mean 72.05; ready 3, developing 2, not yet 1
    "M-ENG-01": pattern(11, 11),
    "M-ENG-02": pattern(11, 9),
    "M-ENG-03": pattern(11, 8),
    "M-ENG-04": pattern(11, 6),
    "M-ENG-05": pattern(11, 5),
    "M-ENG-06": pattern(11, 7, answered=9),
    # sales: 3 respondents (< 5) -> suppressed
    "M-SAL-01": pattern(11, 11),
    "M-SAL-02": pattern(11, 11),
    "M-SAL-03": pattern(11, 11),
    # ops: 100, 90.9, 80 (10 answered), 44.4 (9 answered), incomplete (8 answered)
    "M-OPS-01": pattern(11, 11),
    "M-OPS-02": pattern(11, 10),
    "M-OPS-03": pattern(11, 8, answered=10),
    "M-OPS-04": pattern(11, 4, answered=9),
    "M-OPS-05": pattern(11, 8, answered=8),
    # legal: 2 respondents -> suppressed
    "M-LEG-01": pattern(11, 10),
    "M-LEG-02": pattern(11, 7),
}
MENTEE_READINESS = {
    "E-ENG-01": pattern(6, 6),
    "E-ENG-02": pattern(6, 6),
    "E-ENG-03": pattern(6, 6),
    "E-ENG-04": pattern(6, 6),
    "E-ENG-05": pattern(6, 6, no_at=(2,)),  # 83.3 ready, capacity risk (me02)
    "E-ENG-06": pattern(6, 6, no_at=(3, 5)),  # 66.7 developing
    "E-ENG-07": pattern(6, 6, no_at=(1, 4, 5)),  # 50.0 developing (band edge)
    "E-ENG-08": pattern(6, 6, answered=5, no_at=(3, 4)),  # 3 of 5 = 60.0 developing
    "E-ENG-09": pattern(6, 4, answered=4),  # 4 of 6 answered: incomplete
    "E-ENG-10": pattern(6, 6, no_at=(2, 4, 5, 6)),  # 33.3 not yet, capacity risk
    # E-ENG-11, E-ENG-12: no response
    "E-SAL-01": pattern(6, 6),
    "E-SAL-02": pattern(6, 6, no_at=(6,)),  # 83.3, capacity risk (me06)
    "E-SAL-03": pattern(6, 6, no_at=(1, 3)),
    "E-SAL-04": pattern(6, 6, no_at=(1, 3, 5)),
    "E-SAL-05": pattern(6, 6),
    "E-OPS-01": pattern(6, 6),
    "E-OPS-02": pattern(6, 5),
    "E-OPS-03": pattern(6, 6),
    "E-OPS-04": pattern(6, 4),
    "E-LEG-01": pattern(6, 6),
    "E-LEG-02": pattern(6, 3),
}
# M-ENG-03 first answered 4 of 11 yes on 2026-05-06, then resubmitted (the later answer wins)
EARLIER = {"M-ENG-03": (pattern(11, 4), date(2026, 5, 6))}


def readiness_rows(answers: dict[str, list[int | None]], prefix: str) -> list[dict[str, str]]:
    rows = []
    for pid, values in answers.items():
        if pid in EARLIER:
            old, day = EARLIER[pid]
            rows.append(
                {**who(pid), "submitted_at": stamp(day), **{f"{prefix}{i:02d}": yn(v) for i, v in enumerate(old, 1)}}
            )
        day = date(2026, 5, 4) + timedelta(days=rng.randint(0, 8))
        if pid in EARLIER:
            day = date(2026, 6, 1)
        if pid.startswith(("M-OPS", "E-OPS")):
            day = date(2026, 10, 5) + timedelta(days=rng.randint(0, 10))
        rows.append(
            {**who(pid), "submitted_at": stamp(day), **{f"{prefix}{i:02d}": yn(v) for i, v in enumerate(values, 1)}}
        )
    return rows


mentor_rows = readiness_rows(MENTOR_READINESS, "mr")
mentee_rows = readiness_rows(MENTEE_READINESS, "me")
mentor_rows.append(dict(mentor_rows[0]))  # an exact repeat: counted as a duplicate
mentor_rows.append(
    {
        "participant_id": "",
        "email": "stranger@example.com",
        "submitted_at": "2026-05-07T10:00:00Z",
        **{f"mr{i:02d}": "Yes" for i in range(1, 12)},
    }
)  # not on the roster
mentor_rows.append(
    {
        "participant_id": "M-ENG-04",
        "email": "",
        "submitted_at": "2026-05-20T10:00:00Z",
        **{f"mr{i:02d}": "Yes" for i in range(1, 12)},
        "mr05": "maybe",
    }
)  # cannot be mapped
mentee_rows.append(
    {
        "participant_id": "E-ENG-11",
        "email": "",
        "submitted_at": "05/03/2026",
        **{f"me{i:02d}": "yes" for i in range(1, 7)},
    }
)  # a day/month date that fits either order: quarantined, naming --date-order
mentee_rows.append(
    {
        "participant_id": "M-ENG-01",
        "email": "",
        "submitted_at": "2026-05-09T09:00:00Z",
        **{f"me{i:02d}": "yes" for i in range(1, 7)},
    }
)  # a mentor on the mentee checklist


# --- check-ins: pair -> {side: (latest day, ratings)}; ratings: one value, or a dict --------
def flat(v: int) -> dict[str, int | None]:
    return dict.fromkeys(ELEMENTS, v)


CHECKINS: dict[tuple[str, str], dict[str, tuple[date, dict[str, int | None]]]] = {
    ("M-ENG-01", "E-ENG-01"): {"mentor": (date(2026, 11, 1), flat(5)), "mentee": (date(2026, 11, 1), flat(4))},
    ("M-ENG-01", "E-ENG-02"): {"mentor": (date(2026, 10, 20), flat(5)), "mentee": (date(2026, 10, 20), flat(3))},
    ("M-ENG-02", "E-ENG-03"): {
        "mentor": (date(2026, 10, 28), {**flat(4), "rc_goals": 3}),
        "mentee": (date(2026, 10, 28), {**flat(4), "rc_goals": 2}),
    },
    ("M-ENG-02", "E-ENG-04"): {"mentor": (date(2026, 8, 30), flat(4)), "mentee": (date(2026, 8, 30), flat(4))},
    ("M-ENG-03", "E-ENG-05"): {"mentor": (date(2026, 10, 25), flat(3)), "mentee": (date(2026, 10, 25), flat(3))},
    ("M-ENG-03", "E-ENG-06"): {"mentee": (date(2026, 11, 10), flat(4))},
    ("M-ENG-04", "E-ENG-08"): {
        "mentor": (date(2026, 10, 15), flat(4)),
        "mentee": (date(2026, 10, 15), {**flat(4), "rc_goals": None, "rc_development": None, "rc_collaboration": None}),
    },
    ("M-ENG-05", "E-ENG-09"): {"mentor": (date(2026, 11, 12), flat(5)), "mentee": (date(2026, 11, 12), flat(4))},
    ("M-ENG-05", "E-ENG-10"): {"mentor": (date(2026, 10, 1), flat(4)), "mentee": (date(2026, 10, 1), flat(4))},
    ("M-ENG-06", "E-ENG-11"): {"mentor": (date(2026, 9, 16), flat(4)), "mentee": (date(2026, 9, 16), flat(4))},
    ("M-SAL-01", "E-SAL-01"): {"mentor": (date(2026, 11, 1), flat(4)), "mentee": (date(2026, 11, 1), flat(4))},
    ("M-SAL-01", "E-SAL-02"): {"mentee": (date(2026, 10, 10), flat(3))},
    ("M-SAL-02", "E-SAL-03"): {"mentee": (date(2026, 10, 12), flat(5))},
    ("M-OPS-01", "E-OPS-01"): {"mentor": (date(2026, 11, 10), flat(4)), "mentee": (date(2026, 11, 10), flat(4))},
    ("M-LEG-01", "E-LEG-01"): {"mentor": (date(2026, 11, 5), flat(5)), "mentee": (date(2026, 11, 5), flat(5))},
}
COMMENTS = [
    "We agreed a monthly rhythm that works.",
    "Hard to find time this quarter.",
    "Great conversations about moving into architecture.",
    "",
    "",
    "",
]

checkin_rows = []
for (mentor, mentee), sides in CHECKINS.items():
    for side, (day, ratings) in sides.items():
        pid = mentor if side == "mentor" else mentee
        history = [day - timedelta(days=30 * k) for k in (4, 3, 2, 1)]
        history = [d for d in history if d >= matched_of[mentee] + timedelta(days=14)]
        for i, d in enumerate([*history, day]):
            latest = d == day
            values = (
                ratings
                if latest
                else {e: (None if v is None else max(1, min(5, v - (1 if i < 2 else 0)))) for e, v in ratings.items()}
            )
            row = {
                **who(pid),
                "submitted_at": stamp(d),
                "about": mentee
                if (side == "mentor" and rng.random() < 0.9)
                or (side == "mentor" and COHORTS[next(c for c, s in SHORT.items() if s in mentor)]["per"] > 1)
                else "",
                **{e: likert(v) for e, v in values.items()},
                "comment": rng.choice(COMMENTS) if latest else "",
            }
            checkin_rows.append(row)
checkin_rows.append(
    {
        "participant_id": "E-ENG-07",
        "email": "",
        "submitted_at": "2026-09-01T10:00:00Z",
        "about": "",
        **flat(4),
        "rc_learning": "6",
        "comment": "",
    }
)  # 6 is off the scale

# --- goals: goal_id -> (mentor, mentee, start, target, agreed mentor, agreed mentee) -----------
GOALS = {
    "G-ENG-01": ("M-ENG-01", "E-ENG-01", "2026-06-01", "2026-12-31", 1, 1, "Lead a design review"),
    "G-ENG-02": ("M-ENG-01", "E-ENG-01", "2026-06-01", "2026-10-31", 1, 1, "Publish an internal tech talk"),
    "G-ENG-03": ("M-ENG-01", "E-ENG-02", "2026-06-01", "2027-06-01", 1, 1, "Move into the platform team"),
    "G-ENG-04": ("M-ENG-02", "E-ENG-03", "2026-06-01", "2027-06-01", 1, 1, "Earn the cloud architect certification"),
    "G-ENG-05": ("M-ENG-02", "E-ENG-04", "2026-06-01", "2026-12-31", 1, 0, "Mentor an intern"),
    "G-ENG-06": ("M-ENG-03", "E-ENG-05", "2026-07-01", "2027-01-31", 1, 1, "Own an on-call rotation"),
    "G-ENG-07": ("M-ENG-03", "E-ENG-06", "2026-11-20", "2027-03-01", 0, 1, "Present at the quarterly all-hands"),
    "G-ENG-08": ("M-ENG-05", "E-ENG-09", "2026-06-15", "2026-12-15", 1, 1, "Ship the search feature end to end"),
    "G-SAL-01": ("M-SAL-01", "E-SAL-01", "2026-06-15", "2026-09-30", 1, 1, "Close a first enterprise deal"),
    "G-SAL-02": ("M-SAL-01", "E-SAL-02", "2026-07-01", "2026-12-31", 1, 1, "Build a territory plan"),
    "G-SAL-03": ("M-SAL-02", "E-SAL-03", "2026-06-01", "2026-11-01", 1, 1, "Shadow ten client calls"),
    "G-OPS-01": ("M-OPS-01", "E-OPS-01", "2026-11-01", "2027-04-30", 1, 1, "Map the supply chain risks"),
    "G-OPS-02": ("M-OPS-02", "E-OPS-02", "2026-11-01", "2027-01-31", 1, 0, "Run a kaizen workshop"),
    "G-LEG-01": ("M-LEG-01", "E-LEG-01", "2026-09-01", "2026-12-01", 1, 1, "Draft a contract playbook"),
}
goal_rows = []
for gid, (mentor, mentee, start, target, am, ae, title) in GOALS.items():
    submitted = "2026-11-10T09:00:00Z" if gid == "G-ENG-07" else f"{start}T09:00:00Z"
    if gid == "G-ENG-04":  # first drafted without the mentee's agreement, then revised
        goal_rows.append(
            {
                "goal_id": gid,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "title": "Get certified",
                "success_criteria": "",
                "start_date": start,
                "target_date": target,
                "agreed_by_mentor": yn(1),
                "agreed_by_mentee": yn(0),
                "submitted_at": "2026-05-28T09:00:00Z",
            }
        )
    goal_rows.append(
        {
            "goal_id": gid,
            "mentor_id": mentor,
            "mentee_id": mentee,
            "title": title,
            "success_criteria": f"{title}: confirmed by both at a check-in",
            "start_date": start,
            "target_date": target,
            "agreed_by_mentor": yn(am),
            "agreed_by_mentee": yn(ae),
            "submitted_at": submitted,
        }
    )

# goal -> list of (day, progress, status) oldest first; the last one is the latest
UPDATES = {
    "G-ENG-01": [("2026-08-01", 40, "in_progress"), ("2026-10-30", 100, "achieved")],
    "G-ENG-02": [("2026-07-15", 30, "in_progress"), ("2026-10-20", 80, "in_progress")],
    "G-ENG-03": [("2026-08-01", 15, "in_progress"), ("2026-11-01", 31, "in_progress")],
    "G-ENG-04": [("2026-07-01", 10, "In progress"), ("2026-11-02", 30, "in_progress")],
    "G-ENG-05": [("2026-07-01", 10, "in_progress"), ("2026-09-01", 10, "dropped")],
    "G-ENG-08": [("2026-07-15", 50, "in_progress"), ("2026-09-15", "90%", "in_progress")],
    "G-SAL-01": [("2026-09-20", 100, "achieved")],
    "G-SAL-02": [("2026-08-15", 25, "in_progress"), ("2026-11-05", 60, "in_progress")],
    "G-SAL-03": [("2026-08-01", 50, "in_progress")],
    "G-OPS-02": [("2026-11-12", 10, "in_progress")],
    "G-LEG-01": [("2026-11-01", 20, "in_progress")],
}
update_rows = []
for gid, updates in UPDATES.items():
    mentor, mentee = GOALS[gid][0], GOALS[gid][1]
    for day, progress, status in updates:
        reporter = mentee if rng.random() < 0.6 else people[mentor]["email"].upper()
        update_rows.append(
            {
                "goal_id": gid,
                "reported_by": reporter,
                "reported_at": stamp(date.fromisoformat(day)),
                "progress_pct": str(progress),
                "status": status,
                "note": "",
            }
        )
update_rows.append(
    {
        "goal_id": "G-XYZ-99",
        "reported_by": "E-ENG-01",
        "reported_at": "2026-10-01T10:00:00Z",
        "progress_pct": "50",
        "status": "in_progress",
        "note": "wrong goal id",
    }
)  # unknown goal
roster.append(
    {
        "cohort_id": "2026-spring-eng",
        "participant_id": "C-ENG-01",
        "role": "coach",
        "mentor_id": "",
        "matched_on": "",
        "name": "Pat Coach",
        "email": "pat.coach@example.com",
        "department": "Engineering",
    }
)  # not a mentoring role


def write(name: str, rows: list[dict[str, str]]) -> None:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with (OUT / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


OUT.mkdir(parents=True, exist_ok=True)
write("roster", roster)
write("mentor_readiness", mentor_rows)
write("mentee_readiness", mentee_rows)
write("checkin", checkin_rows)
write("goals", goal_rows)
write("goal_updates", update_rows)
print(f"wrote the sample programme to {OUT}")
