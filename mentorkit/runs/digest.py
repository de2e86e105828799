"""What changed since the last run: two runs' cohort snapshots compared, and the digest of it.

Each cohort's ``meta.json`` holds its snapshot (``mentorkit.analysis.snapshot``: what ``score``
decided, suppressed as the reports are). ``diff`` compares two runs' snapshots, one function per
section of the digest, and is pure; ``write_digest`` finds the earlier run, writes ``changes.md``
and ``changes.html`` into the report folder and returns what to print.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mentorkit import outputs
from mentorkit.analysis import score
from mentorkit.errors import UsageError
from mentorkit.formats import md, pair_label, plain, plural
from mentorkit.runs.folder import MANIFEST, JsonObject, read_metas, read_programme
from mentorkit.runs.options import REPORT_TITLES
from mentorkit.runs.templating import render
from mentorkit.settings import DEFAULT, Settings

FILES = ("changes.md", "changes.html")
SECTIONS = (
    ("pair_needs_checkin", "Pairs newly needing a check-in"),
    ("goal_overdue", "Goals newly overdue"),
    ("goal_stale", "Goals newly stale"),
    ("goal_achieved", "Goals newly achieved"),
    ("fell", "Cohorts whose response rate or pair health fell"),
    ("report_failed", "Reports that failed"),
)
_DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")

Snapshot = Mapping[str, Any]
_EPS = 1e-9  # "fell by more than": 0.8 → 0.7 is a fall of exactly 0.10, not 0.10000000000000009


# --- the diff (pure) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One change worth a look, and the report that shows it (a link relative to the run folder)."""

    kind: str  # one of SECTIONS
    cohort: str
    report: str  # readiness or goal_progress: the report that shows it
    subject: (
        str  # a pair "mentor & mentee" (formats.pair_label), a goal id, a figure or a report, as the reader sees it
    )
    text: str = ""  # what changed, plain text
    href: str = ""  # the report's page (or its executed notebook when it failed), relative to the run folder

    def __post_init__(self) -> None:
        if not self.href:
            object.__setattr__(self, "href", f"{self.cohort}/{self.report}.html")


def _person(pid: str | None, names: Mapping[str, str]) -> str:
    if pid is None:
        return "—"
    name = names.get(pid)
    return f"{name} ({pid})" if name else pid


def _pair(mentor: str | None, mentee: str | None, names: Mapping[str, str]) -> str:
    return pair_label(_person(mentor, names), _person(mentee, names))


def _status(value: str) -> str:
    return value.replace("_", " ")


@dataclass(frozen=True)
class Compared:
    """One cohort's snapshots in two runs, as each section of the digest compares them."""

    cohort: str
    now: Snapshot
    then: Snapshot | None  # None: the earlier run had no snapshot of it
    unseen: str  # why everything needing a look is listed ("" when the earlier run has a snapshot)
    settings: Settings

    @property
    def names(self) -> Mapping[str, str]:
        """The names this run may show, by participant id (empty without ``--identify``)."""
        return self.now.get("names") or {}


def compared(cohort: str, before: Mapping[str, Snapshot | None], now: Snapshot, settings: Settings) -> Compared:
    """A cohort of this run beside its snapshot of the earlier run (``before``: cohort id → snapshot)."""
    then = before.get(cohort)
    unseen = ""
    if then is None:
        unseen = "the earlier run kept no snapshot of it" if cohort in before else "cohort new since the earlier run"
    return Compared(cohort, now, then, unseen, settings)


def new_pairs_needing_checkin(c: Compared) -> list[Item]:
    """Pairs needing a check-in now and not before: only where the reports list pairs (k people with a check-in)."""
    needing = c.now.get("pairs_needing_checkin")
    if needing is None:
        return []
    earlier = None if c.then is None else c.then.get("pairs_needing_checkin")
    hidden = c.then is not None and earlier is None
    known = {tuple(p) for p in earlier or []}
    why = c.unseen or ("the earlier run hid this cohort's pair statuses" if hidden else "")
    return [
        Item("pair_needs_checkin", c.cohort, "goal_progress", _pair(mentor, mentee, c.names), why)
        for mentor, mentee in needing
        if (mentor, mentee) not in known
    ]


