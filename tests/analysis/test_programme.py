"""Programme analytics: month-end trends, segments, readiness against outcomes, worked by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from mentorkit import store
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis import programme, segments
from mentorkit.errors import UsageError
from mentorkit.settings import Settings
from tests.builders import (
    CHECKIN_HEADER,
    GOAL_UPDATES_HEADER,
    GOALS_HEADER,
    ROSTER_HEADER,
    checkin_row,
    header,
    import_csv,
    late_sixth,
    one_apart,
    response_row,
)
from tests.conftest import SAMPLE_AS_OF


def value(frame: pd.DataFrame, figure: str, **where: object) -> dict[str, object]:
    """The one row of a figure (and of the given column values)."""
    rows = frame[frame["figure"] == figure]
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, (figure, where, len(rows))
    return rows.iloc[0].to_dict()


# --- month ends --------------------------------------------------------------------------------


def test_month_ends_run_from_the_first_month_to_as_of():
    # 15 Nov 2025 → Nov 30, Dec 31, Jan 31, Feb 28 (2026 is no leap year), then 10 Mar itself
    assert programme.month_ends(date(2025, 11, 15), date(2026, 3, 10)) == [
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 10),
    ]


def test_an_as_of_on_a_month_end_is_not_repeated_and_a_first_day_in_its_month_gives_one_point():
    assert programme.month_ends(date(2028, 1, 31), date(2028, 2, 29)) == [date(2028, 1, 31), date(2028, 2, 29)]
    assert programme.month_ends(date(2026, 11, 2), date(2026, 11, 15)) == [date(2026, 11, 15)]


# --- trends ------------------------------------------------------------------------------------


@pytest.fixture
def timed(sqlite_url, tmp_path):
    """One mentor, five mentees matched 2026-06-15; readiness answered around the end of June, a goal met on 1 Aug."""
    engine = store.connect(sqlite_url)
    roster = [["t1", "m1", "mentor", "Mentor", "m1@x.org", "", "", "Eng"]]
    roster += [["t1", f"e{i}", "mentee", f"Mentee {i}", f"e{i}@x.org", "m1", "2026-06-15", "Eng"] for i in range(1, 6)]
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path)
    when = {
        "e1": "2026-06-30T09:00:00",
        "e2": "2026-06-30T12:00:00",
        "e3": "2026-06-30T23:59:59",  # the last second of 30 June (UTC): counts on 30 June
        "e4": "2026-07-01T01:30:00+02:00",  # 30 June 23:30 UTC: counts on 30 June
        "e5": "2026-07-01T00:00:00",  # the first second of July: not known on 30 June
    }
    readiness = [response_row("mentee_readiness", [p, at], "yes") for p, at in when.items()]
    import_csv(
        engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), readiness, tmp_path
    )
    goals = [["g1", "m1", "e1", "Lead a review", "", "2026-06-15", "2026-12-15", "yes", "yes"]]
    import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path)
    import_csv(
        engine, "goal_updates", GOAL_UPDATES_HEADER, [["g1", "e1", "2026-08-01", "100", "achieved", ""]], tmp_path
    )
    return store.load(engine)


@pytest.mark.slow
def test_trends_count_a_submission_only_from_the_month_end_of_its_utc_day(timed):
    table = programme.trends(timed, None, date(2026, 8, 10))
    assert list(table.columns) == list(figures.COLUMNS)
    # matched 15 June → 30 June, 31 July, then 10 August itself
    days = [d.date() for d in table["as_of"].unique()]
    assert days == [date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 10)]

    def at(day: date, figure: str) -> dict[str, object]:
        return value(table, figure, as_of=pd.Timestamp(day))

    # 30 June: e1..e4 (e4's 01:30 +02:00 is 23:30 UTC); e5's midnight of 1 July is not yet known
    june = at(date(2026, 6, 30), "mentee_readiness.respondents")
    assert (june["value"], june["n"]) == (4, 5)
    assert at(date(2026, 6, 30), "mentee_readiness.response_rate")["value"] == 0.8
    hidden = at(date(2026, 6, 30), "mentee_readiness.mean_score")  # 4 < k = 5
    assert hidden["suppressed"] and pd.isna(hidden["value"])
    # 31 July: all five, every answer yes → mean 100, share ready 5 of 5 with Wilson (0.565518, 1)
    assert at(date(2026, 7, 31), "mentee_readiness.respondents")["value"] == 5
    assert at(date(2026, 7, 31), "mentee_readiness.mean_score")["value"] == 100
    ready = at(date(2026, 7, 31), "mentee_readiness.share_ready")
    assert (ready["value"], ready["n"]) == (1.0, 5)
    assert ready["ci_low"] == pytest.approx(0.565518, abs=1e-5)
    # the goal exists from its start (15 June) and is achieved by the update of 1 August only
    assert [at(d, "goals.total")["value"] for d in days] == [1, 1, 1]
    assert [at(d, "goals.achieved")["value"] for d in days] == [0, 0, 1]


@pytest.mark.slow
def test_trends_equal_cohort_figures_at_every_month_end(sample_db):
    data = store.load(store.connect(sample_db, create=False))
    as_of = date.fromisoformat(SAMPLE_AS_OF)
    table = programme.trends(data, None, as_of)
    # the sample's earliest matched_on is 2026-05-18: May .. October, then 15 November
    days = programme.month_ends(date(2026, 5, 18), as_of)
    assert len(days) == 7
    cohorts = sorted(data.participants["cohort_id"].unique())
    expected = pd.concat([figures.cohort_figures(data, c, d) for c in cohorts for d in days], ignore_index=True)
    # the points the differencing rule hides (an older set a few people away from a newer one) are empty; every
    # other figure is cohort_figures's, and the export's date hides nothing of its own
    differenced = (table["suppressed_reason"] == "differencing").fillna(False).to_numpy()
    assert differenced.sum() > 0 and not (table.loc[differenced, "as_of"] == pd.Timestamp(as_of)).any()
    for column in ("value", "ci_low", "ci_high"):
        expected[column] = expected[column].mask(differenced)
    expected["suppressed"] = expected["suppressed"] | differenced
    expected["suppressed_reason"] = expected["suppressed_reason"].mask(differenced, "differencing")
    pd.testing.assert_frame_equal(table, expected, check_exact=True)


def test_figures_as_of_equal_cohort_figures_for_the_chosen_cohorts(sample_db):
    data = store.load(store.connect(sample_db, create=False))
    day = date(2026, 9, 12)  # not a month end: a day the explore slider or an export can ask for
    chosen = ["2026-spring-sales", "2026-fall-ops"]
    table = programme.figures_as_of(data, chosen, day)
    expected = pd.concat([figures.cohort_figures(data, c, day) for c in sorted(chosen)], ignore_index=True)
    pd.testing.assert_frame_equal(table, expected, check_exact=True)


@pytest.mark.slow
def test_trends_of_chosen_cohorts_start_at_their_own_first_match(sample_db):
    data = store.load(store.connect(sample_db, create=False))
    table = programme.trends(data, ["2026-fall-ops"], date(2026, 11, 15))
    # fall-ops was matched on 20 October: 31 October and 15 November
    assert set(table["cohort_id"]) == {"2026-fall-ops"}
    assert [d.date() for d in table["as_of"].unique()] == [date(2026, 10, 31), date(2026, 11, 15)]
    with pytest.raises(UsageError, match="unknown cohort 'nope'"):
        programme.trends(data, ["nope"], date(2026, 11, 15))


@pytest.mark.slow
def test_before_anyone_is_matched_the_months_start_at_the_first_submission(sqlite_url, tmp_path):
    engine = store.connect(sqlite_url)
    roster = [["u1", f"m{i}", "mentor", f"M{i}", f"m{i}@x.org", "", "", ""] for i in (1, 2)]
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path)
    rows = [response_row("mentor_readiness", ["m1", "2026-09-10"], "yes")]
    import_csv(engine, "mentor_readiness", header("mentor_readiness", "participant_id", "submitted_at"), rows, tmp_path)
    table = programme.trends(store.load(engine), None, date(2026, 11, 15))
    # no matched_on anywhere: 10 September → 30 September, 31 October, 15 November
    assert [d.date() for d in table["as_of"].unique()] == [date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 15)]
    assert list(table.loc[table["figure"] == "mentor_readiness.respondents", "value"]) == [1, 1, 1]


# --- segments ----------------------------------------------------------------------------------

SEGMENT_AS_OF = date(2026, 11, 15)


@pytest.fixture
def departments(sqlite_url, tmp_path):
    """Cohort s1: Eng (mentor mE, mentees e1..e7), Sales (mS; s1..s4, and s5 mentored by mE), Ops (mO; o1, o2).

    Eng people sit in Berlin, Sales people in Paris, Ops people have no site; every person has their own badge.
    Mentees e1..e7, s1..s3, o1 and o2 answered readiness (all yes); one goal, on the pair mE–s5.
    """
    engine = store.connect(sqlite_url)
    roster = []
    groups = {"Eng": ("mE", "e", 7, "Berlin"), "Sales": ("mS", "s", 5, "Paris"), "Ops": ("mO", "o", 2, "")}
    for dept, (mentor, prefix, n, site) in groups.items():
        roster.append(["s1", mentor, "mentor", mentor, f"{mentor}@x.org", "", "", dept, site, f"B-{mentor}"])
        for i in range(1, n + 1):
            pid = f"{prefix}{i}"
            boss = "mE" if pid == "s5" else mentor
            roster.append(["s1", pid, "mentee", pid, f"{pid}@x.org", boss, "2026-06-01", dept, site, f"B-{pid}"])
    import_csv(engine, "roster", [*ROSTER_HEADER, "site", "badge"], roster, tmp_path)
    answered = [f"e{i}" for i in range(1, 8)] + ["s1", "s2", "s3", "o1", "o2"]
    rows = [response_row("mentee_readiness", [p, "2026-06-02"], "yes") for p in answered]
    import_csv(engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), rows, tmp_path)
    goals = [["g1", "mE", "s5", "Close a deal", "", "2026-06-01", "2026-12-31", "yes", "yes"]]
    import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path)
    return store.load(engine)


BY_SITE_BADGE = Settings(segment_attributes=("site", "badge"))


@pytest.mark.slow
def test_segments_come_from_department_and_the_named_columns_only(departments):
    # nothing named: department alone, however few values site has
    assert segments.segment_attributes(departments.participants) == ["department"]
    # site: Berlin, Paris (and blank) → a breakdown; badge: 17 values for 17 people identifies them → never one
    assert segments.segment_attributes(departments.participants, BY_SITE_BADGE) == ["department", "site"]
    assert departments.participants.set_index("participant_id").at["e1", "attributes"] == {
        "site": "Berlin",
        "badge": "B-e1",
    }
    with pytest.raises(UsageError, match="'badge' is not a segment attribute"):
        segments.segments(departments, None, SEGMENT_AS_OF, BY_SITE_BADGE, ["badge"])


def test_an_identifier_is_a_column_of_nearly_all_distinct_values():
    # 5 people: 4 distinct of 5 = 0.8 ≥ 0.8 identifies; 3 of 5 = 0.6 does not; blanks are not values
    assert segments.identifies(pd.Series(["a", "b", "c", "d", "d"]))
    assert not segments.identifies(pd.Series(["a", "b", "c", "c", "c"]))
    assert segments.identifies(pd.Series(["a", "b", "", None, " "]))  # 2 of 2
    assert not segments.identifies(pd.Series(["", None], dtype="string"))


@pytest.mark.slow
def test_one_hidden_segment_hides_the_next_smallest_too(departments):
    table = segments.segments(departments, None, SEGMENT_AS_OF, attributes=["department"])
    assert list(table.columns) == list(segments.SEGMENT_COLUMNS)
    # Ops has 3 people (< k = 5): its name never appears; it is the row (hidden), last
    assert list(table["segment"].unique()) == ["Eng", "Sales", "(hidden)"]
    assert "Ops" not in set(table["segment"])

    def row(figure: str, segment: str) -> dict[str, object]:
        return value(table, figure, segment=segment)

    # every figure of Ops hidden, n included
    assert row("enrolled.mentee", "(hidden)")["suppressed"] and pd.isna(row("enrolled.mentee", "(hidden)")["n"])
    # enrolled mentees: Eng 7, Sales 5, Ops hidden → Sales (n 5 < 7) hidden too; 14 − 7 = Sales + Ops, unsplit
    assert row("enrolled.mentee", "Eng")["value"] == 7 and not row("enrolled.mentee", "Eng")["suppressed"]
    sales = row("enrolled.mentee", "Sales")
    assert sales["suppressed"] and pd.isna(sales["value"]) and pd.isna(sales["n"])
    # enrolled mentors: 1 each, a tie on n → by name: Eng before Sales, so Eng is hidden and Sales shown
    assert row("enrolled.mentor", "Eng")["suppressed"]
    assert row("enrolled.mentor", "Sales")["value"] == 1 and not row("enrolled.mentor", "Sales")["suppressed"]
    # goals by the pair's mentee: the goal of mE–s5 is Sales's; Eng has 0 goals (n 0) and is the one hidden
    assert row("goals.total", "Sales")["value"] == 1 and not row("goals.total", "Sales")["suppressed"]
    assert row("goals.total", "Eng")["suppressed"]
    # pairs by the mentee: Eng 7 (e1..e7), Sales 5 (s1..s5, s5's mentor from Eng) → Sales hidden
    assert row("relationship.pairs", "Eng")["value"] == 7 and row("relationship.pairs", "Sales")["suppressed"]


@pytest.mark.slow
def test_two_hidden_segments_need_no_third(departments):
    table = segments.segments(departments, None, SEGMENT_AS_OF, attributes=["department"])
    # mean readiness: Ops hidden by size, Sales by its own rule (3 respondents < 5) → two hidden, Eng shown
    eng = value(table, "mentee_readiness.mean_score", segment="Eng")
    assert (eng["value"], eng["n"], eng["suppressed"]) == (100, 7, False)
    sales = value(table, "mentee_readiness.mean_score", segment="Sales")
    assert sales["suppressed"] and sales["n"] == 3  # the figure's own suppression keeps its n, as in the cohort table
    # respondents are never hidden by their own rule: Ops hidden, then Sales (n = 5 enrolled < 7)
    assert value(table, "mentee_readiness.respondents", segment="Eng")["value"] == 7
    assert value(table, "mentee_readiness.respondents", segment="Sales")["suppressed"]


@pytest.mark.slow
def test_people_without_a_value_form_a_segment_that_takes_part(departments):
    table = segments.segments(departments, None, SEGMENT_AS_OF, BY_SITE_BADGE, ["site"])
    # (none) = the three Ops people → hidden, under the one label (hidden); Paris (5 mentees) hidden with it
    assert list(table["segment"].unique()) == ["Berlin", "Paris", "(hidden)"]
    assert value(table, "enrolled.mentee", segment="(hidden)")["suppressed"]
    assert value(table, "enrolled.mentee", segment="Paris")["suppressed"]
    assert value(table, "enrolled.mentee", segment="Berlin")["value"] == 7


@pytest.mark.slow
def test_no_hidden_figure_can_be_rebuilt_from_the_total(departments):
    table = segments.segments(departments, None, SEGMENT_AS_OF, BY_SITE_BADGE)
    total = figures.cohort_figures(departments, "s1", SEGMENT_AS_OF).set_index("figure")["value"]
    for (attribute, figure), rows in table.groupby(["attribute", "figure"]):
        hidden = rows[rows["suppressed"]]
        assert len(hidden) != 1, (attribute, figure)
        if figure in ("enrolled.mentee", "mentee_readiness.respondents", "relationship.pairs"):
            # total − visible segments leaves the sum of two or more hidden ones, never one segment's value
            rest = total[figure] - rows.loc[~rows["suppressed"], "value"].sum()
            assert len(hidden) >= 2 and rest > 0, (attribute, figure)


@pytest.mark.slow
def test_a_segment_holding_a_whole_cohort_has_the_cohorts_figures(sample_db):
    data = store.load(store.connect(sample_db, create=False))
    as_of = date.fromisoformat(SAMPLE_AS_OF)
    table = segments.segments(data, ["2026-spring-eng"], as_of)
    # every one of the 19 people is in Engineering: the one segment is the cohort
    assert list(table["segment"].unique()) == ["Engineering"]
    expected = figures.cohort_figures(data, "2026-spring-eng", as_of)
    pd.testing.assert_frame_equal(table[list(figures.COLUMNS)], expected, check_exact=True)


@pytest.fixture
def three_attributes(db_url, tmp_path):
    """Cohort t3: mentees a1..a15, unmatched. Department A = a1..a5, B = a6..a10, C = a11..a15;
    site X = a1..a10, Y = a11..a15; grade P = a6..a10, Q = a1..a5 and a11..a15.

    Readiness (6 items): a1..a5 all yes (score 100), a6..a10 yes to the first three (50), a11..a15 all no (0).
    Every set of people shown differs from every other by 0 or at least 5 (k), so nothing is hidden.
    """
    engine = store.connect(db_url)
    department = {**dict.fromkeys(range(1, 6), "A"), **dict.fromkeys(range(6, 11), "B")}
    roster = [
        ["t3", f"a{i}", "mentee", f"A{i}", f"a{i}@x.org", "", "", department.get(i, "C"),
         "X" if i <= 10 else "Y", "P" if 6 <= i <= 10 else "Q"]
        for i in range(1, 16)
    ]  # fmt: skip
    import_csv(engine, "roster", [*ROSTER_HEADER, "site", "grade"], roster, tmp_path)
    answers = {1: "yes", 6: ["yes", "yes", "yes", "no", "no", "no"], 11: "no"}
    rows = [
        response_row("mentee_readiness", [f"a{i}", "2026-06-02"], answers[1 + 5 * ((i - 1) // 5)]) for i in range(1, 16)
    ]
    import_csv(engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), rows, tmp_path)
    return store.load(engine)


THREE = ["department", "site", "grade"]
BY_SITE_GRADE = Settings(segment_attributes=("site", "grade"))


@pytest.mark.slow
def test_segments_are_right_with_three_attributes(three_attributes):
    table = segments.segments(three_attributes, None, SEGMENT_AS_OF, BY_SITE_GRADE, THREE)
    # hand values: respondents and mean score of each segment (a1..a5 score 100, a6..a10 50, a11..a15 0)
    expected = {
        ("department", "A"): (5, 100.0),
        ("department", "B"): (5, 50.0),
        ("department", "C"): (5, 0.0),
        ("site", "X"): (10, 75.0),  # (5 × 100 + 5 × 50) ÷ 10
        ("site", "Y"): (5, 0.0),
        ("grade", "P"): (5, 50.0),
        ("grade", "Q"): (10, 50.0),  # (5 × 100 + 5 × 0) ÷ 10
    }
    for (attribute, segment), (respondents, mean) in expected.items():
        where = {"attribute": attribute, "segment": segment}
        assert value(table, "mentee_readiness.respondents", **where)["value"] == respondents, where
        shown = value(table, "mentee_readiness.mean_score", **where)
        assert (shown["value"], shown["n"], shown["suppressed"]) == (mean, respondents, False), where
    # share ready (score ≥ 75): X holds a1..a5 of 10 → 0.5; Q a1..a5 of 10 → 0.5; Y none of 5
    assert value(table, "mentee_readiness.share_ready", attribute="site", segment="X")["value"] == 0.5
    assert value(table, "mentee_readiness.share_ready", attribute="grade", segment="Q")["value"] == 0.5
    assert value(table, "mentee_readiness.share_ready", attribute="site", segment="Y")["value"] == 0.0


@pytest.mark.slow
def test_each_attributes_segments_equal_the_attribute_computed_alone(three_attributes):
    together = segments.segments(three_attributes, None, SEGMENT_AS_OF, BY_SITE_GRADE, THREE)
    for attribute in THREE:
        only = Settings(segment_attributes=() if attribute == "department" else (attribute,))
        alone = segments.segments(three_attributes, None, SEGMENT_AS_OF, only, [attribute])
        mine = together[together["attribute"] == attribute].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_exact=True)


# --- differencing ------------------------------------------------------------------------------

BY_SITE = Settings(segment_attributes=("site",))
MEAN = "mentee_readiness.mean_score"


@pytest.mark.slow
def test_a_month_end_one_person_short_of_the_next_is_hidden(engine, tmp_path):
    late_sixth(engine, tmp_path)
    table = programme.trends(store.load(engine), None, date(2026, 7, 31))
    june, july = pd.Timestamp(2026, 6, 30), pd.Timestamp(2026, 7, 31)
    # July: 6 scored, (5 × 100 + 0) ÷ 6 = 83.33; June's 5 (mean 100) would give 6 × 83.33 − 5 × 100 = 0, e6's
    # score, and each item's 5/5 against 5/6 e6's "no": every June figure on the answers is hidden, n kept
    assert value(table, MEAN, as_of=july)["value"] == pytest.approx(500 / 6)
    hidden = value(table, MEAN, as_of=june)
    assert pd.isna(hidden["value"]) and hidden["n"] == 5 and hidden["suppressed_reason"] == "differencing"
    answers = table[(table["as_of"] == june) & table["figure"].str.startswith("mentee_readiness.")]
    on_answers = answers[~answers["figure"].str.endswith(("respondents", "response_rate", "incomplete"))]
    assert len(on_answers) == 12  # mean, 3 bands, capacity risk, share ready, 6 items
    assert on_answers["value"].isna().all() and (on_answers["suppressed_reason"] == "differencing").all()
    # counts of people stay: 5 respondents in June, 6 in July
    assert value(table, "mentee_readiness.respondents", as_of=june)["value"] == 5


@pytest.mark.slow
def test_segments_of_two_attributes_one_person_apart_are_hidden(engine, tmp_path):
    one_apart(engine, tmp_path)
    table = segments.segments(store.load(engine), None, SEGMENT_AS_OF, BY_SITE)
    # cohort 12 people (mean 1100 ÷ 12), site Y 7, department A 6 and B 6, site X 5. Kept from the largest:
    # Y (5 from the cohort); A (11 from Y). B is a6 away from Y and X is a6 away from A: both hidden by
    # differencing (A's 500 ÷ 6 less X's 100 would give a6's 0). Then each breakdown has one hidden segment, so
    # A and Y are hidden too (complementary): no segment's mean remains
    means = table[table["figure"] == MEAN].set_index(["attribute", "segment"])
    assert means["value"].isna().all()
    assert means.loc[("department", "B"), "suppressed_reason"] == "differencing"
    assert means.loc[("site", "X"), "suppressed_reason"] == "differencing"
    assert means.loc[("department", "A"), "suppressed_reason"] == "complementary"
    assert means.loc[("site", "Y"), "suppressed_reason"] == "complementary"
    # the cohort's own figure is shown
    assert value(programme.trends(store.load(engine), None, SEGMENT_AS_OF), MEAN, as_of=pd.Timestamp(SEGMENT_AS_OF))[
        "value"
    ] == pytest.approx(1100 / 12)


# --- readiness and outcomes --------------------------------------------------------------------


@pytest.fixture
def outcomes(sqlite_url, tmp_path):
    """Mentor mA with mentees a1..a3, mentor mB with b1..b3 and c1, matched 2026-06-01 (see the test for answers)."""
    engine = store.connect(sqlite_url)
    roster = [["o1", m, "mentor", m, f"{m}@x.org", "", "", "Eng"] for m in ("mA", "mB")]
    mentees = {"a1": "mA", "a2": "mA", "a3": "mA", "b1": "mB", "b2": "mB", "b3": "mB", "c1": "mB"}
    roster += [["o1", p, "mentee", p, f"{p}@x.org", m, "2026-06-01", "Eng"] for p, m in mentees.items()]
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path)
    half = ["yes", "yes", "yes", "no", "no", "no"]  # 3 of 6 → 50, developing
    mentee_rows = [
        response_row("mentee_readiness", ["a1", "2026-06-02"], "yes"),  # 100, ready
        response_row("mentee_readiness", ["a2", "2026-06-02"], "yes"),
        response_row("mentee_readiness", ["a3", "2026-06-02"], "yes"),
        response_row("mentee_readiness", ["a3", "2026-09-01"], "no"),  # later (0): the first one counts
        response_row("mentee_readiness", ["b1", "2026-06-01"], ["yes", "yes", "yes", "", "", ""]),  # 3 answered < 5
        response_row("mentee_readiness", ["b1", "2026-06-05"], half),  # b1's first complete one
        response_row("mentee_readiness", ["b2", "2026-06-02"], half),
        response_row("mentee_readiness", ["b3", "2026-06-02"], half),
        response_row("mentee_readiness", ["c1", "2026-06-02"], "no"),  # 0, not yet
    ]
    import_csv(
        engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), mentee_rows, tmp_path
    )
    mentor_rows = [
        response_row("mentor_readiness", ["mA", "2026-06-02"], "yes"),
        response_row("mentor_readiness", ["mB", "2026-06-02"], "no"),
    ]
    import_csv(
        engine, "mentor_readiness", header("mentor_readiness", "participant_id", "submitted_at"), mentor_rows, tmp_path
    )
    # every element rated r → health (r − 1) / 4 × 100
    ratings = {"a1": 5, "a2": 4, "a3": 4, "b1": 3, "b2": 3, "b3": 4, "c1": 2}
    checkins = [checkin_row(p, "2026-10-01", r) for p, r in ratings.items()]
    import_csv(engine, "checkin", CHECKIN_HEADER, checkins, tmp_path)
    goals = [
        [f"g{n}", mentees[p], p, f"Goal {n}", "", "2026-06-01", "2026-12-31", "yes", "yes"]
        for n, p in enumerate(["a1", "a2", "a3", "b1", "b2", "c1"], start=1)
    ]
    import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path)
    statuses = {"g1": "achieved", "g2": "achieved", "g3": "in_progress", "g4": "achieved", "g5": "dropped"}
    statuses["g6"] = "achieved"
    updates = [
        [g, f"{p}", "2026-10-01", "100" if s == "achieved" else "50", s, ""]
        for (g, s), p in zip(statuses.items(), ["a1", "a2", "a3", "b1", "b2", "c1"], strict=True)
    ]
    import_csv(engine, "goal_updates", GOAL_UPDATES_HEADER, updates, tmp_path)
    return store.load(engine)


@pytest.mark.slow
def test_readiness_outcomes_by_band_at_the_first_complete_checklist(outcomes):
    table = programme.readiness_outcomes(outcomes, None, SEGMENT_AS_OF, Settings(min_group_size=3))
    assert list(table.columns) == list(programme.OUTCOME_COLUMNS)
    cells = {(r["role"], r["band"]): r for r in table.to_dict("records")}
    assert list(cells) == [(role, band) for role in ("mentee", "mentor") for band in ("ready", "developing", "not_yet")]
    # ready mentees a1, a2, a3 (a3's later all-no checklist does not count): goals g1, g2 achieved, g3 not
    # → 2 of 3, Wilson (0.207660, 0.938508); health 100, 75, 75 → mean 83.333, sd 14.4338,
    # half = t(0.975, 2) 4.302653 × 14.4338 / sqrt(3) = 35.855 → (47.478, 119.19 clipped to 100)
    ready = cells[("mentee", "ready")]
    assert (ready["people"], ready["goals"], ready["pairs"], ready["suppressed"]) == (3, 3, 3, False)
    assert ready["share_achieved"] == pytest.approx(2 / 3)
    assert (ready["share_ci_low"], ready["share_ci_high"]) == (
        pytest.approx(0.207660, abs=1e-5),
        pytest.approx(0.938508, abs=1e-5),
    )
    assert ready["health"] == pytest.approx(250 / 3)
    assert (ready["health_ci_low"], ready["health_ci_high"]) == (pytest.approx(47.478, abs=1e-3), 100.0)
    # developing b1 (first complete on 5 June), b2, b3: goals g4 achieved, g5 dropped → 1 of 2, (0.094531, 0.905469);
    # health 50, 50, 75 → 58.333 ± 35.855 → (22.478, 94.189)
    developing = cells[("mentee", "developing")]
    assert (developing["people"], developing["goals"], developing["pairs"]) == (3, 2, 3)
    assert developing["share_achieved"] == 0.5
    assert developing["share_ci_low"] == pytest.approx(0.094531, abs=1e-5)
    assert developing["health"] == pytest.approx(175 / 3)
    assert (developing["health_ci_low"], developing["health_ci_high"]) == (
        pytest.approx(22.478, abs=1e-3),
        pytest.approx(94.189, abs=1e-3),
    )
    # not yet: c1 alone (1 < k = 3) → counts shown, share and health hidden
    alone = cells[("mentee", "not_yet")]
    assert (alone["people"], alone["goals"], alone["suppressed"]) == (1, 1, True)
    assert pd.isna(alone["share_achieved"]) and pd.isna(alone["health"]) and pd.isna(alone["health_ci_low"])
    # mentors: mA ready with three pairs, mB not yet with four; one person each → hidden
    assert (cells[("mentor", "ready")]["people"], cells[("mentor", "ready")]["pairs"]) == (1, 3)
    assert (cells[("mentor", "not_yet")]["people"], cells[("mentor", "not_yet")]["goals"]) == (1, 3)
    assert cells[("mentor", "not_yet")]["suppressed"] and pd.isna(cells[("mentor", "not_yet")]["health"])
    assert cells[("mentor", "developing")]["people"] == 0


def test_readiness_outcomes_say_association_not_cause():
    doc = programme.readiness_outcomes.__doc__ or ""
    assert "association" in doc and "not evidence that readiness causes" in doc


def test_read_participants_gives_the_roster_attributes(engine, tmp_path):
    roster = [
        ["c1", "m1", "mentor", "M", "m1@x.org", "", "", "Eng", "Berlin", ""],
        ["c1", "e1", "mentee", "E", "e1@x.org", "m1", "2026-06-01", "", "", ""],
    ]
    import_csv(engine, "roster", [*ROSTER_HEADER, "site", "level"], roster, tmp_path)
    with engine.connect() as conn:
        people = store.read_participants(conn).set_index("participant_id")
    # blank cells are no attribute; a row without any has none
    assert people.at["m1", "attributes"] == {"site": "Berlin"}
    assert people.at["e1", "attributes"] is None
    # site: one value for the one person holding one, all distinct → it identifies, and is no segment
    assert segments.segment_attributes(people.reset_index(), BY_SITE_BADGE) == ["department"]
