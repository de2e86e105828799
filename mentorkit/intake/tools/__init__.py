"""Survey tools beyond Qualtrics and the Forms: SurveyMonkey, Typeform, REDCap and LimeSurvey (CSV).

One module per tool reads its layout (``surveymonkey``, ``typeform``, ``redcap``, ``limesurvey``);
``common`` turns what it read into the template's columns. Importing this package registers the
four sources after those of ``survey_tools``; ``convert`` runs a source with the import's options.
"""

from __future__ import annotations

import os
from pathlib import Path

from mentorkit.errors import InputFileError, UsageError
from mentorkit.instruments import Instrument
from mentorkit.intake import files
from mentorkit.intake.tools import limesurvey, redcap, surveymonkey, typeform

for _tool in (surveymonkey, typeform, redcap, limesurvey):
    files.register(_tool.SOURCE)


def read_dictionary(path: str | os.PathLike[str] | None) -> files.RawTable | None:
    """A REDCap data dictionary (``--dictionary``) as raw cells; None when not given."""
    if path is None:
        return None
    try:
        return files.read_raw(path)
    except InputFileError as exc:
        raise InputFileError(f"the data dictionary {Path(path).name} {exc.message}") from None


def options(mapping: str | os.PathLike[str] | None, dictionary: str | os.PathLike[str] | None) -> files.ToolOptions:
    """The ``person:`` column of the --map file and the data dictionary, read."""
    person = None if mapping is None else files.read_map(Path(mapping))[2]
    return files.ToolOptions(person=person, dictionary=read_dictionary(dictionary))


def convert(
    source: files.Source,
    table: files.RawTable,
    instrument: Instrument | None,
    questions: dict[str, str],
    tz: str | None,
    *,
    mapping: str | os.PathLike[str] | None = None,
    dictionary: str | os.PathLike[str] | None = None,
    date_order: str | None = None,
) -> files.Canonical:
    """A file's rows in the template's columns; an option the source does not read is a usage error."""
    if date_order is not None and source.name != "mentorkit":
        raise UsageError(
            f"--date-order is for the project's templates; a {source.title} export's dates are read as it writes them"
        )
    given = options(mapping, dictionary)
    if source.convert_with is not None:
        return source.convert_with(table, instrument, questions, tz, given)
    if given.person is not None:
        raise UsageError(
            f"person: in a --map file is read for SurveyMonkey, Typeform, REDCap and LimeSurvey exports, not a {source.title}"
        )
    if given.dictionary is not None:
        raise UsageError(f"--dictionary is a REDCap export's data dictionary; this file is a {source.title}")
    if source.name == "mentorkit":
        return files.template_convert(table, instrument, questions, tz, date_order)
    return source.convert(table, instrument, questions, tz)
