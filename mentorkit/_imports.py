"""Import-time shortcuts shared by the modules that load notebook tooling."""

from __future__ import annotations

import sys


def skip_iri_grammar() -> None:
    """Skip building jsonschema's IRI grammar (~3 s at import via rfc3987_syntax).

    plotly's renderers and nbclient import nbformat, which imports jsonschema, which builds that
    grammar only to check "iri" string formats; notebook schemas never use them. Only when the
    module is not loaded already.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
