"""The Frictionless Data Package (v1) that describes an export: one Tabular Data Resource per written table."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from mentorkit import __version__
from mentorkit.export.tables import Table
from mentorkit.settings import DEFAULT, Settings


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resource(table: Table, path: Path, fmt: str, settings: Settings = DEFAULT) -> dict[str, object]:
    """A Tabular Data Resource describing one written table (descriptions with the settings' numbers)."""
    numbers = dataclasses.asdict(settings)
    fields = []
    for f in table.fields:
        field: dict[str, object] = {"name": f.name, "type": f.type, "description": f.description.format_map(numbers)}
        if f.name in table.primary_key:
            field["constraints"] = {"required": True}
        fields.append(field)
    schema: dict[str, object] = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    out: dict[str, object] = {
        "profile": "tabular-data-resource",
        "name": table.name,
        "path": path.name,
        "title": table.name.replace("_", " "),
        "description": table.description,
    }
    if fmt == "csv":
        out.update(
            format="csv",
            mediatype="text/csv",
            encoding="utf-8",
            dialect={"delimiter": ",", "doubleQuote": True, "quoteChar": '"', "lineTerminator": "\n", "header": True},
        )
    else:
        out.update(format="parquet", mediatype="application/vnd.apache.parquet")
    if fmt == "csv":  # frictionless counts the bytes of text files only
        out["bytes"] = path.stat().st_size
    out.update(hash=f"sha256:{_sha256(path)}", schema=schema)
    return out


def datapackage(
    resources: list[dict[str, object]], as_of: date, level: str, fmt: str, settings: Settings
) -> dict[str, object]:
    """The Data Package (v1) descriptor of an export."""
    return {
        "profile": "tabular-data-package",
        "name": f"mentorkit-{level}-{as_of.isoformat()}",
        "title": f"mentorkit export: {level} tables as of {as_of.isoformat()}",
        "description": (
            f"Mentoring programme figures as of {as_of.isoformat()} (only submissions on or before that day, UTC, "
            f"count; the latest per person, pair or goal wins). Figures with fewer than {settings.min_group_size} "
            "people's answers behind them are suppressed: an empty value with suppressed = true (goal figures "
            "are the programme's own records and are never suppressed). So is a figure whose people differ by "
            f"1 to {settings.min_group_size - 1} from those of another figure shown (an older trend point, a "
            "smaller segment), which subtraction would otherwise give away (suppressed_reason = differencing). "
            + (
                "People and goals appear under pseudonyms; names, e-mails and free text are not exported. "
                "This is still personal data: keep it where the programme's data may be kept."
                if level == "responses"
                else "No person-level data."
            )
        ),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mentorkit": {
            "version": __version__,
            "as_of": as_of.isoformat(),
            "level": level,
            "format": fmt,
            "min_group_size": settings.min_group_size,
        },
        "resources": resources,
    }
