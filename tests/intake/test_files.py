"""Reading files from any spreadsheet locale: separators, encodings, time zones, other-language answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorkit import instruments, store
from mentorkit.errors import InputFileError
from mentorkit.intake import (
    files,
    ingest,
    survey_tools,  # noqa: F401  (registers the survey-tool sources)
    times,
)
from tests.intake.test_survey_tools import programme  # noqa: F401  (fixture: the 8-person roster)

ME = instruments.get("mentee_readiness")


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        # a European Excel: semicolons, with commas inside the question texts
        ("Timestamp;Are you, really, sure?;x\n1;Ja, sicher;2\n", ";"),
        ('"a,b";c\n"1,2";3\n', ";"),
        ("single\nvalue\n", ","),
    ],
)
def test_separator_sniffing(text, sep):
    assert files.sniff_separator(text) == sep


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be"])
def test_every_encoding_excel_writes(encoding):
    text = "Timestamp,Name\n3/14/2026 9:05:00,Zoë “Zo” Müller\n"
    assert files.decode_text(text.encode(encoding)) == text


def test_bytes_in_no_encoding_are_one_clear_error():
    with pytest.raises(InputFileError, match="not text in UTF-8, UTF-16 or Windows-1252"):
        files.decode_text(b"a,b\n\x81\x8d\x8f,\x90\n")
    with pytest.raises(InputFileError, match="binary content"):
        files.decode_text(bytes(range(256)))


@pytest.mark.parametrize(
    ("spelled", "offset_hours"),
    [("Z", 0), ("UTC", 0), ("GMT", 0), ("GMT-8", -8), ("UTC+05:30", 5.5), ("+01:00", 1), ("-0500", -5)],
)
def test_zone_spellings(spelled, offset_hours):
    assert times.parse_zone(spelled).utcoffset(None) == timedelta(hours=offset_hours)


def test_iana_zone_and_unknown_zone():
    berlin = times.parse_zone("Europe/Berlin")
    assert datetime(2026, 7, 1, tzinfo=berlin).utcoffset() == timedelta(hours=2)  # CEST
    with pytest.raises(ValueError):
        times.parse_zone("Mars/Olympus")
    assert times.parse_zone("utc") is UTC or times.parse_zone("utc") == UTC


def test_form_times_keep_their_own_offset():
    text = pd.Series(
        ["3/14/2026 9:05:00 GMT-8", "3/14/2026 9:05:00", "2026-03-14T09:05:00+01:00", "2026/03/14 9:05:00 AM Z"]
    )
    got = times.form_times(text, "Europe/Berlin").tolist()
    # GMT-8: 17:05 UTC; bare: Berlin (CET, UTC+1 in March) → 08:05; +01:00 → 08:05; Z → 09:05
    assert got == ["2026-03-14T17:05:00Z", "2026-03-14T08:05:00Z", "2026-03-14T08:05:00Z", "2026-03-14T09:05:00Z"]


def test_semicolon_utf16_export_with_german_answers(programme, tmp_path):  # noqa: F811
    """A European Excel's "Unicode text" save: UTF-16, semicolons; answers Ja/Nein through --map."""
    header = ["Timestamp", "Email address", *[i.text for i in ME.items]]
    rows = [
        ["14/03/2026 09:05:00", "cy@example.com", "Ja", "Ja", "Nein", "Ja", " ja ", "NEIN"],
        ["15/03/2026 10:00:00", "di@example.com", "Ja", "Vielleicht", "Ja", "Ja", "Ja", "Ja"],
    ]
    text = "\r\n".join(";".join(r) for r in [header, *rows]) + "\r\n"
    path = tmp_path / "Mentee readiness.csv"
    path.write_bytes(text.encode("utf-16"))
    mapping = tmp_path / "german.yaml"
    mapping.write_text("answers:\n  Ja: yes\n  Nein: no\n", "utf-8")
    result = ingest.import_file(programme, path, "mentee_readiness", mapping=mapping)
    assert result.source == "googleforms"
    assert (result.read, result.accepted, result.quarantined) == (2, 1, 1)
    assert [why for _, why in result.reasons] == ["me02: 'Vielleicht' is not a yes/no answer"]
    with programme.connect() as conn:
        got = dict(conn.execute(sa.select(store.answers.c.item_id, store.answers.c.value_num)).all())
    # Ja Ja Nein Ja ja NEIN → 1 1 0 1 1 0 (case and spaces do not matter)
    assert got == {"me01": 1.0, "me02": 1.0, "me03": 0.0, "me04": 1.0, "me05": 1.0, "me06": 0.0}


@pytest.mark.slow
def test_likert_labels_in_french(programme, tmp_path):  # noqa: F811
    statements = [i.text for i in instruments.get("checkin").items if i.id.startswith("rc_")]
    labels = ["Tout à fait d'accord", "D'accord", "Ni d'accord ni pas d'accord", "Pas d'accord", "Pas du tout d'accord"]
    rows = [["Timestamp", "Email address", *statements], ["3/14/2026 9:05:00", "cy@example.com", *labels, *labels[:2]]]
    path = tmp_path / "fr.csv"
    path.write_text("\n".join(",".join(f'"{c}"' for c in r) for r in rows) + "\n", "utf-8")
    mapping = tmp_path / "fr.yaml"
    mapping.write_text(
        'answers:\n  "Pas du tout d\'accord": 1\n  "Pas d\'accord": 2\n  "Ni d\'accord ni pas d\'accord": 3\n'
        '  "D\'accord": 4\n  "Tout à fait d\'accord": 5\n',
        "utf-8",
    )
    assert ingest.import_file(programme, path, "checkin", mapping=mapping).accepted == 1
    with programme.connect() as conn:
        got = dict(conn.execute(sa.select(store.answers.c.item_id, store.answers.c.value_num)).all())
    assert [got[i] for i in ("rc_reciprocity", "rc_learning", "rc_relationship", "rc_partnership")] == [5, 4, 3, 2]
    assert (got["rc_collaboration"], got["rc_goals"], got["rc_development"]) == (1, 5, 4)


