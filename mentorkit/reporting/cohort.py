"""What report notebooks call: load a cohort once, then one function per section.

Every function returns something a notebook displays (``HTML`` or a plotly figure). All
user-written text is escaped here; suppressed figures are shown as hidden, never as numbers.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd
from IPython.display import HTML

from mentorkit import __version__, store, workspace
from mentorkit import instruments as ins
from mentorkit.analysis import findings as insights
from mentorkit.analysis import goals as goal_rules
from mentorkit.analysis import quality, score
from mentorkit.data import CohortData
from mentorkit.formats import esc, hiding_rule, is_missing, pair_label
from mentorkit.formats import fmt as figure_html
from mentorkit.reporting import charts
from mentorkit.settings import DEFAULT, Settings


@dataclass(frozen=True)
class ReportContext:
    """A cohort's data and scores, loaded once per report."""

    cohort_id: str
    as_of: date
    settings: Settings
    identify: bool
    data: CohortData
    detail: score.CohortDetail
    fingerprint: str
    generated_at: datetime
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)  # tables two sections use

    def name(self, participant_id: object) -> str:
        """A person as the report shows them: the pseudonymous id, or the name with ``identify``."""
        pid = str(participant_id)
        if not self.identify:
            return pid
        if "names" not in self.memo:  # one lookup table per report, not one index per person shown
            people = self.data.participants
            self.memo["names"] = dict(zip(people["participant_id"], people["name"], strict=True))
        name = self.memo["names"].get(pid)  # type: ignore[attr-defined]
        return f"{name} ({pid})" if isinstance(name, str) and name else pid

    @property
    def hidden(self) -> str:
        return f"fewer than {self.settings.min_group_size} people's answers behind it — hidden for confidentiality"


AS_OF_ENV = "MENTORKIT_AS_OF"  # the date a notebook run without an as_of parameter reports (default: today)


def notebook_as_of(as_of: str | date | None) -> date:
    """A notebook's ``as_of`` parameter as a date: ``None`` means $MENTORKIT_AS_OF when set, else today (UTC)."""
    if as_of is None:
        as_of = os.environ.get(AS_OF_ENV) or None
    return score.parse_as_of(as_of)


def open_report(
    cohort_id: str,
    as_of: str | date | None,
    db_url: str | None = None,
    min_group_size: int | None = None,
    identify: bool = False,
    settings: dict[str, object] | None = None,
) -> ReportContext:
    """Load and score one cohort for a report; sets up the chart renderer.

    ``settings``: the settings that differ from the defaults (what ``mentorkit report`` passes); None: the
    workspace's (its ``mentorkit.toml`` and the environment). ``min_group_size``, when given, overrides k.

    A kernel that runs a cohort's reports one after another loads and scores the cohort once:
    the next report reuses the context while the cohort's data fingerprint is unchanged.
    """
    global _opened, _cached
    charts.use_report_renderer()
    engine = store.connect(db_url, create=False)
    with engine.connect() as conn:
        fp = store.fingerprint(conn, [cohort_id])
    chosen = settings_for(min_group_size, settings)
    day = notebook_as_of(as_of)
    key = (cohort_id, day, db_url, chosen, bool(identify), fp)
    if _cached is not None and _cached[0] == key:
        ctx = replace(_cached[1], generated_at=store.now())
    else:
        _cached = None  # one cohort in memory at a time
        data = store.load(engine, [cohort_id], day)
        ctx = context(data, cohort_id, day, chosen, identify, fp)
        _cached = (key, ctx)
    _opened = ctx
    return ctx


_cached: tuple[tuple[object, ...], ReportContext] | None = None
_opened: ReportContext | None = None  # the context the running report opened
_cpu_start = 0.0
META_MIME = "application/vnd.mentorkit.meta+json"


def begin_report(lab_json: bool = True) -> None:
    """The runner's first call in each report: an empty namespace, the previous report forgotten.

    What ``%reset -f`` did for a reused kernel, without its two full garbage collections
    (0.13 s of CPU per report); the runner starts kernels with no output cache. With
    ``lab_json=False`` charts carry only the HTML the report page draws (see ``charts.lab_json``).
    """
    global _opened, _cpu_start
    _cpu_start = time.process_time()
    _opened = None
    charts.lab_json(lab_json)
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        hidden = shell.user_ns_hidden
        for name in [n for n in shell.user_ns if n not in hidden and not n.startswith("__")]:
            del shell.user_ns[name]


