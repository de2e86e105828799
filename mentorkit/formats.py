"""How every output shows things: HTML escaping, figures and their hidden marker, one-line text.

The reports, the index page, the changes digest and the command line all show figures and
user-written text; they take these helpers from here, so a change to escaping or to the hidden
marker is made once. Light on purpose: no pandas at import time (the command line imports it).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from datetime import date, datetime
from typing import Literal, SupportsFloat, cast

Kind = Literal["num", "pct"]
HIDDEN = "hidden"  # the hidden marker's default text
HIDDEN_CLASS = "mk-hidden"  # the stylesheet's class for it (report.css)


# --- HTML and Markdown -------------------------------------------------------------------------


def esc(value: object) -> str:
    """Any value as HTML text: None as empty; ``& < > " '`` escaped."""
    return html.escape("" if value is None else str(value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&])")  # no link, emphasis, code or HTML can start


def chart_text(value: object) -> str:
    """Text that plotly shows exactly as written: ``& < >`` as entities, which plotly decodes once.

    Plotly reads a subset of HTML (``<a>``, ``<b>``, ``<br>``, ``<span style>`` …) in every text
    it draws (trace text, hover text, tick labels, legend names, titles), so user-written text
    that reaches a figure goes through this; ``charts.Chart`` applies it to every figure.
    """
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# a hyphenated token of cell text: a pseudonymous id (E-ENG-10), a cohort id, a date, a hyphenated word
HYPHENATED = re.compile(r"(?<![\w-])[^\W_]+(?:-[^\W_]+)+(?![\w-])")


def whole_ids(markup: str) -> str:
    """Escaped HTML whose hyphenated tokens in text (ids, dates) never break at a hyphen (``mk-id`` spans).

    Browsers break a line after a hyphen, so "E-ENG-10" read "E-ENG-" / "10" in a narrow column. Only
    text between tags is touched, never a tag or an attribute; the text itself is unchanged.
    """

    def cell(m: re.Match[str]) -> str:
        return ">" + HYPHENATED.sub(lambda t: f"<span class='mk-id'>{t.group(0)}</span>", m.group(1)) + "<"

    return re.sub(r">([^<]+)<", cell, markup)


def md(text: str) -> str:
    """Text safe inside one Markdown line: made ``plain``, special characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", plain(text))


# --- figures -----------------------------------------------------------------------------------


def is_missing(value: object) -> bool:
    """None or a float NaN: a figure that is suppressed (or was never measured)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def figure(value: object, kind: Kind = "num", digits: int = 1) -> str:
    """A shown figure as text: a fraction as a whole percentage (``pct``), a float to ``digits`` places, else as is."""
    if kind == "pct":
        return f"{100 * float(cast(SupportsFloat, value)):.0f} %"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def hiding_rule(k: int) -> str:
    """The sentence of every caption that explains hiding: k people's answers, and goal figures never hidden."""
    return (
        f"a figure with fewer than {k} people's answers behind it is hidden for confidentiality; goal figures are "
        "the programme's own records and are never hidden"
    )


def hiding_note(k: int) -> str:
    """``hiding_rule`` as a sentence of its own."""
    rule = hiding_rule(k)
    return f"{rule[0].upper()}{rule[1:]}."


def hidden_marker(text: str = HIDDEN) -> str:
    """The HTML marker shown instead of a suppressed figure (escaped)."""
    return f'<span class="{HIDDEN_CLASS}">{esc(text)}</span>'


def fmt(value: object, kind: Kind = "num", hidden: str = HIDDEN, digits: int = 1) -> str:
    """A figure as HTML: ``figure``, escaped, or the hidden marker with text ``hidden`` where it is suppressed."""
    if is_missing(value):
        return hidden_marker(hidden)
    return esc(figure(value, kind, digits))


def fmt_text(value: object, kind: Kind = "num", hidden: str = "suppressed", digits: int = 1) -> str:
    """A figure as plain text (a terminal): ``figure``, yes or no for a flag, the word ``hidden`` where suppressed."""
    if is_missing(value):
        return hidden
    if isinstance(value, bool):
        return "yes" if value else "no"
    return figure(value, kind, digits)


def day(value: date | datetime) -> str:
    """A date as the reader sees it: ``2026-11-15``."""
    return f"{value:%Y-%m-%d}"


def days_ago(when: date | datetime, days: object) -> str:
    """A past date with its distance from the as-of date: ``2026-11-01 (14 days ago)``."""
    return f"{day(when)} ({days} days ago)"


def utc_stamp(value: datetime) -> str:
    """A UTC time as machines and people both read it: ``2026-11-15T09:30:00Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- words ---------------------------------------------------------------------------------------

IRREGULAR = {"person": "people", "child": "children", "analysis": "analyses", "is": "are", "has": "have", "was": "were"}


def plural_of(word: str) -> str:
    """A noun's plural: the irregular ones (person → people), ``-y`` after a consonant → ``-ies``, ``-s``/``-x``/``-ch``/``-sh`` → ``-es``."""
    head, _, last = word.rpartition(" ")  # "complete mentor checklist": only the last word changes
    lead = f"{head} " if head else ""
    if last.lower() in IRREGULAR:
        return lead + IRREGULAR[last.lower()]
    if len(last) > 1 and last.endswith("y") and last[-2] not in "aeiou":
        return f"{lead}{last[:-1]}ies"
    if last.endswith(("s", "x", "ch", "sh")):
        return f"{lead}{last}es"
    return f"{lead}{last}s"


def plural(n: int | float, word: str, many: str | None = None, number: bool = True) -> str:
    """``n`` and the word in the right number: ``1 mentor``, ``4 mentors``, ``0 people``; ``many`` names an irregular plural.

    With ``number=False`` only the word (``is``/``are`` after a count written elsewhere).
    """
    one = n == 1
    words = word if one else (many or plural_of(word))
    if not number:
        return words
    count = f"{int(n):,}" if float(n).is_integer() else f"{float(n):g}"
    return f"{count} {words}"


def pair_label(mentor: object, mentee: object) -> str:
    """A mentoring pair as every output writes it: ``M-ENG-01 & E-ENG-01`` (a missing side as ``—``)."""

    def side(who: object) -> str:
        missing = who is None or type(who).__name__ == "NAType" or (isinstance(who, float) and math.isnan(who))
        return "—" if missing or str(who) == "" else str(who)

    return f"{side(mentor)} & {side(mentee)}"


# --- one line of text --------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str, limit: int = 300) -> str:
    """An error's last line (where a traceback says what went wrong), colours removed, at most ``limit`` characters."""
    lines = _ANSI.sub("", text).strip().splitlines()
    return lines[-1][:limit] if lines else ""


def first_line(text: str, limit: int = 200) -> str:
    """A message's first line, at most ``limit`` characters ("" for a blank message)."""
    lines = text.strip().splitlines()
    return lines[0][:limit] if lines else ""


def plain(text: str) -> str:
    """One line of plain text for a mail or a log: control characters and line breaks become spaces, runs of space one."""
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


def printable(value: object) -> str:
    """Roster text for a terminal: missing (None, NaN, NA) as empty, control characters (escape sequences) dropped."""
    if value is None:
        return ""
    if not isinstance(value, str):
        import pandas as pd  # only callers that already hold pandas values get here

        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    return "".join(ch for ch in str(value) if unicodedata.category(ch) != "Cc")
