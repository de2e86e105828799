"""``mentorkit export``: tidy tables for BI tools, read back with pandas, DuckDB and frictionless."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import math
import stat
from datetime import date
from pathlib import Path

import duckdb
import frictionless
import pandas as pd
import pyarrow.parquet as pq
import pytest

from mentorkit import cli, store
from mentorkit import export as bi
from mentorkit.settings import Settings
from tests.builders import (
    GOAL_UPDATES_HEADER,
    GOALS_HEADER,
    ROSTER_HEADER,
    header,
    import_csv,
    response_row,
)
from tests.conftest import SAMPLE, SAMPLE_AS_OF, run_cli
from tests.e2e.test_sample import ENG, LEGAL, OPS, SALES

SAMPLE_COHORTS = ("2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales")
HAND_WORKED = {doc["cohort"]: doc for doc in (ENG, SALES, OPS, LEGAL)}  # each cohort's figures worked out by hand
DUCKDB_TYPES = {  # a Frictionless type → what DuckDB reads (CSV auto-detected, Parquet from its schema)
    "string": "VARCHAR",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP WITH TIME ZONE",
}


@pytest.fixture(scope="module")
def exports(sample_db, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """The sample exported through the real command: csv and parquet, aggregate and responses."""
    home = tmp_path_factory.mktemp("export-home")
    out = {}
    for fmt in ("csv", "parquet"):
        for level in ("aggregate", "responses"):
            folder = home / f"{level}-{fmt}"
            args = ["--out", str(folder), "--format", fmt, "--level", level, "--as-of", SAMPLE_AS_OF]
            result = run_cli("export", "--db", sample_db, *args, env={"MENTORKIT_HOME": str(home)})
            assert result.returncode == 0, result.stderr
            assert f"to {folder}" in result.stdout
            out[(fmt, level)] = folder
    return out


def package(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text("utf-8"))


def read(folder: Path, name: str) -> pd.DataFrame:
    """A table with pandas, the way an analyst would."""
    path = folder / f"{name}.csv"
    return pd.read_csv(path) if path.exists() else pd.read_parquet(folder / f"{name}.parquet")


def score_json(sample_db: str, cohort: str) -> dict:
    result = run_cli("score", "--cohort", cohort, "--as-of", SAMPLE_AS_OF, "--json", "--db", sample_db)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def dotted(doc: dict) -> dict[str, object]:
    """A cohort's figures by dotted path, in `score --json`'s shape (cohort, date and suppression flags are not figures)."""
    out = {}
    for section, figures in doc.items():
        if isinstance(figures, dict):
            out.update({f"{section}.{k}": v for k, v in figures.items() if k != "suppressed"})
    return out


# --- the figures are score's --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.slow
def test_cohort_figures_are_the_hand_worked_sample_figures(exports, fmt):
    table = read(exports[(fmt, "aggregate")], "cohort_figures")
    assert sorted(table["cohort_id"].unique()) == list(SAMPLE_COHORTS) == sorted(HAND_WORKED)
    assert set(table["as_of"].astype(str)) == {SAMPLE_AS_OF}
    for cohort, doc in HAND_WORKED.items():
        rows = table[table["cohort_id"] == cohort].set_index("figure")
        assert rows.index.is_unique
        for path, expected in dotted(doc).items():
            assert path in rows.index, f"{cohort}: {path} missing"
            row = rows.loc[path]
            if expected is None:  # suppressed: an empty cell, never a number
                assert pd.isna(row["value"]), (cohort, path)
                section = path.split(".")[0]
                assert bool(row["suppressed"]) == bool(doc[section].get("suppressed")), (cohort, path)
            else:  # unrounded: the file keeps every digit of the hand-worked figure
                assert row["value"] == pytest.approx(expected, rel=1e-12), (cohort, path, row["value"], expected)
                assert not row["suppressed"]
        # the shares follow from the hand-worked counts: ready ÷ scored respondents, achieved ÷ goals
        for role in ("mentor_readiness", "mentee_readiness"):
            r = doc[role]
            share = rows.loc[f"{role}.share_ready"]
            if r["ready"] is None:
                assert pd.isna(share["value"]) and share["suppressed"]
            else:
                assert share["n"] == r["respondents"] - r["incomplete"]
                assert share["value"] == pytest.approx(r["ready"] / share["n"], rel=1e-12)
        g = doc["goals"]
        assert rows.loc["goals.share_achieved", "value"] == pytest.approx(g["achieved"] / g["total"], rel=1e-12)
    # 2026-spring-eng by hand (tests/e2e/test_sample.py): 3 of 6 mentors ready, 5 of 9 scored mentees, 1 of 8 goals
    eng = table[table["cohort_id"] == "2026-spring-eng"].set_index("figure")
    assert eng.loc["mentor_readiness.share_ready", "value"] == pytest.approx(0.5)
    assert eng.loc["mentee_readiness.share_ready", "value"] == pytest.approx(5 / 9)
    assert eng.loc["goals.share_achieved", "value"] == pytest.approx(1 / 8)


@pytest.mark.slow
def test_trends_are_score_as_of_each_month_end(exports, sample_db):
    trends = read(exports[("csv", "aggregate")], "cohort_trends")
    figures = read(exports[("csv", "aggregate")], "cohort_figures")
    # the sample's first match is 2026-05-18: month ends May to October, then the export's own date
    ends = ["2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", SAMPLE_AS_OF]
    assert sorted(trends["as_of"].unique()) == ends
    last = trends[trends["as_of"] == SAMPLE_AS_OF].reset_index(drop=True)
    pd.testing.assert_frame_equal(last, figures)  # the export date's rows are cohort_figures
    for cohort, day in (("2026-spring-eng", "2026-08-31"), ("2026-spring-sales", "2026-06-30")):
        result = run_cli("score", "--cohort", cohort, "--as-of", day, "--json", "--db", sample_db)
        values = trends[(trends["cohort_id"] == cohort) & (trends["as_of"] == day)].set_index("figure")["value"]
        for path, expected in dotted(json.loads(result.stdout)).items():
            assert pd.isna(values[path]) if expected is None else values[path] == expected, (cohort, day, path)


@pytest.mark.slow  # the module's exports of the sample (four runs of the command)
def test_pairs_and_goals_add_up_to_the_cohort_figures(exports):
    folder = exports[("csv", "responses")]
    figures = read(folder, "cohort_figures").set_index(["cohort_id", "figure"])["value"]
    pairs, goals = read(folder, "pairs"), read(folder, "goals")
    for cohort in SAMPLE_COHORTS:
        mine = pairs[pairs["cohort_id"] == cohort]
        assert len(mine) == figures[(cohort, "relationship.pairs")]
        assert (mine["status"] == "too_early").sum() == figures[(cohort, "relationship.too_early")]
        on_track = figures[(cohort, "relationship.on_track")]
        assert pd.isna(on_track) or (mine["status"] == "on_track").sum() == on_track
        theirs = goals[goals["cohort_id"] == cohort]
        assert len(theirs) == figures[(cohort, "goals.total")]
        for status in ("achieved", "dropped", "overdue", "on_track", "at_risk"):
            assert (theirs["status"] == status).sum() == figures[(cohort, f"goals.{status}")], (cohort, status)
        assert theirs["stale"].sum() == figures[(cohort, "goals.stale")]
        assert theirs["mutually_agreed"].sum() == figures[(cohort, "goals.mutually_agreed")]


@pytest.mark.slow  # the module's exports of the sample (four runs of the command)
def test_suppressed_figures_are_empty_cells_marked_true(exports):
    # 2026-fall-ops has 4 mentee respondents (k = 5): its mentee mean score is hidden
    text = (exports[("csv", "aggregate")] / "cohort_figures.csv").read_text("utf-8").splitlines()
    line = next(x for x in text if x.startswith("2026-fall-ops,2026-11-15,mentee_readiness.mean_score,"))
    assert line == "2026-fall-ops,2026-11-15,mentee_readiness.mean_score,,4,,,true,min_group_size"


# --- readable by the tools ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("level", ["aggregate", "responses"])
@pytest.mark.slow
def test_every_table_reads_back_with_pandas_and_duckdb_as_described(exports, fmt, level):
    folder = exports[(fmt, level)]
    desc = package(folder)
    names = [r["name"] for r in desc["resources"]]
    expected = ["cohort_figures", "cohort_trends", "segment_figures"] + (
        ["participants", "participant_attributes", "answers", "pairs", "goals", "goal_updates"]
        if level == "responses"
        else []
    )
    assert names == expected
    assert sorted(p.name for p in folder.iterdir()) == sorted(["datapackage.json", *(f"{n}.{fmt}" for n in names)])
    for res in desc["resources"]:
        fields = res["schema"]["fields"]
        path = folder / res["path"]
        frame = read(folder, res["name"])
        assert list(frame.columns) == [f["name"] for f in fields]
        assert len(frame) > 0 or res["name"] == "participant_attributes", res["name"]  # the sample has none
        relation = duckdb.read_csv(str(path)) if fmt == "csv" else duckdb.read_parquet(str(path))
        assert relation.columns == [f["name"] for f in fields]
        assert len(relation.fetchall()) == len(frame)
        described = [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]
        for (name, duck_type), field in zip(described, fields, strict=True):
            if fmt == "csv" and frame[name].isna().all():
                continue  # an empty column has no type to detect in a CSV
            assert duck_type == DUCKDB_TYPES[field["type"]], (res["name"], name, duck_type)


@pytest.mark.slow  # the module's exports of the sample (four runs of the command)
def test_pseudonyms_join_across_tables_in_duckdb(exports):
    folder = exports[("parquet", "responses")]
    con = duckdb.connect()
    for name in ("participants", "answers", "pairs", "goals", "goal_updates"):
        con.read_parquet(str(folder / f"{name}.parquet")).create_view(name)
    orphans = con.execute(
        "SELECT count(*) FROM answers a LEFT JOIN participants p USING (participant_id) WHERE p.role IS NULL"
    ).fetchone()
    assert orphans == (0,)
    # every pair's mentor is a mentor and its mentee a mentee of the same cohort, by pseudonym
    roles = con.execute(
        "SELECT DISTINCT m.role, e.role, m.cohort_id = pairs.cohort_id FROM pairs "
        "JOIN participants m ON m.participant_id = pairs.mentor_id "
        "JOIN participants e ON e.participant_id = pairs.mentee_id"
    ).fetchall()
    assert roles == [("mentor", "mentee", True)]
    # goals.status 'achieved' ⇔ its latest update says achieved (score's rule)
    mismatched = con.execute(
        "SELECT count(*) FROM goals g JOIN goal_updates u ON u.goal_id = g.goal_id AND u.latest "
        "WHERE (g.status = 'achieved') <> (u.status = 'achieved')"
    ).fetchone()
    assert mismatched == (0,)


# --- the data package ---------------------------------------------------------------------------


@pytest.mark.slow
def test_csv_data_package_validates_with_frictionless(exports):
    for level in ("aggregate", "responses"):
        folder = exports[("csv", level)]
        report = frictionless.validate(str(folder / "datapackage.json"))
        assert report.valid, report.flatten(["type", "note"])[:10]


@pytest.mark.slow  # the module's exports of the sample (four runs of the command)
def test_parquet_data_package_descriptor_is_valid_and_matches_the_files(exports):
    folder = exports[("parquet", "responses")]
    assert frictionless.Package.validate_descriptor(str(folder / "datapackage.json")).valid
    arrow = {"string": "string", "number": "double", "integer": "int64", "boolean": "bool", "date": "date32[day]"}
    for res in package(folder)["resources"]:
        path = folder / res["path"]
        assert res["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        schema = pq.read_schema(path)
        for field in res["schema"]["fields"]:
            want = arrow.get(field["type"], "timestamp[us, tz=UTC]")
            assert str(schema.field(field["name"]).type) == want, (res["name"], field["name"])


@pytest.mark.slow  # the module's exports of the sample (four runs of the command)
def test_the_data_package_describes_every_column(exports):
    desc = package(exports[("csv", "responses")])
    assert desc["profile"] == "tabular-data-package"
    assert desc["mentorkit"]["as_of"] == SAMPLE_AS_OF
    for res in desc["resources"]:
        assert res["profile"] == "tabular-data-resource"
        assert res["description"]
        with (exports[("csv", "responses")] / res["path"]).open(encoding="utf-8") as fh:
            columns = next(csv.reader(fh))
        fields = res["schema"]["fields"]
        assert [f["name"] for f in fields] == columns
        for f in fields:
            assert f["type"] in DUCKDB_TYPES and len(f["description"]) > 10, (res["name"], f)
        assert res["schema"]["primaryKey"], res["name"]


# --- privacy ------------------------------------------------------------------------------------


def personal_texts() -> list[str]:
    """Every name, e-mail, roster id and free text of the sample (what a responses export must not hold)."""
    roster = pd.read_csv(SAMPLE / "roster.csv", dtype=str)
    checkins = pd.read_csv(SAMPLE / "checkin.csv", dtype=str)
    goals = pd.read_csv(SAMPLE / "goals.csv", dtype=str)
    updates = pd.read_csv(SAMPLE / "goal_updates.csv", dtype=str)
    texts = [
        *roster["name"],
        *roster["email"],
        *roster["participant_id"],
        *checkins["comment"].dropna(),
        *goals["title"],
        *goals["success_criteria"].dropna(),
        *goals["goal_id"],
        *updates["note"].dropna(),
    ]
    return sorted({t.strip().lower() for t in texts if isinstance(t, str) and t.strip()})


@pytest.mark.slow  # the module's exports of the sample (four runs of the command)
def test_a_responses_export_holds_no_name_email_roster_id_or_free_text(exports):
    texts = personal_texts()
    assert len(texts) > 100 and "great conversations about moving into architecture." in texts
    for fmt in ("csv", "parquet"):
        folder = exports[(fmt, "responses")]
        dumps = [(folder / "datapackage.json").read_text("utf-8").lower()]
        for res in package(folder)["resources"]:
            dumps.append(read(folder, res["name"]).to_csv(index=False).lower())  # parquet pages are compressed
            if fmt == "csv":
                dumps.append((folder / res["path"]).read_text("utf-8").lower())
        found = [t for t in texts if any(t in d for d in dumps)]
        assert found == [], found


@pytest.mark.slow  # the module's exports of the sample (four runs of the command)
def test_pseudonyms_are_keyed_hashes_stable_across_exports(exports, tmp_path):
    participants = read(exports[("csv", "responses")], "participants")
    again = read(exports[("parquet", "responses")], "participants")
    assert set(participants["participant_id"]) == set(again["participant_id"])  # same secret, same pseudonyms
    assert participants["participant_id"].str.fullmatch(r"P-[0-9a-f]{16}").all()
    # HMAC-SHA256("P:" + id) under the key, first 16 hex digits
    key = b"0" * 64
    expected = "P-" + hmac.new(key, b"P:M-ENG-01", hashlib.sha256).hexdigest()[:16]
    assert bi.Pseudonyms(key).person("M-ENG-01") == expected
    assert bi.Pseudonyms(b"1" * 64).person("M-ENG-01") != expected
    secret = exports[("csv", "responses")].parent / "data" / bi.SECRET_NAME
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(exports[("csv", "responses")].stat().st_mode) == 0o700  # person-level: owner only


# --- formula guard, hand-worked response tables ---------------------------------------------------


@pytest.fixture
def small(sqlite_url, tmp_path):
    """One cohort of 5 mentors and 5 mentees; e1 answered twice, once after the export date."""
    engine = store.connect(sqlite_url)
    hostile = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "Sales"]
    roster = [
        ["c1", f"m{i}", "mentor", f"Mentor {i}", f"m{i}@x.org", "", "", hostile[i - 1], "Berlin"] for i in range(1, 6)
    ]
    roster += [
        ["c1", f"e{i}", "mentee", f"Mentee {i}", f"e{i}@x.org", f"m{i}", "2026-06-01", "Sales", site]
        for i, site in zip(range(1, 6), ["Berlin", "Berlin", "Berlin", "=Paris", ""], strict=True)
    ]
    import_csv(engine, "roster", [*ROSTER_HEADER, "site"], roster, tmp_path)
    who = header("mentee_readiness", "participant_id", "submitted_at")
    rows = [response_row("mentee_readiness", [f"e{i}", "2026-06-02"], "yes") for i in range(1, 6)]
    rows.append(response_row("mentee_readiness", ["e1", "2026-09-01"], ["no", "", "yes", "yes", "yes", "yes"]))
    rows.append(response_row("mentee_readiness", ["e2", "2026-12-01"], "no"))  # after the export's date
    import_csv(engine, "mentee_readiness", who, rows, tmp_path)
    goals = [["g1", "m1", "e1", "Shadow Mentor 1 at the client", "", "2026-06-01", "2026-12-31", "yes", "yes"]]
    import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path)
    updates = [
        ["g1", "e1", "2026-07-01", "30", "in_progress", "told my manager"],
        ["g1", "e1", "2026-10-01", "100", "achieved", ""],
    ]
    import_csv(engine, "goal_updates", GOAL_UPDATES_HEADER, updates, tmp_path)
    return sqlite_url


@pytest.mark.slow
def test_csv_cells_are_guarded_against_formulas_and_parquet_keeps_the_text(small, tmp_path):
    for fmt in ("csv", "parquet"):
        out = tmp_path / fmt
        args = ["--out", str(out), "--level", "responses", "--format", fmt, "--segment-by", "site"]
        assert cli.main(["export", "--db", small, *args]) == 0
    with (tmp_path / "csv" / "participants.csv").open(encoding="utf-8", newline="") as fh:
        departments = {row["department"] for row in csv.DictReader(fh)}
    assert departments == {'\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)", "Sales"}
    raw = set(pd.read_parquet(tmp_path / "parquet" / "participants.parquet")["department"])
    assert raw == {'=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "Sales"}
    with (tmp_path / "csv" / "participant_attributes.csv").open(encoding="utf-8", newline="") as fh:
        sites = sorted((row["attribute"], row["value"]) for row in csv.DictReader(fh))
    assert sites == [("site", "'=Paris")] + [("site", "Berlin")] * 8  # e5 has none
    with (tmp_path / "csv" / "segment_figures.csv").open(encoding="utf-8", newline="") as fh:
        labels = {(row["attribute"], row["segment"]) for row in csv.DictReader(fh)}
    # a value one person holds is no label: '+1+1 (one mentor) and =Paris (one mentee) are the row (hidden)
    assert labels == {("department", "Sales"), ("department", "(hidden)"), ("site", "Berlin"), ("site", "(hidden)")}


@pytest.mark.slow
def test_segment_figures_hide_small_segments_as_empty_cells(small, tmp_path):
    out = tmp_path / "out"
    assert cli.main(["export", "--db", small, "--out", str(out), "--as-of", "2026-11-15", "--segment-by", "site"]) == 0
    seg = pd.read_csv(out / "segment_figures.csv", keep_default_na=False, na_values=[""])
    enrolled = seg[seg["figure"] == "enrolled.mentee"].set_index(["attribute", "segment"])
    # department: Sales holds the 5 mentees and mentor m5 (6 people, visible); every other department is one
    # mentor (hidden: fewer than 5 people), with an empty value and n
    assert enrolled.loc[("department", "Sales"), "value"] == 5
    assert not enrolled.loc[("department", "Sales"), "suppressed"]
    lone = enrolled.loc[("department", "(hidden)")]  # the four one-mentor departments, unnamed, in one row
    assert lone["suppressed"] and pd.isna(lone["value"]) and pd.isna(lone["n"])
    # site: Berlin 5 mentors + 3 mentees = 8 visible; =Paris (1) and (none) (1) hidden, unnamed, in one row
    assert enrolled.loc[("site", "Berlin"), "value"] == 3
    hidden = enrolled.loc[("site", "(hidden)")]
    assert hidden["suppressed"] and pd.isna(hidden["value"])
    assert set(enrolled.index.get_level_values("segment")) == {"Sales", "Berlin", "(hidden)"}


@pytest.mark.slow
def test_the_aggregate_export_names_no_one(sqlite_url, tmp_path):
    engine = store.connect(sqlite_url)
    # 2 mentors and 8 mentees; extra roster columns: an employee number and a private e-mail (10 distinct values
    # each), and a manager: Ann Boss for 6 people, Carl Chief for 4
    people = [("m1", "mentor", ""), ("m2", "mentor", "")] + [(f"e{i}", "mentee", f"m{1 + i % 2}") for i in range(8)]
    roster = [
        ["c1", pid, role, pid.upper(), f"{pid}@corp.example", mentor, "2026-06-01" if mentor else "", "Ops",
         f"E{n:03d}", f"{pid}@home.example", "Ann Boss" if n < 6 else "Carl Chief"]
        for n, (pid, role, mentor) in enumerate(people)
    ]  # fmt: skip
    import_csv(engine, "roster", [*ROSTER_HEADER, "employee_number", "private_email", "manager"], roster, tmp_path)

    def labels(*segment_by: str) -> set[str]:
        out = tmp_path / "-".join(("out", *segment_by))
        args = [a for column in segment_by for a in ("--segment-by", column)]
        assert cli.main(["export", "--db", sqlite_url, "--out", str(out), "--as-of", "2026-11-15", *args]) == 0
        text = (out / "segment_figures.csv").read_text("utf-8")
        for secret in ["E000", "E009", "home.example", "Carl Chief"]:
            assert secret not in text, secret
        return set(pd.read_csv(out / "segment_figures.csv", keep_default_na=False)["attribute"] + ":" + pd.read_csv(
            out / "segment_figures.csv", keep_default_na=False)["segment"])  # fmt: skip

    # by default only department: no roster column becomes a segment unless named
    assert labels() == {"department:Ops"}
    # named: the employee number and the private e-mail (10 values for 10 people) identify people → left out;
    # the manager is a breakdown, but Carl Chief (4 people < 5) is the unnamed row (hidden)
    assert labels("employee_number", "private_email", "manager") == {
        "department:Ops", "manager:Ann Boss", "manager:(hidden)"
    }  # fmt: skip


@pytest.mark.slow
def test_answers_are_long_cut_at_the_date_with_the_counting_submission_marked(small, tmp_path):
    out = tmp_path / "out"
    assert cli.main(["export", "--db", small, "--out", str(out), "--level", "responses", "--as-of", "2026-11-15"]) == 0
    answers = pd.read_csv(out / "answers.csv")
    # 5 first checklists + e1's second = 6 submissions × 6 items; e2's of 2026-12-01 is after the date
    assert len(answers) == 36 and answers["submission_id"].nunique() == 6
    assert set(answers["instrument"]) == {"mentee_readiness"}
    by_sub = answers.groupby("submission_id")
    latest = by_sub["latest"].first()
    assert latest.sum() == 5  # e1's second replaces e1's first
    second = answers[answers["submitted_at"] == "2026-09-01T00:00:00Z"].set_index("item_id")["value"]
    assert second["me01"] == 0 and math.isnan(second["me02"]) and second["me03"] == 1  # unanswered: empty
    assert bool(answers[answers["submitted_at"] == "2026-09-01T00:00:00Z"]["latest"].all())
    updates = pd.read_csv(out / "goal_updates.csv")
    assert list(updates["latest"]) == [False, True] and list(updates["status"]) == ["in_progress", "achieved"]
    assert "note" not in updates.columns
    goals = pd.read_csv(out / "goals.csv")
    assert list(goals.columns).count("title") == 0 and list(goals["status"]) == ["achieved"]
    everything = "".join(p.read_text("utf-8") for p in out.iterdir()).lower()
    assert "told my manager" not in everything and "shadow mentor" not in everything and "@x.org" not in everything


# --- usage errors and atomicity -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["--out", "OUT", "--format", "xlsx"], "unknown format 'xlsx'"),
        (["--out", "OUT", "--level", "everything"], "unknown level 'everything'"),
        (["--out", "OUT", "--as-of", "2026-13-01"], "not a date"),
        (["--format", "parquet"], "export needs --out DIR"),
    ],
)
def test_bad_usage_is_one_line_exit_2_and_writes_nothing(capsys, tmp_path, argv, text):
    out = tmp_path / "out"
    assert cli.main(["export", *(str(out) if a == "OUT" else a for a in argv)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("mentorkit: error: ") and text in err, err
    assert not out.exists()
    assert not (tmp_path / "data").exists()  # the default store was not even created


def test_a_folder_of_other_files_is_refused_and_kept(capsys, tmp_path, sample_db):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert cli.main(["export", "--db", sample_db, "--out", str(out)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_a_new_export_replaces_the_earlier_one_whole(tmp_path, sample_db):
    out = tmp_path / "bi"
    assert cli.main(["export", "--db", sample_db, "--out", str(out), "--level", "responses"]) == 0
    assert (out / "answers.csv").exists()
    assert cli.main(["export", "--db", sample_db, "--out", str(out), "--format", "parquet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "cohort_figures.parquet",
        "cohort_trends.parquet",
        "datapackage.json",
        "segment_figures.parquet",
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


@pytest.mark.slow
def test_a_failure_while_writing_leaves_the_earlier_export_as_it_was(capsys, tmp_path, sample_db, monkeypatch):
    out = tmp_path / "exports" / "bi"
    assert cli.main(["export", "--db", sample_db, "--out", str(out), "--as-of", SAMPLE_AS_OF]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = bi.write._write_table
    written: list[str] = []

    def disk_full_on_the_third(folder, table, frame, fmt):  # a real write, then the disk fills up
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        written.append(table.name)
        return real(folder, table, frame, fmt)

    monkeypatch.setattr(bi.write, "_write_table", disk_full_on_the_third)
    code = cli.main(["export", "--db", sample_db, "--out", str(out), "--level", "responses", "--as-of", "2026-10-01"])
    assert code == 1 and written == ["cohort_figures", "cohort_trends"]
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir()] == ["bi"]  # the half-written folder is gone


def test_an_empty_store_exports_empty_tables_with_their_headers(sqlite_url, tmp_path):
    store.connect(sqlite_url)
    out = tmp_path / "empty"
    tables = bi.build_tables(
        store.load(store.connect(sqlite_url)), date(2026, 11, 15), "responses", names=bi.Pseudonyms(b"k" * 64)
    )
    bi.write_export(out, tables, date(2026, 11, 15), "responses", "csv")
    assert (out / "cohort_figures.csv").read_text(
        "utf-8"
    ) == "cohort_id,as_of,figure,value,n,ci_low,ci_high,suppressed,suppressed_reason\n"
    assert frictionless.validate(str(out / "datapackage.json")).valid


def test_help_lists_export_with_its_options():
    text = cli.build_parser().format_help()
    assert "export" in text and "BI tools" in text
    sub = cli.build_parser()._subparsers._group_actions[0].choices["export"].format_help()  # type: ignore[union-attr]
    for option in ("--out", "--as-of", "--format", "--level", "--db"):
        assert option in sub


@pytest.mark.slow
def test_on_a_terminal_the_stages_show_with_the_time_so_far(sample_db, tmp_path):
    import os
    import pty
    import shutil
    import subprocess
    import sys

    exe = shutil.which("mentorkit", path=str(Path(sys.executable).parent)) or "mentorkit"
    leader, follower = pty.openpty()  # stderr is a terminal, stdout a pipe (as `mentorkit export … | tee`)
    args = [exe, "export", "--db", sample_db, "--out", str(tmp_path / "bi"), "--as-of", SAMPLE_AS_OF]
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=follower, timeout=300, check=False)
    os.close(follower)
    shown = os.read(leader, 65536).decode()
    os.close(leader)
    assert done.returncode == 0
    assert "s  reading the store" in shown and "writing cohort_figures (208 rows)" in shown, shown
    piped = run_cli("export", "--db", sample_db, "--out", str(tmp_path / "bi2"), "--as-of", SAMPLE_AS_OF)
    assert piped.stderr == ""  # not a terminal: the summary line alone


def test_descriptions_state_the_settings_in_force(tmp_path):

    path = tmp_path / "goals.csv"
    path.write_text("x\n", "utf-8")
    unusual = Settings(stale_days=31, perception_gap=3, element_low=1)
    goals = {f["name"]: f["description"] for f in bi.resource(bi.GOALS, path, "csv", unusual)["schema"]["fields"]}
    assert "more than 31 days" in goals["stale"]
    pairs = {f["name"]: f["description"] for f in bi.resource(bi.PAIRS, path, "csv", unusual)["schema"]["fields"]}
    assert "by 3 or more points" in pairs["perception_gap"] and "rated 1 or lower" in pairs["low_element"]


@pytest.mark.slow
def test_export_reads_either_store(db_url, tmp_path):
    engine = store.connect(db_url)
    roster = [["c1", f"m{i}", "mentor", f"Mentor {i}", f"m{i}@x.org", "", "", "Ops", "Lyon"] for i in range(1, 4)]
    roster += [
        ["c1", f"e{i}", "mentee", f"Mentee {i}", f"e{i}@x.org", f"m{i}", "2026-06-01", "Ops", "Lyon"] for i in (1, 2, 3)
    ]
    import_csv(engine, "roster", [*ROSTER_HEADER, "site"], roster, tmp_path)
    out = tmp_path / "bi"
    by_site = Settings(segment_attributes=("site",))
    result = bi.export(engine, out, date(2026, 11, 15), "parquet", "responses", by_site)
    assert result.rows["participants"] == 6 and result.rows["participant_attributes"] == 6
    assert set(pd.read_parquet(out / "participant_attributes.parquet")["value"]) == {"Lyon"}
    figures = pd.read_parquet(out / "cohort_figures.parquet").set_index("figure")["value"]
    assert figures["enrolled.mentor"] == 3 and figures["relationship.pairs"] == 3


@pytest.mark.slow
def test_the_export_gives_no_ones_answers_away_by_subtraction(sqlite_url, tmp_path):
    from tests.builders import late_sixth, one_apart

    engine = store.connect(sqlite_url)
    late_sixth(engine, tmp_path)
    one_apart(engine, tmp_path)
    out = tmp_path / "out"
    assert (
        cli.main(["export", "--db", sqlite_url, "--out", str(out), "--as-of", "2026-07-31", "--segment-by", "site"])
        == 0
    )
    trends = pd.read_csv(out / "cohort_trends.csv", keep_default_na=False, na_values=[""])
    mean = trends[(trends["cohort_id"] == "d1") & (trends["figure"] == "mentee_readiness.mean_score")]
    # d1: 30 June n 5 (mean 100) against 31 July n 6 ((500 + 0) ÷ 6): June is empty, its reason given
    june, july = mean.set_index("as_of").loc["2026-06-30"], mean.set_index("as_of").loc["2026-07-31"]
    assert pd.isna(june["value"]) and june["suppressed"] and june["suppressed_reason"] == "differencing"
    assert july["value"] == pytest.approx(500 / 6) and pd.isna(july["suppressed_reason"])
    june_items = trends[(trends["cohort_id"] == "d1") & (trends["as_of"] == "2026-06-30")]
    assert june_items.loc[june_items["figure"].str.contains(".items."), "value"].isna().all()
    # d2: department A (a1..a6) less site X (a1..a5) would be a6: no segment mean has a value
    seg = pd.read_csv(out / "segment_figures.csv", keep_default_na=False, na_values=[""])
    means = seg[(seg["cohort_id"] == "d2") & (seg["figure"] == "mentee_readiness.mean_score")]
    assert len(means) == 4 and means["value"].isna().all()
    assert set(means["suppressed_reason"]) == {"differencing", "complementary"}
    described = {f["name"]: f["description"] for r in package(out)["resources"] for f in r["schema"]["fields"]}
    assert "differencing (its people differ by 1 to 5 minus one" in described["suppressed_reason"]