GoalRule = Callable[[Mapping[str, Any], Mapping[str, Any] | None], bool]  # (goal now, goal before) → listed


def _goals_that(c: Compared, kind: str, became: GoalRule) -> list[Item]:
    """The goals (never suppressed: not survey answers) for which ``became`` holds, as items of ``kind``."""
    old_goals = {g["goal_id"]: g for g in (c.then or {}).get("goals", [])}
    items = []
    for goal in c.now.get("goals", []):
        old = old_goals.get(goal["goal_id"])
        if became(goal, old):
            subject = f"{goal['goal_id']} ({_pair(goal['mentor_id'], goal['mentee_id'], c.names)})"
            was = c.unseen or (f"was {_status(old['status'])}" if old is not None else "new goal since the earlier run")
            items.append(Item(kind, c.cohort, "goal_progress", subject, was))
    return items


def goals_newly_overdue(c: Compared) -> list[Item]:
    """Goals overdue now and not before."""
    return _goals_that(c, "goal_overdue", lambda g, old: _newly(g, old, "status", "overdue"))


def goals_newly_stale(c: Compared) -> list[Item]:
    """Goals stale now and not before."""
    return _goals_that(c, "goal_stale", lambda g, old: _newly(g, old, "stale", True))


def goals_newly_achieved(c: Compared) -> list[Item]:
    """Goals achieved now and not before."""
    return _goals_that(c, "goal_achieved", lambda g, old: _newly(g, old, "status", "achieved"))


def _newly(goal: Mapping[str, Any], old: Mapping[str, Any] | None, field: str, value: object) -> bool:
    """Whether a goal's ``field`` holds ``value`` now and did not in the earlier run (or the goal is new)."""
    return bool(goal[field] == value and (old is None or old[field] != value))


def figures_that_fell(c: Compared) -> list[Item]:
    """Response rates and the pair health index that fell by more than the settings allow.

    Both runs must show a figure (a suppressed one is None and never compared).
    """
    if c.then is None:
        return []
    items = []
    for role in ("mentor", "mentee"):
        r0, r1 = (c.then.get("response_rate") or {}).get(role), (c.now.get("response_rate") or {}).get(role)
        if r0 is not None and r1 is not None and r0 - r1 > c.settings.digest_response_rate_drop + _EPS:
            text = f"{100 * r0:.0f} % → {100 * r1:.0f} %"
            items.append(Item("fell", c.cohort, "readiness", f"{role} response rate", text))
    h0, h1 = c.then.get("health_index"), c.now.get("health_index")
    if h0 is not None and h1 is not None and h0 - h1 > c.settings.digest_health_drop + _EPS:
        items.append(Item("fell", c.cohort, "goal_progress", "pair health index", f"{h0:.0f} → {h1:.0f}"))
    return items


# what diff lists of each cohort, one function per section (failed reports come from the outcomes, not the snapshots)
SECTION_DIFFS: tuple[Callable[[Compared], list[Item]], ...] = (
    new_pairs_needing_checkin,
    goals_newly_overdue,
    goals_newly_stale,
    goals_newly_achieved,
    figures_that_fell,
)


def diff(
    before: Mapping[str, Snapshot | None] | None, after: Mapping[str, Snapshot], settings: Settings = DEFAULT
) -> list[Item]:
    """What changed from one run's snapshots to the next (cohort id → snapshot), section by section.

    A cohort of the earlier run without a snapshot (None: an older mentorkit wrote it) is compared
    like a cohort the earlier run did not have: everything that needs a look now is listed.
    """
    items: list[Item] = []
    for cohort in sorted(after):
        c = compared(cohort, before or {}, after[cohort], settings)
        for section in SECTION_DIFFS:
            items += section(c)
    order = {kind: n for n, (kind, _) in enumerate(SECTIONS)}
    items.sort(key=lambda i: (order[i.kind], i.cohort))  # stable: pairs and goals keep their sorted order
    return items


def failed_reports(metas: list[JsonObject]) -> list[Item]:
    """The reports of a run folder that failed, each linked to its executed notebook when kept."""
    items = []
    for meta in metas:
        for name, outcome in sorted(meta.get("reports", {}).items()):
            if outcome.get("status") != "ok":
                href = outcome.get("ipynb") or f"{meta['cohort']}/{name}.ipynb"
                title = REPORT_TITLES.get(name, name)
                error = outcome.get("error") or "failed"
                items.append(Item("report_failed", meta["cohort"], name, title, error, href))
    return items


