"""What the programme report compares across cohorts, and one cohort's figure as read from a figure table.

``COMPARED`` names the headline figures shown side by side (with what to do about a cohort that lags on one),
``RATES`` the response rates, ``TRENDED`` the figures followed over month ends. A ``Cell`` is one cohort's
figure from a figure table (``figures.COLUMNS``); ``trend_points`` and ``outcome_cell`` read the trend and
readiness–outcomes tables the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import SupportsFloat, cast

import pandas as pd

from mentorkit.analysis import figure_table as figures
from mentorkit.formats import is_missing

FULL_TABLE = "programme-cohorts.csv"  # a ranked programme report's full per-cohort table, beside its HTML


@dataclass(frozen=True)
class Compared:
    """One comparison across cohorts: a chart and a group of table columns."""

    key: str
    title: str
    series: tuple[tuple[str, str, str], ...]  # (figure name, label, what it is in a sentence)
    percent: bool  # a share shown in percent, else a mean on 0–100
    next_step: str  # what to do about a cohort that clearly lags on it
    short: str  # the table column's name, after the series label when ``labelled``
    labelled: bool = False

    def column(self, label: str) -> str:
        """The table column of one series: "Mentors ready (%)" for a labelled comparison, else ``short``."""
        return f"{label} {self.short}" if self.labelled else self.short

    @property
    def scale(self) -> float:
        """100 for a share (shown in percent), 1 for a mean."""
        return 100.0 if self.percent else 1.0


COMPARED = (
    Compared(
        "share_ready",
        "Share ready (latest complete checklist)",
        (
            ("mentor_readiness.share_ready", "Mentors", "the share of mentors ready"),
            ("mentee_readiness.share_ready", "Mentees", "the share of mentees ready"),
        ),
        True,
        "Hold an orientation session on what the programme asks, and ask again in a month.",
        "ready (%)",
        labelled=True,
    ),
    Compared(
        "mean_score",
        "Mean readiness score (0–100)",
        (
            ("mentor_readiness.mean_score", "Mentors", "the mentors' mean readiness score"),
            ("mentee_readiness.mean_score", "Mentees", "the mentees' mean readiness score"),
        ),
        False,
        "Look at the cohort's weakest checklist items and cover them at its next session.",
        "mean score",
        labelled=True,
    ),
    Compared(
        "health",
        "Pair health index (0–100)",
        (("relationship.health_index", "Pairs", "the pair health index"),),
        False,
        "Ask the cohort's pairs for a check-in conversation this month and offer mentors a refresher.",
        "pair health",
    ),
    Compared(
        "on_track",
        "Share of pairs on track",
        (("relationship.share_on_track", "Pairs", "the share of pairs on track"),),
        True,
        "Nudge the cohort's pairs that need a check-in; see its goal-progress report for who.",
        "pairs on track (%)",
    ),
    Compared(
        "achieved",
        "Share of goals achieved",
        (("goals.share_achieved", "Goals", "the share of goals achieved"),),
        True,
        "Review the cohort's open goals with its pairs: are they still the right ones?",
        "goals achieved (%)",
    ),
)
BY_KEY = {c.key: c for c in COMPARED}
RATES = (("mentor_readiness.response_rate", "mentors"), ("mentee_readiness.response_rate", "mentees"))
TRENDED = (  # (figure, title, percent)
    ("mentor_readiness.share_ready", "Share of mentors ready", True),
    ("mentee_readiness.share_ready", "Share of mentees ready", True),
    ("relationship.health_index", "Pair health index (0–100)", False),
    ("relationship.share_on_track", "Share of pairs on track", True),
    ("goals.share_achieved", "Share of goals achieved", True),
)
ROLE_LABELS = {"mentee": "Mentees", "mentor": "Mentors"}


@dataclass(frozen=True)
class Cell:
    """One cohort's figure as a table or chart shows it."""

    value: float | None
    n: int | None  # None when the figure's n is hidden too (a segment under k)
    low: float | None
    high: float | None
    suppressed: bool

    @property
    def shown(self) -> bool:
        return self.value is not None and not self.suppressed

    def scaled(self, scale: float) -> tuple[float | None, float | None, float | None]:
        """(value, low, high) times ``scale`` when shown, else all None."""
        if not self.shown or self.value is None:
            return None, None, None
        low = None if self.low is None else scale * self.low
        high = None if self.high is None else scale * self.high
        return scale * self.value, low, high


