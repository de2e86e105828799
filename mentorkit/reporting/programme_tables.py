"""The programme report's tables: cohorts side by side, each figure's top and bottom, segments and outcomes.

Each returns ``HTML``; cells read "72 (61–83)" with their n below, suppressed figures show as hidden, never as
numbers, and all user-written text is escaped. ``full_table`` is every cohort's figures as numbers, the CSV a
ranked report writes beside its page (``write_full_table``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import HTML

from mentorkit import outputs
from mentorkit.analysis.compared import (
    COMPARED,
    FULL_TABLE,
    MISSING,
    RATES,
    ROLE_LABELS,
    Cell,
    cell_text,
    cells_of,
    count,
    outcome_cell,
)
from mentorkit.formats import hiding_note
from mentorkit.reporting import charts
from mentorkit.reporting.cohort import esc, note
from mentorkit.reporting.programme_data import ProgrammeContext, outcome_table, rankings, segment_table
from mentorkit.settings import Settings


def comparison_rows(table: pd.DataFrame, cohorts: list[str]) -> pd.DataFrame:
    """The side-by-side table as text: one row per cohort, "72 (61–83)" cells with their n."""
    rows = []
    cells = cells_of(table)
    for cohort in cohorts:
        enrolled = [cells.get((cohort, f"enrolled.{role}"), MISSING) for role in ("mentor", "mentee")]
        row: dict[str, object] = {
            "cohort": cohort,
            "mentors / mentees": f"{_whole(enrolled[0])} / {_whole(enrolled[1])}",
            "response rate (mentors / mentees)": " / ".join(
                _rate(cells.get((cohort, name), MISSING)) for name, _ in RATES
            ),
        }
        for comp in COMPARED:
            for name, label, _ in comp.series:
                c = cells.get((cohort, name), MISSING)
                row[comp.column(label)] = cell_text(c, comp.percent)
                row[comp.column(label) + " n"] = c.n
        rows.append(row)
    return pd.DataFrame(rows)


def _rate(c: Cell) -> str:
    """A response rate in whole percent (a count of a whole population: no interval)."""
    return cell_text(c, True) + (" %" if c.shown else "")


def _whole(c: Cell) -> str:
    if c.suppressed:
        return "hidden"
    return "—" if c.value is None else f"{c.value:.0f}"


def _figures_html(rows: pd.DataFrame, lead: list[tuple[str, str]], ctx: ProgrammeContext, caption: str) -> HTML:
    """A figure table as HTML: the ``lead`` columns (header, column) first, then each compared figure with its n."""
    names = [comp.column(label) for comp in COMPARED for _, label, _ in comp.series]
    head = [h for h, _ in lead] + ["Mentors / mentees", "Response rate (mentors / mentees)"]
    head += [n[0].upper() + n[1:] for n in names]
    marker = f"<span class='mk-hidden' title='{esc(ctx.hidden)}'>hidden</span>"
    body = []
    for r in rows.to_dict("records"):
        cells = [
            f"<td>{'<strong>' if i == 0 else ''}{esc(r[c])}{'</strong>' if i == 0 else ''}</td>"
            for i, (_, c) in enumerate(lead)
        ]
        cells.append(f"<td>{esc(r['mentors / mentees'])}</td>")
        cells.append(f"<td>{esc(r['response rate (mentors / mentees)'])}</td>")
        for name in names:
            text, n = str(r[name]), r[name + " n"]
            shown = marker if text == "hidden" else esc(text)
            count = "" if n is None or pd.isna(n) else f"<br><small class='mk-n'>n = {int(n)}</small>"
            cells.append(f"<td>{shown}{count}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    return HTML(
        f"<div class='mk-scroll'><table class='mk-table mk-programme'><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div><p class='mk-caption'>{esc(caption)}</p>"
    )


def side_by_side(ctx: ProgrammeContext) -> HTML:
    """Every cohort in one table: enrolment, response rates and each compared figure with interval and n.

    With more cohorts than ``programme_max_cohorts``: each figure's top and bottom cohorts (``ranked_tables``),
    and every cohort in the full table written beside the report (``write_full_table``).
    """
    if ctx.ranked:
        return ranked_tables(ctx)
    rows = comparison_rows(ctx.figures, ctx.cohorts)
    caption = (
        "Each figure with its 95 % interval in brackets; n counts the people (complete checklists for readiness "
        "scores), pairs or goals behind it. "
        f"{hiding_note(ctx.settings.min_group_size)}"
    )
    return _figures_html(rows, [("Cohort", "cohort")], ctx, caption)


# --- many cohorts: each figure's top and bottom, and the full table beside the report ------------


def full_table_link() -> str:
    """The link to the full per-cohort table, relative to the report (HTML)."""
    return f"the full table <a href='{esc(FULL_TABLE)}'>{esc(FULL_TABLE)}</a>"


def full_table(table: pd.DataFrame, cohorts: list[str]) -> pd.DataFrame:
    """Every cohort's headline figures as numbers: enrolment, response rates, and each figure with low, high, n.

    Shares and response rates in percent, means on 0–100, rounded to 0.1; a suppressed figure reads ``hidden``
    (no interval), a figure with nothing recorded is empty.
    """
    cells = cells_of(table)

    def number(c: Cell, scale: float) -> object:
        if c.suppressed:
            return "hidden"
        return None if c.value is None else round(scale * c.value, 1)

    def bound(c: Cell, x: float | None, scale: float) -> float | None:
        return None if c.suppressed or x is None else round(scale * x, 1)

    rows = []
    for cohort in cohorts:
        row: dict[str, object] = {"cohort": cohort}
        for role in ("mentor", "mentee"):
            row[f"{role}s"] = cells.get((cohort, f"enrolled.{role}"), MISSING).value
        for name, role in RATES:
            row[f"{role} response rate (%)"] = number(cells.get((cohort, name), MISSING), 100.0)
        for comp in COMPARED:
            scale = comp.scale
            for name, label, _ in comp.series:
                c, column = cells.get((cohort, name), MISSING), comp.column(label)
                row[column] = number(c, scale)
                row[f"{column} low"] = bound(c, c.low, scale)
                row[f"{column} high"] = bound(c, c.high, scale)
                row[f"{column} n"] = c.n
        rows.append(row)
    frame = pd.DataFrame(rows)
    counts = ["mentors", "mentees", *[c for c in frame.columns if c.endswith(" n")]]
    return frame.astype(dict.fromkeys(counts, "Int64"))


def write_full_table(ctx: ProgrammeContext) -> Path:
    """``full_table`` of every cohort as ``FULL_TABLE`` in the report's folder (guarded, atomically; once)."""
    if ctx.memo.full_table is None:
        path = (ctx.folder or Path.cwd()) / FULL_TABLE
        outputs.write_csv(path, full_table(ctx.figures, ctx.cohorts))
        ctx.memo.full_table = path
    return ctx.memo.full_table


