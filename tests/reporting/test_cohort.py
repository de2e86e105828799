"""reportkit in-process: charts as plotly keeps them, one cohort loaded once per kernel, the namespace reset."""

from __future__ import annotations

import sqlalchemy as sa

from mentorkit import store
from mentorkit.analysis import snapshot
from mentorkit.reporting import charts
from mentorkit.reporting import cohort as reportkit
from mentorkit.runs import kernels, options
from tests.conftest import SAMPLE_AS_OF, SAMPLE_DAY


def sections(ctx: reportkit.ReportContext) -> dict[str, object]:
    return {
        "response_rates": reportkit.response_rates(ctx),
        "bands": reportkit.bands(ctx),
        "score_distribution": reportkit.score_distribution(ctx),
        "mentor_items": reportkit.item_rates(ctx, "mentor"),
        "mentee_items": reportkit.item_rates(ctx, "mentee"),
        "goal_status": reportkit.goal_status(ctx),
        "progress": reportkit.progress_vs_expected(ctx),
        "pair_status": reportkit.pair_status(ctx),
        "health": reportkit.health_over_time(ctx),
    }


def test_every_chart_is_what_plotly_keeps(sample_db):
    import plotly.graph_objects as go

    ctx = reportkit.context(store.load(store.connect(sample_db)), "2026-spring-eng", SAMPLE_DAY)
    figures = sections(ctx)
    assert all(isinstance(f, charts.Chart) for f in figures.values())  # the sample's largest cohort shows them all
    for name, chart in figures.items():
        spec = chart.to_dict()
        # plotly validates every property (an unknown one raises) and gives back the same dict
        assert go.Figure(spec).to_dict() == spec, name
        assert chart.figure().to_dict() == spec, name  # the dashboard's figure: numbers as numpy arrays again
        assert spec["layout"]["template"]["layout"]["plot_bgcolor"] == "white"  # plotly_white, expanded
    # numbers travel as typed arrays, as plotly sends them: 6 mentors and 12 mentees enrolled (int8: 0x06, 0x0c)
    enrolled = figures["response_rates"].data[0]["y"]
    assert enrolled == {"dtype": "i1", "bdata": "Bgw="}
    bundle = figures["bands"]._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html"} and "Plotly.newPlot" in bundle["text/html"]
    charts.lab_json(False)  # batch runs: only the HTML the page draws
    try:
        assert set(figures["bands"]._repr_mimebundle_()) == {"text/html"}
    finally:
        charts.lab_json(True)


def test_a_kernel_loads_a_cohort_once_until_its_data_changes(sample_copy):
    first = reportkit.open_report("2026-spring-eng", SAMPLE_AS_OF, db_url=sample_copy)
    second = reportkit.open_report("2026-spring-eng", SAMPLE_AS_OF, db_url=sample_copy)
    assert second.data is first.data and second.detail is first.detail  # the cohort's next report reuses it
    other = reportkit.open_report("2026-spring-eng", SAMPLE_AS_OF, db_url=sample_copy, min_group_size=7)
    assert other.data is not first.data and other.settings.min_group_size == 7
    engine = store.connect(sample_copy)
    with engine.begin() as conn:  # a late submission changes the cohort's fingerprint
        conn.execute(
            sa.update(store.participants)
            .where(store.participants.c.participant_id == "M-ENG-01")
            .values(updated_at=store.now())
        )
    again = reportkit.open_report("2026-spring-eng", SAMPLE_AS_OF, db_url=sample_copy, min_group_size=7)
    assert again.data is not other.data and again.fingerprint != other.fingerprint


def test_report_meta_gives_the_cohort_facts_and_begin_report_empties_the_namespace(sample_db):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shell.run_cell("x = 1")
    reportkit.begin_report()
    assert "x" not in shell.user_ns and "__builtins__" in shell.user_ns
    with capture_output() as nothing:  # a notebook that opened no cohort records only its CPU time
        reportkit.report_meta()
    assert set(nothing.outputs[0].data[reportkit.META_MIME]) == {"cpu_seconds"}
    reportkit.begin_report()
    ctx = reportkit.open_report("2026-pilot-legal", SAMPLE_AS_OF, db_url=sample_db)
    with capture_output() as captured:
        reportkit.report_meta()
    payload = captured.outputs[0].data[reportkit.META_MIME]
    assert (payload["cohort"], payload["as_of"], payload["min_group_size"]) == ("2026-pilot-legal", SAMPLE_AS_OF, 5)
    facts = payload["facts"]
    # the legal pilot (data/sample/roster.csv): 2 mentors, 2 mentees; under 5 respondents, so its means are hidden
    assert facts["figures"]["enrolled"] == {"mentor": 2, "mentee": 2}
    assert facts["figures"]["mentor_readiness"]["mean_score"] is None
    assert facts["data_fingerprint"] == ctx.fingerprint and len(ctx.fingerprint) == 16
    assert facts == snapshot.cohort_facts(ctx.detail, ctx.data, ctx.settings, ctx.identify, ctx.fingerprint)
    assert kernels.META_MIME == reportkit.META_MIME
    # the cohort's next report (same kernel, same data) reuses the facts worked out for the first
    again = reportkit.open_report("2026-pilot-legal", SAMPLE_AS_OF, db_url=sample_db)
    with capture_output() as second:
        reportkit.report_meta()
    assert again is not ctx and second.outputs[0].data[reportkit.META_MIME]["facts"] == facts
    assert again.memo["facts"] is ctx.memo["facts"]


