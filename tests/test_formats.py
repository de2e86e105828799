"""The display helpers every output shares: escaping, figures, hidden markers, one-line text."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from mentorkit import formats as display


def test_esc_escapes_markup_ampersands_and_both_quotes():
    assert display.esc("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert display.esc("R&D") == "R&amp;D"
    # both quotes: the text may land inside an attribute written with either
    assert display.esc("""say "hi" & 'bye'""") == "say &quot;hi&quot; &amp; &#x27;bye&#x27;"
    assert display.esc(None) == "" and display.esc(5) == "5"


def test_md_escapes_what_could_start_a_link_emphasis_code_or_html():
    assert display.md("a_b *c* [x](y) `z` <b> & \\") == r"a\_b \*c\* \[x\](y) \`z\` \<b\> \& \\"
    assert display.md("line one\nline two\x1b[31m") == r"line one line two \[31m"  # one line, no control characters


def test_percentages_are_whole_and_floats_keep_the_asked_places():
    assert display.figure(10 / 12, "pct") == "83 %"  # 0.8333 → 83.33 → 83
    assert display.figure(0.125, "pct") == "12 %"  # 12.5 rounds half to even → 12
    assert display.figure(1.0, "pct") == "100 %"
    assert display.figure(72.054, digits=1) == "72.1" and display.figure(74.464, digits=0) == "74"
    assert display.figure(4) == "4"  # counts stay whole


def test_hidden_values_show_the_marker_never_a_number():
    marker = '<span class="mk-hidden">fewer than 5 responses</span>'
    assert display.fmt(None, hidden="fewer than 5 responses") == marker
    assert display.fmt(float("nan"), "pct", hidden="fewer than 5 responses") == marker
    assert display.fmt(None, hidden="hidden (< 5)") == '<span class="mk-hidden">hidden (&lt; 5)</span>'
    assert display.fmt(None) == '<span class="mk-hidden">hidden</span>'
    assert display.fmt(0.0) == "0.0" and display.fmt(0) == "0"  # zero is a figure, not a hidden one
    assert display.fmt("<b>") == "&lt;b&gt;"  # anything else is escaped


def test_text_figures_for_a_terminal():
    assert display.fmt_text(None) == "suppressed"
    assert display.fmt_text(True) == "yes" and display.fmt_text(False) == "no"
    assert display.fmt_text(5 / 6, "pct") == "83 %" and display.fmt_text(77.037) == "77.0"
    assert display.fmt_text(3) == "3"


def test_dates_and_stamps():
    assert display.day(date(2026, 11, 1)) == "2026-11-01"
    assert display.days_ago(pd.Timestamp("2026-11-01"), 14) == "2026-11-01 (14 days ago)"
    assert display.utc_stamp(datetime(2026, 11, 15, 9, 30)) == "2026-11-15T09:30:00Z"


def test_one_line_takes_the_error_line_of_a_traceback_without_colours():
    traceback = "Traceback (most recent call last):\n  File x\n\x1b[0;31mRuntimeError\x1b[0m: boom\n\n"
    assert display.one_line(traceback) == "RuntimeError: boom"
    assert display.one_line("x" * 400) == "x" * 300
    assert display.one_line("  \n ") == ""


def test_first_line_and_plain_lines():
    assert display.first_line("no such table: x\n[SQL: select]") == "no such table: x"
    assert display.first_line("  ") == "" and display.first_line("y" * 300, 200) == "y" * 200
    # control characters and line breaks (also U+2028) become one space each run
    assert display.plain("Anna\n\tBerg\u2028x  y") == "Anna Berg x y"


def test_printable_drops_control_characters_and_shows_missing_as_empty():
    assert display.printable("Eve\x1b[2J Berg\n") == "Eve[2J Berg"  # ESC and the newline dropped
    assert display.printable(None) == "" and display.printable(pd.NA) == "" and display.printable(float("nan")) == ""
    assert display.printable("Zoë") == "Zoë"


def test_plurals_are_real_words_in_the_right_number():
    assert display.plural(1, "mentor") == "1 mentor" and display.plural(4, "mentor") == "4 mentors"
    assert display.plural(0, "cohort") == "0 cohorts"  # zero takes the plural in English
    assert display.plural(1, "person") == "1 person" and display.plural(2, "person") == "2 people"
    assert (
        display.plural(3, "goal", "goals") == "3 goals" and display.plural(2, "criterion", "criteria") == "2 criteria"
    )
    assert display.plural(2, "complete mentor checklist") == "2 complete mentor checklists"  # the last word only
    assert display.plural(2, "clear rise") == "2 clear rises" and display.plural(5, "analysis") == "5 analyses"
    assert display.plural(2, "entry") == "2 entries" and display.plural(2, "day") == "2 days"  # -y after a vowel stays
    assert display.plural(3, "match") == "3 matches" and display.plural(2, "box") == "2 boxes"
    assert display.plural(1234, "pair") == "1,234 pairs"
    assert display.plural(1, "is", number=False) == "is" and display.plural(2, "is", number=False) == "are"
    assert display.plural(2, "has", number=False) == "have"


def test_a_pair_is_written_mentor_and_mentee():
    assert display.pair_label("M-ENG-01", "E-ENG-01") == "M-ENG-01 & E-ENG-01"
    assert display.pair_label("Ann Lee (M-ENG-01)", "E-ENG-01") == "Ann Lee (M-ENG-01) & E-ENG-01"
    assert display.pair_label(None, "E-ENG-01") == "— & E-ENG-01"
    assert display.pair_label(float("nan"), pd.NA) == "— & —"
