"""The exploration dashboard: widgets that redraw plotly figures in place.

All cohorts are read once; switching cohort, as-of date or role only re-scores in memory.
"""

from __future__ import annotations

import time
from datetime import date

import ipywidgets as widgets
from IPython.display import display

from . import reportkit as rk
from . import store
from .settings import DEFAULT, Settings


class Explorer:
    """Cohort, as-of date and role pickers over a readiness and relationship overview."""

    def __init__(
        self, db_url: str | None = None, as_of: str | date | None = None, settings: Settings = DEFAULT
    ) -> None:
        rk.charts.use_report_renderer()
        self.settings = settings
        engine = store.connect(db_url, create=False)
        self.data = store.load(engine)
        with engine.connect() as conn:
            cohorts = store.list_cohorts(conn)
        if not cohorts:
            raise store.StoreError("the store has no cohorts yet; run `mentorkit demo` or import a roster")
        self.cohort = widgets.Dropdown(options=cohorts, value=cohorts[0], description="Cohort")
        self.as_of = widgets.DatePicker(value=rk.notebook_as_of(as_of), description="As of")
        self.role = widgets.ToggleButtons(
            options=[("Mentors", "mentor"), ("Mentees", "mentee")], value="mentor", description="Role"
        )
        self.headline = widgets.HTML()
        self.panels = {name: widgets.Output() for name in ("items", "bands", "pairs", "goals")}
        self.figures: dict[str, object] = {}
        self.last_redraw_seconds = 0.0
        for control in (self.cohort, self.as_of, self.role):
            control.observe(self._changed, names="value")
        self.redraw()

    def _changed(self, _change: dict) -> None:  # type: ignore[type-arg]
        self.redraw()

    def context(self) -> rk.ReportContext:
        """The report context of the current selection."""
        return rk.context(self.data, self.cohort.value, self.as_of.value or rk.notebook_as_of(None), self.settings)

    def redraw(self) -> None:
        """Re-score the selection and replace every figure."""
        start = time.perf_counter()
        ctx = self.context()
        role = self.role.value
        self.headline.value = rk.title(ctx, "Explore").data + rk.readiness_kpis(ctx).data + rk.goal_kpis(ctx).data
        shown = {
            "items": rk.item_rates(ctx, role),
            "bands": rk.bands(ctx),
            "pairs": rk.pair_status(ctx),
            "goals": rk.progress_vs_expected(ctx),
        }
        # plotly figures here (reports keep charts as plain dicts): the dashboard's users inspect them
        self.figures = {k: v.figure() if isinstance(v, rk.charts.Chart) else v for k, v in shown.items()}
        for name, out in self.panels.items():
            out.clear_output(wait=True)
            with out:
                display(self.figures[name])
        self.last_redraw_seconds = time.perf_counter() - start

    def widget(self) -> widgets.Widget:
        """The whole dashboard."""
        controls = widgets.HBox([self.cohort, self.as_of])
        return widgets.VBox([controls, self.role, self.headline, *self.panels.values()])