# --- the digest --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """A run folder's changes against an earlier run (``earlier`` is None when there is none)."""

    as_of: str | None
    earlier: str | None  # the earlier run's folder, relative to this one
    earlier_as_of: str | None
    cohorts: int
    items: tuple[Item, ...]
    hidden_pairs: tuple[str, ...]  # cohorts whose pairs are suppressed in this run
    min_group_size: int

    def section(self, kind: str) -> list[Item]:
        """The items of one section."""
        return [i for i in self.items if i.kind == kind]

    def summary(self, limit: int = 10) -> str:
        """A few plain lines for a scheduler's mail: the counts, the first items, where the digest is."""
        n = {kind: len(self.section(kind)) for kind, _ in SECTIONS}
        failed = f"{plural(n['report_failed'], 'report')} failed"
        counts = (
            f"{plural(n['pair_needs_checkin'], 'pair')} newly needing a check-in; goals: {n['goal_overdue']} newly "
            f"overdue, {n['goal_stale']} newly stale, {n['goal_achieved']} newly achieved; "
            f"{plural(n['fell'], 'figure')} fell; {failed}"
        )
        if self.earlier is None:
            lines = [f"changes: no earlier run to compare with; {failed}"]
        else:
            lines = [f"changes since the run as of {self.earlier_as_of} ({plain(self.earlier)}):", f"  {counts}"]
        for item in self.items[:limit]:
            lines.append(f"  {item.cohort}: {plain(_SECTION_NAMES[item.kind])}: {plain(_line(item))}")
        if len(self.items) > limit:
            lines.append(f"  … and {len(self.items) - limit} more")
        return "\n".join(lines)


_SECTION_NAMES = dict(SECTIONS)


def _line(item: Item) -> str:
    return f"{item.subject} — {item.text}" if item.text else item.subject


def build(
    metas: list[JsonObject],
    earlier_metas: list[JsonObject] | None,
    earlier: str | None = None,
    settings: Settings = DEFAULT,
    programme: Mapping[str, Any] | None = None,
) -> Digest:
    """The digest of a run folder's metas against an earlier run's (None: no earlier run).

    ``programme`` is the programme report's recorded outcome (``programme.json``): listed when it failed.
    """
    now = {m["cohort"]: m.get("snapshot") or {} for m in metas}
    then = None if earlier_metas is None else {m["cohort"]: m.get("snapshot") for m in earlier_metas}
    items = diff(then, now, settings) if then is not None else []
    failed = failed_reports(metas)
    if programme is not None and programme.get("status") != "ok":
        error = programme.get("error") or "failed"
        href = programme.get("ipynb") or "programme.ipynb"
        failed.append(Item("report_failed", "programme", "programme", "Programme report", error, href))
    broken = {(i.cohort, i.report): i.href for i in failed}
    # a change shown by a report that failed points at that report's executed notebook
    relinked = [replace(i, href=broken[i.cohort, i.report]) if (i.cohort, i.report) in broken else i for i in items]
    ks = [int(m.get("snapshot", {}).get("min_group_size", settings.min_group_size)) for m in metas if m.get("snapshot")]
    return Digest(
        as_of=max((m["as_of"] for m in metas), default=None),
        earlier=earlier,
        earlier_as_of=max((m["as_of"] for m in earlier_metas or []), default=None),
        cohorts=len(metas),
        items=tuple(relinked + failed),
        hidden_pairs=tuple(
            sorted(
                m["cohort"] for m in metas if m.get("snapshot") and m["snapshot"].get("pairs_needing_checkin") is None
            )
        ),
        min_group_size=min(ks, default=settings.min_group_size),
    )


def _intro(d: Digest) -> str:
    if d.earlier is None:
        return (
            "No earlier run to compare with: no folder beside this one named for an earlier as-of date "
            "(YYYY-MM-DD) holds a manifest.json, and no --since DIR was given."
        )
    return f"Compared with the run as of {d.earlier_as_of} ({d.earlier}), over {plural(d.cohorts, 'cohort')}."