def ranked_tables(ctx: ProgrammeContext) -> HTML:
    """Per headline figure, its top and bottom cohorts with intervals and n; the full table written and linked."""
    write_full_table(ctx)
    k, n, total = ctx.settings.min_group_size, ctx.per_end, len(ctx.cohorts)
    cells = cells_of(ctx.figures)
    figure_names = [r.figure for r in rankings(ctx)]
    hidden = sum(any(cells.get((c, f), MISSING).suppressed for f in figure_names) for c in ctx.cohorts)
    lead = (
        f"<p class='mk-explain'>{total:,} cohorts in total, more than the {ctx.settings.programme_max_cohorts} "
        f"this report lists one by one: for each headline figure it shows the {n} highest and the {n} lowest "
        f"cohorts, ranked by the figure's value (ties by cohort id), each with its 95 % interval and n. "
        f"{hidden:,} of the {total:,} cohorts have at least one of these figures hidden (fewer than {k} "
        "people's answers behind it); a hidden figure never ranks, and under each table is how many it leaves out. Every "
        f"cohort's figures, response rates and enrolment are in {full_table_link()}, beside this page.</p>"
    )
    marker = f"<span class='mk-hidden' title='{esc(ctx.hidden)}'>hidden</span>"
    parts = [lead]
    for r in rankings(ctx):
        parts.append(f"<h3>{esc(r.what[0].upper() + r.what[1:])}</h3>")
        caption = (
            f"Ranked: {r.ranked:,} of {total:,} cohorts; hidden (fewer than {k} people's answers behind it): {r.hidden:,}; "
            f"nothing recorded yet: {r.undefined:,}."
        )
        if not r.ranked:
            parts.append(f"<p class='mk-note'>No cohort has this figure to show. {esc(caption)}</p>")
            continue
        body = []
        for rank, cohort, c in r.top:
            body.append(_ranked_row(rank, cohort, c, r.percent, marker))
        if r.bottom:
            between = r.bottom[0][0] - r.top[-1][0] - 1
            if between:
                gap = f"… {between:,} cohorts ranked in between …"
                body.append(f"<tr class='mk-gap'><td colspan='4'>{gap}</td></tr>")
            body += [_ranked_row(rank, cohort, c, r.percent, marker) for rank, cohort, c in r.bottom]
        head = "".join(f"<th>{esc(h)}</th>" for h in ("Rank", "Cohort", r.column, "n"))
        parts.append(
            f"<div class='mk-scroll'><table class='mk-table mk-programme'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div><p class='mk-caption'>{esc(caption)}</p>"
        )
    return HTML("".join(parts))