def report_meta() -> None:
    """The runner's last call in each report: display what meta.json needs as one output.

    The cohort's figures, data fingerprint and the kernel's CPU time for the report, so the
    runner never loads or scores a cohort itself.
    """
    from IPython.display import display

    from mentorkit.analysis.snapshot import cohort_facts

    ctx = _opened
    payload: dict[str, object] = {}
    if ctx is not None:
        if "facts" not in ctx.memo:  # a cohort's reports share its context (and memo): worked out once
            ctx.memo["facts"] = cohort_facts(ctx.detail, ctx.data, ctx.settings, ctx.identify, ctx.fingerprint)
        payload = {
            "cohort": ctx.cohort_id,
            "as_of": ctx.as_of.isoformat(),
            "min_group_size": ctx.settings.min_group_size,
            "identify": ctx.identify,
            "facts": ctx.memo["facts"],
        }
    payload["cpu_seconds"] = round(time.process_time() - _cpu_start, 4)
    display({META_MIME: payload}, raw=True)


def settings_for(min_group_size: int | None, overrides: dict[str, object] | None = None) -> Settings:
    """A report's settings: ``overrides`` over the defaults (None: the workspace's), then k when given.

    The comment threshold never drops below k.
    """
    base = workspace.settings() if overrides is None else workspace.from_overrides(overrides)
    if min_group_size is None or int(min_group_size) == base.min_group_size:
        return base
    k = int(min_group_size)
    return replace(base, min_group_size=k, min_comment_group=max(base.min_comment_group, k))


def context(
    data: CohortData,
    cohort_id: str,
    as_of: date,
    settings: Settings = DEFAULT,
    identify: bool = False,
    fingerprint: str = "-",
) -> ReportContext:
    """A report context from data already in memory (the explore notebook switches cohorts fast)."""
    detail = score.cohort_detail(data, cohort_id, as_of, settings)
    return ReportContext(cohort_id, as_of, settings, bool(identify), data, detail, fingerprint, store.now())


# --- small HTML pieces -------------------------------------------------------------------------


def fmt(value: object, kind: str = "num", hidden: str = "hidden") -> str:
    """A figure for display: rounded, or the hidden marker where it is suppressed (``display.fmt``)."""
    return figure_html(value, "pct" if kind == "pct" else "num", hidden)


def table(frame: pd.DataFrame, caption: str = "") -> HTML:
    """A DataFrame as an escaped, responsive HTML table; ids and dates are never broken across lines."""
    from mentorkit.formats import whole_ids

    body = whole_ids(frame.to_html(index=False, escape=True, na_rep="—", border=0, classes="mk-table"))
    cap = f"<p class='mk-caption'>{esc(caption)}</p>" if caption else ""
    return HTML(f"<div class='mk-scroll'>{body}</div>{cap}")


def note(text: str) -> HTML:
    """A short escaped paragraph."""
    return HTML(f"<p class='mk-note'>{esc(text)}</p>")


def explanations(settings: Settings) -> dict[str, str]:
    """The report sections' explaining sentences (HTML), with the thresholds of ``settings``."""
    st = settings
    return {
        "response_rates": (
            "Respondents are people who sent a checklist, complete or not. Checklists with fewer than "
            f"{100 * st.completeness:g} % of questions answered are <em>incomplete</em> and get no score."
        ),
        "bands": (
            f"Score = 100 × yes ÷ answered. <em>Ready</em> ≥ {st.band_ready:g}, <em>developing</em> ≥ "
            f"{st.band_developing:g}, <em>not yet</em> &lt; {st.band_developing:g}."
        ),
        "reliability": (
            "How consistently the checklist items measure one thing (KR-20 for yes/no checklists, Cronbach's "
            f"alpha for the check-in scale), reported from {st.reliability_min_n} complete responses."
        ),
        "goal_status": (
            "From each goal's latest update: <em>achieved</em>, <em>dropped</em>, <em>overdue</em> (past its "
            f"target date), <em>on track</em> (within {st.goal_tolerance:g} points of the progress expected by "
            "now) or <em>at risk</em>."
        ),
        "stale_goals": f"Neither achieved nor dropped, and no update for more than {st.stale_days} days.",
        "pairs_needing_checkin": (
            f"Pair health under {st.health_needs_checkin:g}, an element rated {st.element_low} or lower, or no "
            f"check-in in the last {st.checkin_recency_days} days."
        ),
    }


