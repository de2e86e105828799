"""Every threshold lives in Settings: a changed setting leaves no report text with the old number."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from mentorkit import cli, store
from mentorkit.analysis import findings as insights
from mentorkit.analysis import score
from mentorkit.reporting import charts
from mentorkit.reporting import cohort as reportkit
from mentorkit.settings import DEFAULT, Settings
from tests.conftest import ROOT, SAMPLE_DAY

# every field moved off its default, to values no default uses
UNUSUAL = Settings(
    min_group_size=4,
    min_comment_group=31,
    completeness=0.85,
    band_ready=83.0,
    band_developing=53.0,
    checkin_min_answered=6,
    health_needs_checkin=63.0,
    element_low=1,
    checkin_recency_days=57,
    too_early_days=250,
    perception_gap=3,
    goal_tolerance=13.0,
    stale_days=41,
    link_expiry_days=19,
    reminder_interval_days=3,
    reliability_min_n=12,
    reliability_reference=0.77,
    programme_name="Guild mentoring",
    digest_response_rate_drop=0.17,
    digest_health_drop=13.0,
    response_rate_low=0.9,
    weak_item=0.97,
    healthy_index=40.0,
    programme_max_cohorts=12,
    earliest_year=1950,
    latest_year=2080,
    segment_attributes=("site",),
    segment_identifier_share=0.7,
    store_busy_seconds=7.0,
)

# (the default's wording, the same wording with UNUSUAL's value)
PHRASES = [
    ("fewer than 5 ", "fewer than 4 "),  # min_group_size
    ("at least 10 people", "at least 31 people"),  # min_comment_group
    ("fewer than 80 %", "fewer than 85 %"),  # completeness
    ("Ready (≥ 75)", "Ready (≥ 83)"),  # band_ready
    ("<em>Ready</em> ≥ 75", "<em>Ready</em> ≥ 83"),
    ("Developing (50–74)", "Developing (53–82)"),  # band_developing
    ("Not yet (< 50)", "Not yet (< 53)"),
    ("below 50 (not yet ready)", "below 53 (not yet ready)"),
    ("Pair health under 60", "Pair health under 63"),  # health_needs_checkin
    ("an element rated 2 or lower", "an element rated 1 or lower"),  # element_low
    ("in the last 60 days", "in the last 57 days"),  # checkin_recency_days
    ("less than 30 days ago", "less than 250 days ago"),  # too_early_days
    ("by 2 or more", "by 3 or more"),  # perception_gap
    ("within 15 points", "within 13 points"),  # goal_tolerance
    ("by more than 15 points", "by more than 13 points"),
    ("more than 45 days", "more than 41 days"),  # stale_days
    ("reported from 10 complete", "reported from 12 complete"),  # reliability_min_n
    ("needs 10", "needs 12"),
    ("0.70 is the usual reference", "0.77 is the usual reference"),  # reliability_reference
    ("acceptable (≥ 0.70)", "acceptable (≥ 0.77)"),
]


def report_texts(data: store.CohortData, settings: Settings) -> str:
    """Every settings-bearing text the report notebooks show, for every sample cohort."""
    out = [*reportkit.explanations(settings).values(), *charts.band_labels(settings).values()]
    marks = charts.score_distribution(pd.DataFrame({"score": [], "role": []}), settings)
    out += [f"{a['x']} {a['text']}" for a in marks.layout["annotations"]]  # type: ignore[index,union-attr]
    for cohort in sorted(data.participants["cohort_id"].unique()):
        ctx = reportkit.context(data, cohort, SAMPLE_DAY, settings)
        found = insights.readiness_findings(ctx.detail, settings) + insights.goal_findings(ctx.detail, settings)
        found += [
            f
            for role in ("mentor", "mentee")
            if (f := insights.weakest_item(reportkit.item_table(ctx, role), settings))
        ]
        out += [f.text for f in found]
        out += [ctx.hidden, reportkit.explain(ctx, "bands").data]
        for section in (
            reportkit.reliability,
            reportkit.perception_gaps,
            reportkit.pairs_needing_checkin,
            reportkit.comments,
        ):
            out.append(section(ctx).data)
        bands = reportkit.bands(ctx)
        if isinstance(bands, charts.Chart):
            out += [trace["name"] for trace in bands.data]
        result = score.score_cohort(data, cohort, ctx.as_of, settings)
        out.append(cli.format_score(result.to_dict(), settings.min_group_size))
    return "\n".join(out)


def test_unusual_settings_every_field_differs_from_the_default():
    for f in dataclasses.fields(Settings):
        assert getattr(UNUSUAL, f.name) != getattr(DEFAULT, f.name), f.name


@pytest.mark.slow
def test_the_reports_say_the_settings_numbers_and_none_of_the_defaults(sample_db):
    data = store.load(store.connect(sample_db))
    usual, unusual = report_texts(data, DEFAULT), report_texts(data, UNUSUAL)
    for old, new in PHRASES:
        assert old in usual, old  # the phrase is really shown with the defaults
        assert new in unusual, new
        assert old not in unusual, old
    # the chart's band marks sit at the thresholds: 50 and 75, then 53 and 83
    assert "50 developing" in usual and "75 ready" in usual
    assert "53 developing" in unusual and "83 ready" in unusual
    # findings switched by a setting alone: the sales cohort's mentees answered 5 of 6 (83 %): not below 80 %,
    # below 90 %; some checklist item has a yes rate of at least 60 % but under 97 %
    assert "Only 5 of 6 mentees (83 %) answered the readiness checklist." not in usual
    assert "Only 5 of 6 mentees (83 %) answered the readiness checklist." in unusual
    assert unusual.count("Weakest item:") > usual.count("Weakest item:")


# literals that are not thresholds: (file, text on the line) → why
NOT_THRESHOLDS = {
    ("mentorkit/reporting/charts.py", "len(q) < 70"): "an axis label's length in characters",
    ("mentorkit/intake/clean.py", "``45%``"): "an example of a progress spelling",
    ("mentorkit/intake/encoding.py", "> 0.8 * len("): "UTF-16 detection: share of zero bytes",
    ("mentorkit/intake/files.py", "1 << 30"): "the CSV field size limit",
    ("mentorkit/forms/server.py", "session_timeout < 10"): "the forms server's shortest session",
    ("mentorkit/forms/server.py", "at least 10 seconds"): "the same, in its error message",
}
OLD = r"(?:75|74|50|70|60|45|15|30|10|80|0\.70?|0\.8|0\.6)(?![\d.])"  # the defaults' thresholds
THRESHOLD_LITERALS = [
    re.compile(rf"[<>≥]=?\s*{OLD}"),  # a comparison, in code or text
    re.compile(
        rf"\b(?:fewer than|more than|less than|under|below|within|at least|from|needs|by|rated)\s+(?:{OLD}|5\b|2\b)"
    ),
    re.compile(rf"\b{OLD}\s*(?:–|%|days\b|points\b)"),  # "50–74", "80 %", "45 days", "15 points"
    re.compile(r"min_group_size(?:: int)?\s*=\s*\d"),
]


def _sources() -> list[tuple[str, str]]:
    found = [(str(p.relative_to(ROOT)), p.read_text("utf-8")) for p in sorted((ROOT / "mentorkit").rglob("*.py"))]
    found = [(name, text) for name, text in found if name != "mentorkit/settings.py"]
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        cells = json.loads(path.read_text("utf-8"))["cells"]
        found.append((str(path.relative_to(ROOT)), "\n".join("".join(c["source"]) for c in cells)))
    return found


def test_no_threshold_literal_outside_settings():
    hits = []
    for name, text in _sources():
        for n, line in enumerate(text.splitlines(), 1):
            if any(name == f and snippet in line for f, snippet in NOT_THRESHOLDS):
                continue
            hits += [
                f"{name}:{n}: {m.group()!r} in {line.strip()}" for p in THRESHOLD_LITERALS for m in p.finditer(line)
            ]
    assert not hits, "thresholds belong in mentorkit/settings.py:\n" + "\n".join(hits)


def test_the_literal_check_catches_a_typed_threshold(tmp_path):
    # the patterns find what the issue listed, so a new one fails the suite
    for line in (
        "if rate < 0.8:",
        '"Ready (≥ 75)"',
        '"fewer than 5 responses"',
        "no update for more than 45 days",
        "(within 15 points of",
        "min_group_size: int = 5",
        "health_index >= 70",
        "yes_rate >= 0.6",
    ):
        assert any(p.search(line) for p in THRESHOLD_LITERALS), line
    assert Path(ROOT / "mentorkit" / "settings.py").read_text("utf-8").count("min_group_size: int = 5") == 1


def test_a_notebook_without_as_of_reports_today_or_mentorkit_as_of(monkeypatch):
    from datetime import UTC, date, datetime

    monkeypatch.delenv(reportkit.AS_OF_ENV, raising=False)
    assert reportkit.notebook_as_of(None) == datetime.now(UTC).date()  # as the CLI without --as-of
    monkeypatch.setenv(reportkit.AS_OF_ENV, "2026-11-15")  # the notebook tests' sample date
    assert reportkit.notebook_as_of(None) == date(2026, 11, 15)
    assert reportkit.notebook_as_of("2026-03-01") == date(2026, 3, 1)  # a given date (papermill's) wins


def test_the_notebooks_default_as_of_and_min_group_size_to_none():
    for name in ("reports/readiness.ipynb", "reports/goal_progress.ipynb", "reports/programme.ipynb", "explore.ipynb"):
        cells = json.loads((ROOT / "notebooks" / name).read_text("utf-8"))["cells"]
        parameters = "".join(cells[0]["source"])
        assert "parameters" in cells[0]["metadata"]["tags"]
        assert re.search(r"^as_of = None\b", parameters, re.M), name
        assert "2026-11-15" not in parameters, name  # the sample's date reaches the tests through MENTORKIT_AS_OF
        if name.startswith("reports/"):
            assert re.search(r"^min_group_size = None\b", parameters, re.M), name


def test_instrument_ids_and_sources_come_from_their_registries(monkeypatch):
    from mentorkit import forms, instruments
    from mentorkit.intake import files
    from mentorkit.intake import survey_tools as exports

    yaml_ids = tuple(instruments.instruments())  # instruments.yaml's order
    assert ("roster", *yaml_ids) == cli.SAMPLE_ORDER and yaml_ids == forms.FORM_ORDER
    checkin = instruments.get("checkin")
    assert tuple(i.id for i in checkin.items if i.element) == instruments.CHECKIN_ELEMENTS
    assert len(instruments.CHECKIN_ELEMENTS) == 7  # Zachary's seven elements
    assert exports.CHECKIN_ELEMENTS is instruments.CHECKIN_ELEMENTS
    # a source registered with io is a --source choice at once; an unknown one is refused
    monkeypatch.setitem(files.SOURCES, "surveyx", files.Source("surveyx", "Survey X", lambda t: False, lambda *a: None))  # type: ignore[arg-type,return-value]
    args = cli.build_parser().parse_args(["import", "f.csv", "--instrument", "goals", "--source", "surveyx"])
    assert (args.source, args.instrument) == ("surveyx", "goals")
    with pytest.raises(SystemExit) as refused:  # argparse's usage error
        cli.main(["import", "f.csv", "--instrument", "goals", "--source", "surveyz"])
    assert refused.value.code == 2
