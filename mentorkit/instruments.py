"""The instruments of the brief, loaded from ``instruments.yaml`` into frozen dataclasses."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from mentorkit.errors import UsageError
from mentorkit.settings import DEFAULT, Settings

ROLES = ("mentor", "mentee")


@dataclass(frozen=True)
class Item:
    """One question or field of an instrument."""

    id: str
    kind: str
    text: str
    element: str | None = None
    required: bool = False
    optional: bool = False
    scored: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instrument:
    """An instrument: its items and how it is scored."""

    id: str
    title: str
    description: str
    role: str  # mentor, mentee or any
    subject: str  # none, pair or goal
    scoring: str
    items: tuple[Item, ...]
    capacity_items: tuple[str, ...] = ()

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scored)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def min_answered(self, settings: Settings = DEFAULT) -> int:
        """Fewest scored items answered for a readiness score (``completeness`` of them, rounded up)."""
        return math.ceil(settings.completeness * len(self.scored_items) - 1e-9)


@cache
def _load() -> tuple[dict[int, str], dict[str, Instrument]]:
    text = resources.files("mentorkit").joinpath("instruments.yaml").read_text("utf-8")
    raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader, C when available
    likert = {int(k): str(v) for k, v in raw["scales"]["likert5"].items()}
    found: dict[str, Instrument] = {}
    for spec in raw["instruments"]:
        items = tuple(Item(**{**it, "choices": tuple(it.get("choices", ()))}) for it in spec["items"])
        found[spec["id"]] = Instrument(
            id=spec["id"],
            title=spec["title"],
            description=" ".join(spec["description"].split()),
            role=spec["role"],
            subject=spec["subject"],
            scoring=spec["scoring"],
            items=items,
            capacity_items=tuple(spec.get("capacity_items", ())),
        )
    return likert, found


def likert_labels() -> dict[int, str]:
    """The 1–5 agreement scale: value → label."""
    return dict(_load()[0])


def instruments() -> dict[str, Instrument]:
    """Every instrument, by id, in the brief's order."""
    return dict(_load()[1])


def get(instrument_id: str) -> Instrument:
    """One instrument by id; a clear error for an unknown one."""
    found = _load()[1]
    if instrument_id not in found:
        known = ", ".join([*found, "roster"])
        raise UsageError(f"unknown instrument {instrument_id!r}; choose one of: {known}")
    return found[instrument_id]


def readiness_for(role: str) -> Instrument:
    """The readiness checklist of a role."""
    return get(f"{role}_readiness")


CHECKIN_ELEMENTS: tuple[str, ...] = tuple(i.id for i in get("checkin").items if i.element)  # Zachary's seven