def explain(ctx: ReportContext, section: str) -> HTML:
    """A section's explaining sentence, with the report's settings (notebook markdown cannot hold them)."""
    return HTML(f"<p class='mk-explain'>{explanations(ctx.settings)[section]}</p>")


def title(ctx: ReportContext, report: str) -> HTML:
    """The report's title block."""
    s = ctx.detail.score
    return HTML(
        f"<header class='mk-title'><h1>{esc(report)}: {esc(ctx.cohort_id)}</h1>"
        f"<p>As of {esc(ctx.as_of.isoformat())} · {s.enrolled['mentor']} mentors · {s.enrolled['mentee']} mentees"
        f" · {s.relationship.pairs} matched pairs</p></header>"
    )


@dataclass(frozen=True)
class Hidden:
    """A headline figure that is suppressed: its tile shows the state "Hidden" and this reason in small type."""

    reason: str


def tile(value: object, kind: str = "num", reason: str = "hidden") -> str | Hidden:
    """A headline figure for ``kpis``: the formatted value, or ``Hidden(reason)`` where it is suppressed."""
    return Hidden(reason) if is_missing(value) else fmt(value, kind)


def kpis(items: list[tuple[str, str | Hidden]]) -> HTML:
    """A row of headline figures (label, already formatted value or ``Hidden``): a hidden one as a muted state."""
    cells = []
    for label, value in items:
        if isinstance(value, Hidden):  # the short state "Hidden", the reason in small type and on hover
            why = esc(value.reason)
            cells.append(
                f"<div class='mk-kpi mk-kpi-hidden' title='{why}'><div class='mk-kpi-v'>Hidden</div>"
                f"<div class='mk-kpi-l'>{esc(label)}</div><div class='mk-kpi-why'>{why}</div></div>"
            )
        else:
            cells.append(
                f"<div class='mk-kpi'><div class='mk-kpi-v'>{value}</div><div class='mk-kpi-l'>{esc(label)}</div></div>"
            )
    return HTML(f"<div class='mk-kpis'>{''.join(cells)}</div>")


def findings(found: list[insights.Finding]) -> HTML:
    """Key findings, each with its suggested next step."""
    if not found:
        return note("Nothing needs attention.")
    rows = "".join(
        f"<li class='mk-f mk-f-{esc(f.level.value)}'><strong>{esc(f.text)}</strong>"
        f"<br><span class='mk-next'>Next step: {esc(f.next_step)}</span></li>"
        for f in found
    )
    return HTML(f"<ul class='mk-findings'>{rows}</ul>")


def footer(ctx: ReportContext) -> HTML:
    """Cohort, as-of date, generation time, version and data fingerprint."""
    return HTML(
        "<footer class='mk-footer'>"
        f"Cohort {esc(ctx.cohort_id)} · as of {esc(ctx.as_of.isoformat())} · generated "
        f"{esc(ctx.generated_at.strftime('%Y-%m-%d %H:%M'))} UTC · mentorkit {esc(__version__)} · "
        f"data fingerprint {esc(ctx.fingerprint)} · people are shown "
        f"{'by name' if ctx.identify else 'by pseudonymous id'}; "
        f"{esc(hiding_rule(ctx.settings.min_group_size))}</footer>"
    )


# --- readiness sections ------------------------------------------------------------------------


