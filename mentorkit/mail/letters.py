"""Who gets which message: one letter per person invited or due, and one per programme lead for a digest.

A letter holds what its templates need and what the sent log records; it names nobody but its
recipient: a reminder's check-in is "about your mentee", never about a named person, and its
links are the recipient's own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pandas as pd
from markupsafe import Markup
from sqlalchemy.engine import Engine

from mentorkit import instruments
from mentorkit.errors import UsageError
from mentorkit.forms import outreach
from mentorkit.mail.compose import one_address
from mentorkit.runs.digest import FILES as DIGEST_FILES
from mentorkit.runs.folder import MANIFEST, read_metas
from mentorkit.settings import DEFAULT, Settings


@dataclass(frozen=True)
class Letter:
    """One message to write: to whom, of what kind, its templates' values and what the sent log keeps of it."""

    kind: str  # invitation, reminder or digest
    address: object  # the recipient's address as the roster has it (checked before sending)
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    participant_id: str | None = None
    cohort_id: str | None = None
    form: str | None = None
    items: Any = None  # for the sent log: a reminder's due items, a digest's run

    @property
    def label(self) -> str:
        """The letter in a log line: the participant id (pseudonymous), or "a programme lead"."""
        return self.participant_id or "a programme lead"


def _name(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _title(form: str) -> str:
    return instruments.get(form).title


def invitation_letters(
    engine: Engine,
    cohort_id: str,
    form: str,
    base_url: str,
    expires_days: int,
    settings: Settings = DEFAULT,
    now: datetime | None = None,
) -> list[Letter]:
    """One invitation per person the form applies to, with their personal link (``invite``'s rows)."""
    table = outreach.invitations(engine, cohort_id, form, base_url, expires_days=expires_days, now=now)
    letters = []
    for row in table.itertuples(index=False):
        values = {
            "programme": settings.programme_name,
            "name": _name(row.name) or "colleague",
            "form": form,
            "form_title": _title(form),
            "link": row.link,
            "expires": str(row.expires)[:10],
        }
        letters.append(
            Letter("invitation", row.email, _name(row.name), values, row.participant_id, cohort_id, form=form)
        )
    return letters


def _what(due: str, form: str, role: str, about: str) -> str:
    """A due item in a reminder, naming nobody: the form, the other side by role, a goal by its id."""
    if due == "readiness":
        return _title(form)
    if due == "checkin":
        return f"{_title('checkin')} about your {'mentee' if role == 'mentor' else 'mentor'}"
    return f"{_title('goal_updates')} for goal {about}"


def item_key(due: str, form: str, about: str) -> str:
    """A due item as the sent log keeps it (the same item in a later run has the same key)."""
    return f"{due}:{form}:{about}"


def reminder_letters(
    engine: Engine,
    cohort_id: str,
    as_of: date,
    base_url: str | None,
    expires_days: int,
    settings: Settings = DEFAULT,
    now: datetime | None = None,
) -> list[Letter]:
    """One reminder per due person, listing everything they owe with their links (``status``'s rules)."""
    table = outreach.status(
        engine, cohort_id, as_of, base_url=base_url, expires_days=expires_days, now=now, settings=settings
    )
    letters = []
    for pid, mine in table.groupby("participant_id", sort=False):
        first = mine.iloc[0]
        items = [
            {
                "what": _what(r.due, r.form, first["role"], _name(r.about)),
                "detail": _name(r.detail),
                "link": _name(r.link),
            }
            for r in mine.itertuples(index=False)
        ]
        keys = [item_key(r.due, r.form, _name(r.about)) for r in mine.itertuples(index=False)]
        values = {
            "programme": settings.programme_name,
            "name": _name(first["name"]) or "colleague",
            "as_of": as_of.isoformat(),
            "items": items,
            "expires": _name(first["expires"])[:10],
        }
        letters.append(
            Letter("reminder", first["email"], _name(first["name"]), values, str(pid), cohort_id, items=keys)
        )
    return letters


_MAIN = re.compile(r"<main>(.*)</main>", re.S)
_H1 = re.compile(r"<h1>.*?</h1>", re.S)
_HREF = re.compile(r"""href='([^'"<>]*)'""")
_MD_LINK = re.compile(r"\]\(([^()\s]*)\)")
_ANCHOR = re.compile(r"<a href='[^']*'>(.*?)</a>", re.S)


def check_run(run: Path) -> dict[str, Any]:
    """A report run folder with its changes digest, made without ``--identify``; its manifest."""
    if not (run / MANIFEST).is_file():
        raise UsageError(f"--run {run}: not a report run (no {MANIFEST} in it)")
    missing = [name for name in DIGEST_FILES if not (run / name).is_file()]
    if missing:
        raise UsageError(f"--run {run}: no {missing[0]}; `mentorkit report --index --out {run}` writes the digest")
    try:
        manifest = json.loads((run / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        raise UsageError(f"--run {run}: its {MANIFEST} cannot be read") from None
    named = manifest.get("parameters", {}).get("identify") or any(
        m.get("parameters", {}).get("identify") for m in read_metas(run)
    )
    if named:
        raise UsageError(
            f"--run {run} was made with --identify and names people; the digest goes out from a run without it"
        )
    return manifest if isinstance(manifest, dict) else {}


def digest_values(run: Path, reports_url: str | None, settings: Settings = DEFAULT) -> dict[str, Any]:
    """The digest's templates' values: changes.md as the text, changes.html's content as the HTML.

    Links point into the run folder: with ``reports_url`` (where the run is published) they become
    absolute; without it the HTML keeps their text only and the text part its relative links.
    """
    manifest = check_run(run)
    text = (run / "changes.md").read_text("utf-8")
    page = (run / "changes.html").read_text("utf-8")  # mentorkit's own page: every value in it is escaped
    found = _MAIN.search(page)
    body = _H1.sub("", found.group(1) if found else "", count=1)
    body = re.sub(r"<footer.*?</footer>", "", body, flags=re.S)
    base = reports_url.rstrip("/") + "/" if reports_url else None
    if base:
        body = _HREF.sub(lambda m: f"href='{urljoin(base, m.group(1))}'", body)
        text = _MD_LINK.sub(lambda m: f"]({urljoin(base, m.group(1))})", text)
    else:
        body = _ANCHOR.sub(r"\1", body)
    as_of = str(manifest.get("parameters", {}).get("as_of") or run.name)
    return {
        "programme": settings.programme_name,
        "as_of": as_of,
        "changes": text.rstrip("\n"),
        "changes_html": Markup(body.strip()),  # mentorkit's own autoescaped page
        "run": str(run),
        "reports_url": base or "",
    }


def digest_letters(run: Path, to: list[str], reports_url: str | None, settings: Settings = DEFAULT) -> list[Letter]:
    """One digest per address in ``to`` (each address once)."""
    values = digest_values(run, reports_url, settings)
    key = {"run": str(run.resolve()), "as_of": values["as_of"]}
    seen: set[str] = set()
    letters = []
    for given in to:
        name, address = one_address(given, "--to")
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        letters.append(Letter("digest", address, name, values, items=key))
    return letters
