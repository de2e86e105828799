"""Invitations and reminders: personal links for mail merge, and who still has to answer what.

Both return DataFrames; the CLI writes them (CSV guarded against formula injection, atomically).
The rules of who a form applies to and what is due live in ``due``; the tokens in ``links``.
"""

from __future__ import annotations

import urllib.parse
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy.engine import Engine

from mentorkit import store
from mentorkit.analysis import due
from mentorkit.errors import UsageError, unknown_cohort
from mentorkit.formats import printable, utc_stamp
from mentorkit.forms import links
from mentorkit.intake import clean
from mentorkit.settings import DEFAULT, Settings

INVITE_COLUMNS = ["participant_id", "name", "email", "role", "form", "link", "expires"]
STATUS_COLUMNS = [
    "participant_id",
    "name",
    "email",
    "role",
    "due",
    "form",
    "about",
    "detail",
    "link",
    "expires",
    "mail",
]
EARLIER_STATUS_COLUMNS = [STATUS_COLUMNS[:-1]]  # a status CSV from before the mail column: replaced as well
OPTED_OUT = "opted out"  # the ``mail`` column of a person ``mentorkit optout`` marked: ``send`` mails them nothing


def check_base_url(base_url: str) -> str:
    """The address participants open: an absolute http(s) URL without a fragment."""
    parts = urllib.parse.urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise UsageError(f"not a web address for the forms: {base_url!r} (e.g. https://forms.example.com/mentoring/)")
    return base_url.strip()


def _load(engine: Engine, cohort_id: str) -> store.CohortData:
    if not clean.is_safe_id(cohort_id):
        raise UsageError(f"not a cohort id: {cohort_id!r}")
    data = store.load(engine, [cohort_id])
    if data.participants.empty:
        with engine.connect() as conn:
            raise unknown_cohort(cohort_id, store.list_cohorts(conn))
    return data


def _expiry(now: datetime, days: int) -> datetime:
    if days < 1:
        raise UsageError(f"--expires-days must be at least 1, not {days}")
    return (now if now.tzinfo else now.replace(tzinfo=UTC)) + timedelta(days=days)


def _linker(base_url: str, expires: datetime):  # type: ignore[no-untyped-def]
    made: dict[tuple[str, str], str] = {}

    def link(pid: str, form: str) -> str:
        if (pid, form) not in made:
            made[pid, form] = links.personal_link(base_url, form, links.make_token(pid, form, expires))
        return made[pid, form]

    return link


def _invitation_request(
    engine: Engine, cohort_id: str, form: str, base_url: str, expires_days: int, now: datetime | None
) -> tuple[store.CohortData, str, datetime]:
    if form not in due.FORMS:
        raise UsageError(f"unknown form {form!r}; choose one of: {', '.join(due.FORMS)}")
    base = check_base_url(base_url)
    expires = _expiry(now or datetime.now(UTC), expires_days)
    return _load(engine, cohort_id), base, expires


def check_invitations(
    engine: Engine, cohort_id: str, form: str, base_url: str, expires_days: int = DEFAULT.link_expiry_days
) -> None:
    """Refuse (one line) what ``invitations`` would refuse, before anything is changed (``invite --rotate``)."""
    _invitation_request(engine, cohort_id, form, base_url, expires_days, None)


def invitations(
    engine: Engine,
    cohort_id: str,
    form: str,
    base_url: str,
    expires_days: int = DEFAULT.link_expiry_days,
    now: datetime | None = None,
) -> pd.DataFrame:
    """One row per person the form applies to, with their personal link: ``INVITE_COLUMNS``."""
    data, base, expires = _invitation_request(engine, cohort_id, form, base_url, expires_days, now)
    people = due.recipients(data, cohort_id, form)
    link = _linker(base, expires)
    out = people[["participant_id", "name", "email", "role"]].copy()
    out["form"] = form
    out["link"] = [link(p, form) for p in out["participant_id"]]
    out["expires"] = utc_stamp(expires)
    return out[INVITE_COLUMNS].reset_index(drop=True).astype("string")


def status(
    engine: Engine,
    cohort_id: str,
    as_of: date,
    base_url: str | None = None,
    expires_days: int = DEFAULT.link_expiry_days,
    now: datetime | None = None,
    settings: Settings = DEFAULT,
) -> pd.DataFrame:
    """What each person of the cohort still has to answer, with reminder links: ``STATUS_COLUMNS``."""
    base = check_base_url(base_url) if base_url is not None else None
    data = _load(engine, cohort_id)
    items = due.due_items(data, cohort_id, as_of, settings)
    people = due.members(data, cohort_id).set_index("participant_id")
    out = items.join(people[["name", "email", "role"]], on="participant_id")
    if base is not None and not out.empty:
        expires = _expiry(now or datetime.now(UTC), expires_days)
        link = _linker(base, expires)
        out["link"] = [link(p, f) for p, f in zip(out["participant_id"], out["form"], strict=True)]
        out["expires"] = utc_stamp(expires)
    else:
        out["link"] = out["expires"] = ""
    quiet = store.sent.opted_out(engine, out["participant_id"].unique().tolist())
    out["mail"] = [OPTED_OUT if pid in quiet else "" for pid in out["participant_id"]]
    return out[STATUS_COLUMNS].astype("string")


def format_status(items: pd.DataFrame, cohort_id: str, as_of: date) -> str:
    """The status list for a terminal: each person, their due items, then the summary line."""
    lines: list[str] = []
    for pid, mine in items.groupby("participant_id", sort=False):
        first = mine.iloc[0]
        email = f" <{printable(first['email'])}>" if pd.notna(first["email"]) else ""
        quiet = ", opted out of e-mail" if first.get("mail") == OPTED_OUT else ""
        lines.append(f"{pid} {printable(first['name'])}{email} ({first['role']}{quiet})")
        for item in mine.itertuples():
            about = f" about {item.about}" if item.about else ""
            lines.append(f"  {item.due}{about}: {item.detail}")
            if item.link:
                lines.append(f"    {item.link}")
    lines.append(due.summary_line(cohort_id, as_of, items))
    return "\n".join(lines)