def readiness_kpis(ctx: ReportContext) -> HTML:
    s = ctx.detail.score
    m, e = s.mentor_readiness, s.mentee_readiness
    return kpis(
        [
            ("mentor response rate", fmt(m.response_rate, "pct")),
            ("mentor mean score", tile(m.mean_score, reason=ctx.hidden)),
            ("mentee response rate", fmt(e.response_rate, "pct")),
            ("mentee mean score", tile(e.mean_score, reason=ctx.hidden)),
            ("mentees with a capacity risk", tile(e.capacity_risk, reason=ctx.hidden)),
        ]
    )


def readiness_findings(ctx: ReportContext) -> HTML:
    found = insights.readiness_findings(ctx.detail, ctx.settings)
    for role in ins.ROLES:
        weak = insights.weakest_item(item_table(ctx, role), ctx.settings)  # over the rates shown only
        if weak:
            found.append(weak)
    return findings(found)


def response_table(ctx: ReportContext) -> pd.DataFrame:
    s = ctx.detail.score
    rows = []
    for role in ins.ROLES:
        r = getattr(s, f"{role}_readiness")
        rows.append(
            {
                "role": role.title() + "s",
                "enrolled": s.enrolled[role],
                "respondents": r.respondents,
                "response rate": fmt(r.response_rate, "pct"),
                "incomplete": r.incomplete,
            }
        )
    return pd.DataFrame(rows)


def response_rates(ctx: ReportContext) -> charts.Chart:
    return charts.response_rates(response_table(ctx))


def bands(ctx: ReportContext) -> charts.Chart | HTML:
    s = ctx.detail.score
    rows = {}
    for role in ins.ROLES:
        r = getattr(s, f"{role}_readiness")
        if not r.suppressed:
            rows[role.title() + "s"] = {
                "ready": r.ready,
                "developing": r.developing,
                "not_yet": r.not_yet,
                "incomplete": r.incomplete,
            }
    if not rows:
        return note(f"Bands: {ctx.hidden}.")
    return charts.band_counts(pd.DataFrame(rows).T, ctx.settings)


def score_distribution(ctx: ReportContext) -> charts.Chart | HTML:
    frames = []
    for role in ins.ROLES:
        r = getattr(ctx.detail.score, f"{role}_readiness")
        if not r.suppressed:
            frames.append(ctx.detail.readiness[role].dropna(subset=["score"]).assign(role=role))
    if not frames:
        return note(f"Score distribution: {ctx.hidden}.")
    return charts.score_distribution(pd.concat(frames), ctx.settings)


def item_table(ctx: ReportContext, role: str) -> pd.DataFrame:
    """Yes rates per item of a role's checklist (computed once per context: findings and the chart use it)."""
    key = ("item_table", role)
    if key not in ctx.memo:
        inst = ins.readiness_for(role)
        latest = ctx.detail.readiness[role]
        responses = ctx.data.responses[inst.id]
        ctx.memo[key] = score.item_yes_rates(latest, responses, inst, ctx.settings)
    return ctx.memo[key]  # type: ignore[return-value]


def item_rates(ctx: ReportContext, role: str) -> charts.Chart | HTML:
    """Each item's yes rate, shown when k people answered that item (the score may be hidden meanwhile)."""
    table = item_table(ctx, role)
    if not table["yes_rate"].notna().any():
        return note(f"{role.title()} items: {ctx.hidden}.")
    return charts.item_rates(table, f"{role.title()} checklist: share answering yes, weakest first")


def capacity_risks(ctx: ReportContext) -> HTML:
    e = ctx.detail.score.mentee_readiness
    if e.suppressed:
        return note(f"Capacity risks: {ctx.hidden}.")
    scored = ctx.detail.readiness["mentee"]
    risky = scored[scored["capacity_risk"]]
    if risky.empty:
        return note("No mentee answered no to the time-commitment or other-responsibilities questions.")
    inst = ins.readiness_for("mentee")
    responses = ctx.data.responses[inst.id].set_index("submission_id")
    rows = []
    for sid, pid in zip(risky["submission_id"], risky["participant_id"], strict=True):
        said_no = [inst.item(i).text for i in inst.capacity_items if responses.at[sid, i] == 0]
        rows.append({"mentee": ctx.name(pid), "answered no to": "; ".join(said_no)})
    return table(pd.DataFrame(rows), "Mentees who said no to me02 (time) or me06 (other responsibilities).")