def _write(path, text):
    path.write_text(text, "utf-8")
    return path


def test_map_file_problems_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: [Ja, Nein]\n", "utf-8")
    with pytest.raises(InputFileError, match="answers must map answer labels"):
        files.load_map(bad)
    bad.write_text("- just\n- a list\n", "utf-8")
    with pytest.raises(InputFileError, match="must map question texts"):
        files.load_map(bad)
    questions, answers = files.load_map(
        _write(tmp_path / "ok.yaml", "¿Tengo interés?: me01\nanswers:\n  Sí: yes\n  No: no\n")
    )
    assert questions == {"¿tengo interés": "me01"} and answers == {"sí": "yes", "no": "no"}


def test_stray_windows_1252_byte_in_a_utf8_file_marks_that_byte_only():
    # UTF-8 "José" (c3 a9), then a Windows-1252 "ç" (e7) pasted in: one valid sequence, one stray byte
    text = files.decode_text(b"name\nJos\xc3\xa9\nFran\xe7ois\n")
    assert text.split("\n")[1] == "José"
    assert files.show_bytes(text.split("\n")[2]) == "Fran\\xe7ois"
    assert files.show_bytes("a\x00b") == "a\\x00b"


def test_a_windows_1252_file_with_a_chance_utf8_sequence_stays_windows_1252():
    # "JOSÉ’s" in Windows-1252 is c9 92: by chance a valid UTF-8 pair; the other accents (é e9,
    # ü fc) are stray bytes in UTF-8 and outnumber it, so the file is Windows-1252 as a whole
    text = "name\nJOSÉ’s café\nMüller\n"
    assert files.decode_text(text.encode("cp1252")) == text


def _import(path, url, **options):
    return ingest.import_file(store.connect(url), path, "mentee_readiness", **options)


def test_a_csv_over_the_line_limit_is_one_error(tmp_path, sqlite_url):
    path = tmp_path / "long.csv"
    path.write_bytes(b"x\n" * 1_000_001)  # files.MAX_ROWS + 1
    with pytest.raises(InputFileError, match=r"^long\.csv: has 1,000,001 lines, more than 1,000,000; "):
        _import(path, sqlite_url)


def test_a_csv_over_the_cell_limit_is_one_error(tmp_path, sqlite_url):
    path = tmp_path / "cells.csv"
    # 5,000 columns × 2,001 lines = 10,005,000 cells, more than 10,000,000
    path.write_bytes((b"x," * 4_999 + b"x\n") * 2_001)
    with pytest.raises(InputFileError, match=r"has 10,005,000 cells \(lines × columns\), more than 10,000,000"):
        _import(path, sqlite_url)


def test_a_header_with_a_quoted_line_break_still_counts_its_columns(tmp_path, sqlite_url):
    path = tmp_path / "wide.csv"
    path.write_bytes(b'"a\nb",' + b"x," * 10_000 + b"x\n1\n")  # 1 + 10,000 + 1 columns
    with pytest.raises(InputFileError, match=r"has 10,002 columns, more than 10,000"):
        _import(path, sqlite_url)


def test_a_cell_over_the_size_limit_is_one_error(tmp_path, sqlite_url):
    path = tmp_path / "big.csv"
    path.write_bytes(b"participant_id,comment\ne1," + b"y" * 1_000_001 + b"\n")  # files.MAX_CELL_CHARS + 1
    with pytest.raises(InputFileError, match=r"has 1,000,001 characters in a cell on line 2, more than 1,000,000"):
        _import(path, sqlite_url)


def test_a_workbook_whose_rows_would_be_filled_in_is_one_error(tmp_path, sqlite_url):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "participant_id"
    sheet.cell(row=1_000_001, column=1, value="z")  # a reader fills in the million rows between
    book.save(tmp_path / "sparse.xlsx")
    with pytest.raises(InputFileError, match=r"^sparse\.xlsx: has 1,000,001 rows, more than 1,000,000; "):
        _import(tmp_path / "sparse.xlsx", sqlite_url)
    sheet = openpyxl.Workbook()
    sheet.active["A1"] = "participant_id"
    sheet.active["CV20001"] = "z"  # 100 columns × 20,001 rows = 2,000,100 cells, more than 2,000,000
    sheet.save(tmp_path / "wide.xlsx")
    with pytest.raises(InputFileError, match=r"has 2,000,100 cells \(rows × columns\), more than 2,000,000"):
        _import(tmp_path / "wide.xlsx", sqlite_url)


def test_map_files_without_aliases_and_within_their_size(tmp_path):
    aliased = _write(tmp_path / "aliased.yaml", "Ready?: &item me01\nReady now?: *item\n")
    with pytest.raises(InputFileError, match=r"^the map file aliased\.yaml uses YAML anchors or aliases"):
        files.load_map(aliased)
    big = _write(tmp_path / "big.yaml", "# " + "x" * 1_000_000 + "\nReady?: me01\n")  # over files.MAX_MAP_BYTES
    with pytest.raises(InputFileError, match=r"^the map file big\.yaml is larger than 1,000,000 bytes"):
        files.load_map(big)