def number(x: object) -> float | None:
    """A table's value as a float; None for a missing one (None, NaN or ``pd.NA``)."""
    if x is pd.NA or is_missing(x):
        return None
    return float(cast(SupportsFloat, x))


def count(x: object) -> int | None:
    """A table's count as an int; None for a missing one."""
    value = number(x)
    return None if value is None else int(value)


MISSING = Cell(None, 0, None, None, False)  # a figure the table does not have


def cell(table: pd.DataFrame, cohort: str, figure: str) -> Cell:
    """A cohort's figure from a figure table (value None when suppressed or undefined)."""
    row = table[(table["cohort_id"] == cohort) & (table["figure"] == figure)]
    if row.empty:
        return MISSING
    r = row.iloc[0]
    return Cell(number(r["value"]), count(r["n"]), number(r["ci_low"]), number(r["ci_high"]), bool(r["suppressed"]))


def cells_of(table: pd.DataFrame) -> dict[tuple[str, str], Cell]:
    """Every (cohort, figure) of a figure table as ``cell`` reads it (the first row of each), in one pass."""
    first = table.drop_duplicates(["cohort_id", "figure"], keep="first")
    columns = [first[c].tolist() for c in ("cohort_id", "figure", "value", "n", "ci_low", "ci_high", "suppressed")]
    return {
        (str(cohort), str(figure)): Cell(number(value), count(n), number(low), number(high), bool(hid))
        for cohort, figure, value, n, low, high, hid in zip(*columns, strict=True)
    }


def cell_text(c: Cell, percent: bool) -> str:
    """ "72 (61–83)" for a share in percent, "74.5 (66.1–82.9)" for a mean; "hidden"/"—" otherwise."""
    if c.suppressed:
        return "hidden"
    if c.value is None:
        return "—"
    return figures.interval_text(c.value, c.low, c.high, percent=percent)


def with_unit(c: Cell, percent: bool) -> str:
    """ "91 % (71–97)" for a share, "74.5 (67.1–81.9)" for a mean."""
    text = cell_text(c, percent)
    if not percent:
        return text
    head, _, rest = text.partition(" ")
    return f"{head} % {rest}".rstrip()


def outcome_cell(row: dict[str, object], figure: str) -> Cell:
    """A readiness–outcomes row's share achieved (``share``) or mean pair health (``health``) as a Cell."""
    if figure == "share":
        value, low, high, n = row["share_achieved"], row["share_ci_low"], row["share_ci_high"], row["goals"]
    else:
        value, low, high, n = row["health"], row["health_ci_low"], row["health_ci_high"], row["pairs"]
    return Cell(number(value), count(n), number(low), number(high), bool(row["suppressed"]))


def trend_points(trends: pd.DataFrame, figure: str, percent: bool) -> pd.DataFrame:
    """One figure's shown points over time: cohort, as_of, value, low, high, n (percent for shares).

    Suppressed and undefined points are left out; a cohort's line starts when its figure can be shown.
    """
    scale = 100.0 if percent else 1.0
    rows = trends[(trends["figure"] == figure) & ~trends["suppressed"].astype(bool) & trends["value"].notna()]
    return pd.DataFrame(
        {
            "cohort": rows["cohort_id"].astype(str),
            "as_of": pd.to_datetime(rows["as_of"]).dt.date,
            "value": scale * rows["value"].astype("float64"),
            "low": scale * rows["ci_low"].astype("float64"),
            "high": scale * rows["ci_high"].astype("float64"),
            "n": rows["n"].astype("int64"),
        }
    ).reset_index(drop=True)