def _hidden_note(d: Digest) -> str:
    if d.earlier is None or not d.hidden_pairs:
        return ""
    return (
        f"Pairs and pair health of cohorts with fewer than {d.min_group_size} people with a check-in are "
        f"hidden for confidentiality, as in the reports (goal figures never are): {', '.join(d.hidden_pairs)}."
    )


def _shown(d: Digest) -> list[tuple[str, list[Item]]]:
    """The sections a digest shows, with their items: all of them, or only failed reports when nothing compares."""
    return [(title, d.section(kind)) for kind, title in SECTIONS if d.earlier is not None or kind == "report_failed"]


def to_markdown(d: Digest) -> str:
    """The digest as Markdown (every link relative to the run folder)."""
    out = [f"# What changed: reports as of {md(d.as_of or '—')}", "", md(_intro(d)), ""]
    for title, found in _shown(d):
        out += [f"## {title} ({len(found)})", ""]
        out += [f"- [{md(i.cohort)}]({quote(i.href)}): {md(_line(i))}" for i in found] or ["None."]
        out.append("")
    if note := _hidden_note(d):
        out += [md(note), ""]
    return "\n".join(out)


def to_html(d: Digest) -> str:
    """The digest as a page beside index.html (``templates/changes.html.j2``, autoescaped; offline: the run's own stylesheet)."""
    sections = [
        (title, [{"href": quote(i.href), "cohort": i.cohort, "subject": i.subject, "text": i.text} for i in found])
        for title, found in _shown(d)
    ]
    return render(
        "changes.html.j2", as_of=d.as_of or "—", intro=_intro(d), sections=sections, hidden_note=_hidden_note(d)
    )


# --- finding the earlier run and writing the files ---------------------------------------------


def find_earlier_run(out: Path, as_of: str | date) -> Path | None:
    """The newest folder beside ``out`` named for an earlier as-of date (YYYY-MM-DD) with a manifest."""
    day = score.parse_as_of(as_of)
    here = out.resolve()
    if not here.parent.is_dir():
        return None
    found = []
    for folder in here.parent.iterdir():
        if not _DATE_FOLDER.fullmatch(folder.name) or folder.resolve() == here:
            continue
        try:
            when = date.fromisoformat(folder.name)
        except ValueError:
            continue
        if when < day and (folder / MANIFEST).is_file():
            found.append((when, folder))
    return max(found)[1] if found else None


def check_since(since: str | os.PathLike[str] | None, out: Path, sharded: bool = False) -> Path | None:
    """``--since DIR``: an earlier run folder (with a manifest.json), not the run's own folder."""
    if since is None:
        return None
    if sharded:
        raise UsageError(
            "--since goes with the run that writes the digest: `report --index --since DIR` after the shards"
        )
    path = Path(since)
    if not (path / MANIFEST).is_file():
        raise UsageError(f"--since {since}: not a report run (no manifest.json in it)")
    if path.resolve() == out.resolve():
        raise UsageError("--since names the run's own --out folder; give the earlier run's folder")
    return path


def write_digest(out: Path, since: Path | None = None, settings: Settings = DEFAULT) -> Digest:
    """Compare ``out`` with ``since`` (default: the earlier run beside it); write changes.md and .html."""
    metas = read_metas(out)
    as_of = max((m["as_of"] for m in metas), default=None)
    earlier = since if since is not None else (find_earlier_run(out, as_of) if as_of else None)
    earlier_metas = read_metas(earlier) if earlier is not None else None
    shown = os.path.relpath(earlier.resolve(), out.resolve()) if earlier is not None else None
    digest = build(metas, earlier_metas, shown, settings, programme=read_programme(out))
    outputs.write_text_atomic(out / "changes.md", to_markdown(digest))
    outputs.write_text_atomic(out / "changes.html", to_html(digest))
    return digest


def after_run(out: Path, digest: Digest | None) -> str:
    """What ``mentorkit report`` prints after the index: the digest's summary (None: a shard leaves it to --index)."""
    if digest is None:
        return f"changes: a shard writes no digest; `mentorkit report --index --out {out}` writes it once all shards are done"
    return f"{digest.summary()}\n  → {out / 'changes.html'}"