RELIABILITY_LABELS = {
    "mentor": "Mentor checklist (KR-20)",
    "mentee": "Mentee checklist (KR-20)",
    "checkin": "Check-in scale (Cronbach's alpha)",
}


def reliability(ctx: ReportContext) -> HTML:
    out = []
    ref = ctx.settings.reliability_reference
    readings = {
        "too_few": "not reported: {n} complete responses, needs {min_n}",
        "not_computable": "not computable (no variation)",
        "acceptable": "acceptable (≥ {ref:.2f})",
        "below": "below the {ref:.2f} reference",
    }
    for scale, items in ctx.detail.reliability_items.items():
        r = quality.reliability(items, quality.RELIABILITY_METHODS[scale], ctx.settings)
        verdict = readings[r["reading"]].format(n=r["n"], min_n=ctx.settings.reliability_min_n, ref=ref)
        shown = "—" if r["value"] is None else f"{r['value']:.2f}"
        out.append(
            {"scale": RELIABILITY_LABELS[scale], "complete responses": r["n"], "coefficient": shown, "reading": verdict}
        )
    return table(pd.DataFrame(out), f"Internal consistency; {ref:.2f} is the usual reference line.")


# --- goals and relationship sections -----------------------------------------------------------


def goal_kpis(ctx: ReportContext) -> HTML:
    g, r = ctx.detail.score.goals, ctx.detail.score.relationship
    return kpis(
        [
            ("goals", fmt(g.total)),
            ("mutually agreed", fmt(g.mutually_agreed)),
            ("achieved", fmt(g.achieved)),
            ("overdue", fmt(g.overdue)),
            ("stale", fmt(g.stale)),
            ("pair health index", tile(r.health_index, reason=ctx.hidden)),
            ("pairs needing a check-in", tile(r.needs_checkin, reason=ctx.hidden)),
        ]
    )


def goal_findings(ctx: ReportContext) -> HTML:
    return findings(insights.goal_findings(ctx.detail, ctx.settings))


def goal_status(ctx: ReportContext) -> charts.Chart | HTML:
    g = ctx.detail.score.goals
    if g.total == 0:
        return note("No goals recorded yet.")
    counts = {s: getattr(g, s) for s in goal_rules.GOAL_STATUSES}
    return charts.status_bars(counts, charts.GOAL_COLOURS, charts.GOAL_LABELS, "Goals by status", "Goals")


def _pair_label(ctx: ReportContext, pair_id: object) -> str:
    """ "mentor & mentee" of a pair (the scored pairs first, then every pair of the cohort); "—" when unknown."""
    if "pairs" not in ctx.memo:
        pairs: dict[object, tuple[object, object]] = {}
        for frame in (ctx.data.pairs, ctx.detail.pairs):  # later wins: the scored pairs
            pairs.update(zip(frame["pair_id"], zip(frame["mentor_id"], frame["mentee_id"], strict=True), strict=True))
        ctx.memo["pairs"] = pairs
    found = ctx.memo["pairs"].get(pair_id)  # type: ignore[attr-defined]
    if found is None:
        return "—"
    return pair_label(ctx.name(found[0]), ctx.name(found[1]))


def progress_vs_expected(ctx: ReportContext) -> charts.Chart | HTML:
    goals = ctx.detail.goals
    if goals.empty:
        return note("No goals recorded yet.")
    goals = goals.assign(label=[f"{gid}: {t}" for gid, t in zip(goals["goal_id"], goals["title"], strict=True)])
    return charts.progress_vs_expected(goals, ctx.settings.goal_tolerance)


def goal_list(ctx: ReportContext, which: str) -> HTML:
    goals = ctx.detail.goals
    picked = goals[goals["status"] == "overdue"] if which == "overdue" else goals[goals["stale"]]
    if picked.empty:
        return note(f"No {which} goals.")
    out = pd.DataFrame(
        {
            "goal": picked["goal_id"],
            "title": picked["title"],
            "pair": [_pair_label(ctx, p) for p in picked["pair_id"]],
            "target date": picked["target_date"].dt.strftime("%Y-%m-%d"),
            "progress": [f"{p:.0f} %" for p in picked["progress"]],
            "last update": [d.strftime("%Y-%m-%d") if pd.notna(d) else "never" for d in picked["last_update"]],
        }
    )
    return table(out)