def test_the_chart_template_holds_no_arrays_to_convert():
    # Chart converts only its own data and layout to typed arrays; plotly's conversion must leave
    # the shared plotly_white template as it is, or charts would differ from what plotly keeps
    import copy

    from _plotly_utils.utils import convert_to_base64

    template = copy.deepcopy(charts._template())
    convert_to_base64(template)
    assert template == charts._template()


def test_job_queue_keeps_a_cohorts_reports_on_one_kernel():
    jobs = [options.Job(c, r, options.notebooks_dir() / f"{r}.ipynb") for c in ("a", "b") for r in options.REPORTS]
    queue = kernels.JobQueue(jobs)
    # two kernels: each starts a different cohort, then finishes its own
    k1 = queue.next(None)
    k2 = queue.next(None)
    assert (k1.cohort, k1.report, k2.cohort, k2.report) == ("a", "readiness", "b", "readiness")  # type: ignore[union-attr]
    assert queue.next("b") == options.Job("b", "goal_progress", jobs[3].notebook)
    assert queue.next("a") == options.Job("a", "goal_progress", jobs[1].notebook)
    assert queue.next("a") is None
    # one cohort on two kernels still runs in parallel: the second kernel takes its other report
    single = kernels.JobQueue(jobs[:2])
    assert [single.next(None).report, single.next(None).report, single.next(None)] == [
        "readiness",
        "goal_progress",
        None,
    ]  # type: ignore[union-attr]


def test_reportkit_only_renders_what_score_decided():
    """No section cuts by date, applies a threshold or does date arithmetic: score.cohort_detail did."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(reportkit))
    ordering = [
        f"line {node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in node.ops)
    ]
    assert not ordering, "thresholds are applied in score:\n" + "\n".join(ordering)
    rules = {
        "as_of_cut",
        "latest",
        "suppress",
        "days_before",
        "matched_pairs",
        "pair_checkins",
        "Timedelta",
        "Timestamp",
    }
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)} & rules
    assert not used, f"score's rules used in reportkit: {sorted(used)}"
    # as_of is parsed once, in notebook_as_of; context takes the date
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "parse_as_of"]
    assert len(calls) == 1


def test_a_hidden_headline_figure_is_a_muted_tile_with_its_reason():
    reason = "fewer than 5 responses — hidden for confidentiality"
    shown, hidden = reportkit.tile(72.054, reason=reason), reportkit.tile(None, reason=reason)
    assert shown == "72.1" and hidden == reportkit.Hidden(reason)
    assert reportkit.tile(float("nan"), reason=reason) == reportkit.Hidden(reason)  # NaN is suppressed too
    html = reportkit.kpis([("mentor mean score", shown), ("mentee mean score", hidden)]).data
    assert html.startswith("<div class='mk-kpis'><div class='mk-kpi'><div class='mk-kpi-v'>72.1</div>")
    tile = html[html.index("mk-kpi-hidden") :]
    # the value is a short state; the reason is small type below the label and the tile's title (on hover)
    assert "<div class='mk-kpi-v'>Hidden</div><div class='mk-kpi-l'>mentee mean score</div>" in tile
    assert f"title='{reason}'" in html and f"<div class='mk-kpi-why'>{reason}</div>" in tile
    assert reason not in html[: html.index("mk-kpi-hidden")]  # the shown tile carries no reason
    evil = reportkit.kpis([("x", reportkit.Hidden("<b>'"))]).data
    assert "<b>" not in evil and "title='&lt;b&gt;&#x27;'" in evil


def test_the_stylesheet_styles_a_hidden_tile_as_a_state():
    from mentorkit.reporting import STYLESHEET

    css = STYLESHEET.read_text("utf-8")
    rule = css[css.index(".mk-kpi-hidden {") :].split("}")[0]
    assert "background" in rule and "dashed" in rule
    why = css[css.index(".mk-kpi-why {") :].split("}")[0]
    assert "font-size: 0.72rem" in why and "line-height: 1.3" in why  # small type, normal spacing
