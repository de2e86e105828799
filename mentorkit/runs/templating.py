"""The Jinja2 environment of mentorkit's own HTML pages (``mentorkit/runs/templates``): autoescaped and strict."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.cache
def environment() -> jinja2.Environment:
    """One environment for the package's templates: every value is escaped unless a filter says it is HTML already."""
    import jinja2  # the command line starts without it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the render instead of leaving a blank
    )


def render(name: str, **values: object) -> str:
    """A page of ``mentorkit/runs/templates`` rendered with ``values``."""
    return environment().get_template(name).render(**values)