def health_over_time(ctx: ReportContext) -> charts.Chart | HTML:
    if ctx.detail.score.relationship.suppressed:
        return note(f"Pair health over time: {ctx.hidden}.")
    monthly = ctx.detail.health_by_month
    if monthly.empty:
        return note(f"Pair health over time: no month reaches {ctx.settings.min_group_size} people.")
    labels = {i.id: i.element or i.id for i in ins.get("checkin").items}
    return charts.health_over_time(monthly, labels)


def pair_status(ctx: ReportContext) -> charts.Chart | HTML:
    rel = ctx.detail.score.relationship
    if rel.suppressed:
        return note(
            f"Pair status: {ctx.hidden}. Pairs matched less than "
            f"{ctx.settings.too_early_days} days ago: {rel.too_early} of {rel.pairs}."
        )
    counts = {"on_track": rel.on_track or 0, "needs_checkin": rel.needs_checkin or 0, "too_early": rel.too_early}
    return charts.status_bars(counts, charts.PAIR_COLOURS, charts.PAIR_LABELS, "Pairs by status", "Pairs")


def pairs_needing_checkin(ctx: ReportContext) -> HTML:
    rel = ctx.detail.score.relationship
    if rel.suppressed:
        return note(f"Pairs needing a check-in: {ctx.hidden}.")
    p = ctx.detail.pairs
    need = p[p["status"] == "needs_checkin"]
    if need.empty:
        return note("Every pair with a check-in is on track.")
    out = pd.DataFrame(
        {
            "pair": [_pair_label(ctx, pid) for pid in need["pair_id"]],
            "matched on": need["matched_on"].dt.strftime("%Y-%m-%d"),
            "why": need["reasons"],
        }
    )
    return table(out)


def perception_gaps(ctx: ReportContext) -> HTML:
    rel = ctx.detail.score.relationship
    if rel.suppressed:
        return note(f"Perception gaps: {ctx.hidden}.")
    p = ctx.detail.pairs
    gaps = p[p["perception_gap"]]
    if gaps.empty:
        return note(
            "Mentors and mentees see their relationships alike "
            f"(no element differs by {ctx.settings.perception_gap} or more)."
        )
    out = pd.DataFrame(
        {
            "pair": [_pair_label(ctx, pid) for pid in gaps["pair_id"]],
            "mentor's health": gaps["mentor_health"].round(0),
            "mentee's health": gaps["mentee_health"].round(0),
        }
    )
    return table(
        out, f"Pairs whose two sides differ by {ctx.settings.perception_gap} or more points on at least one element."
    )


def comments(ctx: ReportContext) -> HTML:
    found = ctx.detail.comments
    if found.texts is None:
        return note(
            f"Comments are shown only when at least {ctx.settings.min_comment_group} people have sent "
            f"a check-in ({found.people} so far)."
        )
    if not found.texts:
        return note("No comments.")
    items = "".join(f"<li>{esc(c)}</li>" for c in found.texts)
    return HTML(
        f"<ul class='mk-comments'>{items}</ul><p class='mk-caption'>Latest comment per person, unattributed.</p>"
    )


def data_quality(ctx: ReportContext) -> HTML:
    """Submissions flagged at import (speeders, partial responses, straight-lining); never rejected."""
    rows = [
        {
            "instrument": ins.get(inst_id).title,
            "submissions": int(q["submissions"]),
            "speeders": int(q["speeders"]),
            "partial": int(q["partial"]),
            "straight-lining": "—" if pd.isna(q["straight_lining"]) else int(q["straight_lining"]),
        }
        for inst_id, q in ctx.detail.quality.iterrows()
    ]
    return table(
        pd.DataFrame(rows),
        "Flags are set when answers are imported; flagged answers still count. "
        "Speeders finished in under a third of the median time (Qualtrics); straight-lining gives every "
        "element the same rating.",
    )