def _ranked_row(rank: int, cohort: str, c: Cell, percent: bool, marker: str) -> str:
    text = cell_text(c, percent)
    shown = marker if text == "hidden" else esc(text)
    n = "" if c.n is None else str(c.n)
    return f"<tr><td>{rank:,}</td><td><strong>{esc(cohort)}</strong></td><td>{shown}</td><td>{n}</td></tr>"


# --- segments ----------------------------------------------------------------------------------


KEY_SEP = "\x1f"  # joins a cohort id and a segment name into one row key (ids never contain it)


def segment_rows(table: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """One breakdown as text, one row per cohort and segment in the table's order (cohort, segment, figures)."""
    part = table[table["attribute"] == attribute]
    keys = part["cohort_id"].astype(str) + KEY_SEP + part["segment"].astype(str)
    order = list(dict.fromkeys(keys))
    rows = comparison_rows(part.assign(cohort_id=keys), order)
    split = rows["cohort"].str.split(KEY_SEP, n=1, expand=True)
    rows = rows.assign(cohort=split[0] if len(rows) else rows["cohort"])
    rows.insert(1, "segment", split[1] if len(rows) else rows["cohort"])
    return rows


def segment_breakdowns(ctx: ProgrammeContext) -> HTML:
    """One table per breakdown attribute: every cohort's segments with their figures, intervals and n."""
    table = segment_table(ctx)
    if table.empty:
        return note("No roster attribute to break the cohorts down by.")
    parts = []
    for attribute in dict.fromkeys(table["attribute"].astype(str)):
        rows = segment_rows(table, attribute)
        caption = f"By {attribute}: each figure with its 95 % interval and n; hidden segments show no figure."
        block = _figures_html(
            rows, [("Cohort", "cohort"), (attribute.replace("_", " ").capitalize(), "segment")], ctx, caption
        )
        parts.append(f"<h3>By {esc(attribute.replace('_', ' '))}</h3>{block.data}")
    return HTML("".join(parts))


# --- readiness and outcomes ---------------------------------------------------------------------


CAUSE_CAVEAT = (
    "This is an association, not cause: people who start ready may differ in many other ways (role, workload, "
    "their match), and the data cannot tell what made the difference."
)


def outcome_rows(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The readiness–outcomes view as text: role, band, people, goals achieved and pair health with n."""
    labels = charts.band_labels(settings)
    rows = []
    for row in table.to_dict("records"):
        share, health = outcome_cell(row, "share"), outcome_cell(row, "health")
        rows.append(
            {
                "role": ROLE_LABELS.get(str(row["role"]), str(row["role"])),
                "band at the first complete checklist": labels.get(str(row["band"]), str(row["band"])),
                "people": count(row["people"]),
                "goals achieved (%)": cell_text(share, True),
                "goals": share.n,
                "mean pair health": cell_text(health, False),
                "pairs": health.n,
            }
        )
    return pd.DataFrame(rows)


def outcomes_table(ctx: ProgrammeContext) -> HTML:
    """The readiness–outcomes table, hidden cells marked."""
    rows = outcome_rows(outcome_table(ctx), ctx.settings)
    if rows.empty:
        return note("No complete readiness checklist yet.")
    marker = f"<span class='mk-hidden' title='{esc(ctx.hidden)}'>hidden</span>"
    head = "".join(f"<th>{esc(c[0].upper() + c[1:])}</th>" for c in rows.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{marker if v == 'hidden' else esc(v)}</td>" for v in r.values()) + "</tr>"
        for r in rows.to_dict("records")
    )
    return HTML(
        f"<div class='mk-scroll'><table class='mk-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        f"</table></div><p class='mk-caption'>{esc(CAUSE_CAVEAT)}</p>"
    )
