"""Each cohort's figures per segment of a roster attribute, with small-group and complementary suppression.

``segments`` splits every cohort into one pseudo-cohort per value of each segment attribute (``department`` and
the roster columns named in ``segment_attributes`` that identify no one) and computes ``figures.COLUMNS`` for
them at once, as ``programme.trends`` does for cohorts; the differencing rule holds across segments, the
cohort's own figures and its trend points.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from mentorkit.analysis import figure_table as figures
from mentorkit.analysis.programme import (
    PEOPLE,
    SEP,
    _difference,
    _frame,
    _hide_differencing,
    _key,
    _pair_key,
    _prepare,
    _snapshot,
    _subset,
    _trends,
)
from mentorkit.data import CohortData
from mentorkit.errors import UsageError
from mentorkit.settings import DEFAULT, Settings

NONE = "(none)"  # the segment of people without a value
HIDDEN = "(hidden)"  # the one label of a breakdown's segments under k people: their values never appear
SEGMENT_COLUMNS = (*figures.COLUMNS, "attribute", "segment")


def _attributes_frame(participants: pd.DataFrame) -> pd.DataFrame:
    """The roster attributes (the ``attributes`` JSON column) as string columns, one row per participant."""
    stored = (
        participants["attributes"]
        if "attributes" in participants.columns
        else pd.Series(None, index=participants.index)
    )
    records = [a if isinstance(a, dict) else {} for a in stored]
    wide = (
        pd.DataFrame.from_records(records, index=participants.index)
        if records
        else pd.DataFrame(index=participants.index)
    )
    return wide.astype("string")


def identifies(values: pd.Series, settings: Settings = DEFAULT) -> bool:
    """True when a column's values are nearly all distinct (``segment_identifier_share``): it names people."""
    held = _labels(values).dropna()
    return len(held) > 0 and held.nunique() >= settings.segment_identifier_share * len(held)


def segment_attributes(participants: pd.DataFrame, settings: Settings = DEFAULT) -> list[str]:
    """``department``, then the roster columns named in ``segment_attributes`` that hold values and identify no one.

    Only named columns become segments, so an employee number, a manager's name or a private e-mail kept on the
    roster never reaches an aggregate output; a named column whose values are nearly all distinct is left out too.
    """
    wide = _attributes_frame(participants)
    named = dict.fromkeys(a for a in settings.segment_attributes if a != "department")
    chosen = [
        a for a in named if a in wide.columns and _labels(wide[a]).notna().any() and not identifies(wide[a], settings)
    ]
    return ["department", *chosen]


def _labels(values: pd.Series) -> pd.Series:
    """Values as segment names: stripped text, blank or missing as ``(none)``."""
    text = values.astype("string").str.strip()
    return text.mask(text.isna() | (text == ""), pd.NA)


def _segmented(data: CohortData, attribute: str, label: pd.Series) -> CohortData:
    """The data with each cohort split into one pseudo-cohort per value of an attribute.

    A person counts in their own value's segment; a pair, its check-ins and its goals in its mentee's.
    """
    people = data.participants
    segment = people["cohort_id"].astype("string") + SEP + attribute + SEP + label.fillna(NONE)
    person = pd.Series(segment.to_numpy(), index=pd.Index(_key(people, "participant_id").to_numpy()))
    pairs = data.pairs
    pair_segment = person.reindex(pd.Index(_key(pairs, "mentee_id").to_numpy())).to_numpy()
    by_pair = pd.Series(pair_segment, index=pd.Index(_pair_key(pairs).to_numpy()))

    def relabel(frame: pd.DataFrame, lookup: pd.Series, keys: pd.Series) -> pd.DataFrame:
        found = lookup.reindex(pd.Index(keys.to_numpy())).to_numpy()
        known = pd.notna(found)
        return frame[known].assign(cohort_id=pd.array(found[known], dtype="string"))

    responses = {}
    for name, frame in data.responses.items():
        if name in ("mentor_readiness", "mentee_readiness"):
            responses[name] = relabel(frame, person, _key(frame, "participant_id"))
        else:
            responses[name] = relabel(frame, by_pair, _pair_key(frame))
    return CohortData(
        participants=people.assign(cohort_id=pd.array(segment, dtype="string")),
        pairs=relabel(pairs, by_pair, _pair_key(pairs)),
        responses=responses,
    )


def segments(
    data: CohortData,
    cohorts: list[str] | None,
    as_of: date,
    settings: Settings = DEFAULT,
    attributes: list[str] | None = None,
    trends_to: date | None = None,
) -> pd.DataFrame:
    """Each cohort's figures per value of ``segment_attributes(people, settings)`` (``SEGMENT_COLUMNS``).

    Person-level figures (enrolled, readiness) count each person in their own value's segment; pair-level
    figures (pairs, check-ins, goals) count a pair in its mentee's. People without a value form the segment
    ``(none)``. A segment of fewer than ``min_group_size`` people is hidden (no value, n or interval). Then, per
    cohort, attribute and figure, when exactly one segment is hidden (by that rule or by the figure's own
    suppression) the visible segment with a value and the smallest n (ties: by name) is hidden too, so no
    hidden figure can be worked out from the cohort's total. Goals and check-ins of a pair that is no longer
    current (its mentee has been matched again) belong to no segment. Segments under k people carry no label:
    per cohort, attribute and figure they are one row ``(hidden)``, so no value fewer than k people hold appears.
    ``attributes`` chooses some of the segment attributes (all when None); any other column is a usage error.

    The differencing rule holds across every segment attribute (also those not chosen), the cohort's own
    figures and its trend points up to ``trends_to`` (``as_of`` when None): a segment's figure whose people
    differ by 1 to k − 1 from those of a cohort figure or of a larger segment is hidden (``suppressed_reason``
    ``differencing``), before the complementary suppression.
    """
    chosen = _subset(data, cohorts)
    people = chosen.participants
    wide = _attributes_frame(people)
    allowed = segment_attributes(people, settings)
    names = allowed if attributes is None else list(attributes)
    for attribute in names:
        if attribute not in allowed:
            raise UsageError(f"{attribute!r} is not a segment attribute (segments: {', '.join(allowed)})")
    parts = []
    for attribute in allowed:
        label = _labels(people["department"] if attribute == "department" else wide[attribute])
        parts.append(_segmented(chosen, attribute, label))
    if not parts or people.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SEGMENT_COLUMNS})
    merged = CohortData(
        participants=pd.concat([p.participants for p in parts], ignore_index=True),
        pairs=pd.concat([p.pairs for p in parts], ignore_index=True),
        responses={name: pd.concat([p.responses[name] for p in parts], ignore_index=True) for name in chosen.responses},
    )
    prep = _prepare(merged)
    frame = _frame([(as_of, _snapshot(prep, as_of, settings))])
    split = frame["cohort_id"].str.split(SEP, n=2, expand=True)
    size = merged.participants.groupby("cohort_id").size()
    frame = frame.assign(
        people=frame["cohort_id"].map(size).astype("int64"),
        cohort_id=split[0].astype("string"),
        attribute=split[1].astype("string"),
        segment=split[2].astype("string"),
    )
    k = settings.min_group_size
    frame = _hide(frame, frame["people"] < k, figures.MIN_GROUP)
    frame = _difference_segments(frame, _trends(chosen, trends_to or as_of, settings), allowed, k)
    frame = _complement(frame)
    frame = _unlabel_small(frame[frame["attribute"].isin(names)], k)
    rank = {a: n for n, a in enumerate(names)}
    frame = frame.assign(
        _attribute=frame["attribute"].map(rank),
        _last=frame["segment"].map({NONE: 1, HIDDEN: 2}).fillna(0),
        _figure=frame.groupby(["cohort_id", "attribute", "segment"]).cumcount(),
    )
    frame = frame.sort_values(
        ["cohort_id", "_attribute", "_last", "segment", "_figure"], kind="stable", ignore_index=True
    )
    return frame[list(SEGMENT_COLUMNS)]


def _unlabel_small(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """Segments under k people (all hidden) become one ``(hidden)`` row per cohort, attribute and figure."""
    small = frame["people"] < k
    frame = frame.assign(segment=frame["segment"].mask(small, HIDDEN))
    return frame[~(small & frame.duplicated(["cohort_id", "attribute", "segment", "figure"]))]


def _difference_segments(frame: pd.DataFrame, trends: pd.DataFrame, attributes: list[str], k: int) -> pd.DataFrame:
    """The differencing rule over segments: the cohort's figures (every trend point) kept first, then segments
    from the largest set of people down (ties: attribute order, then name)."""
    rank = {a: n for n, a in enumerate(attributes)}
    mine = frame.assign(_seg=1, _size=frame[PEOPLE].map(lambda p: -1 if p is None else len(p)))
    mine = mine.assign(_attribute=mine["attribute"].map(rank))
    theirs = trends.assign(_seg=0, _size=0, _attribute=0, segment=pd.NA) if len(trends) else None
    pool = pd.concat([theirs, mine], ignore_index=True) if theirs is not None else mine.reset_index(drop=True)
    order = ["_seg", "as_of", "_size", "_attribute", "segment"]
    mask = _difference(pool, order, [True, False, False, True, True], k)
    return _hide_differencing(frame, mask[len(pool) - len(frame) :])


def _complement(frame: pd.DataFrame) -> pd.DataFrame:
    """Complementary suppression per cohort, attribute and figure: one hidden segment hides the next smallest."""
    group = ["cohort_id", "attribute", "figure"]
    hidden = frame["suppressed"]
    count = hidden.astype("int64").groupby([frame[c] for c in group]).transform("sum")
    candidates = frame[~hidden & (count == 1) & frame["value"].notna()]
    picked = candidates.sort_values([*group, "n", "segment"], kind="stable").drop_duplicates(group, keep="first")
    mask = pd.Series(False, index=frame.index)
    mask[picked.index] = True
    return _hide(frame, mask, COMPLEMENTARY)


COMPLEMENTARY = "complementary"  # the suppressed_reason of a segment hidden so another hidden one stays hidden


def _hide(frame: pd.DataFrame, mask: pd.Series, reason: str) -> pd.DataFrame:
    """These rows hidden: no value, n or interval, suppressed (a figure hidden already keeps its reason)."""
    out = frame.copy()
    for column in ("value", "n", "ci_low", "ci_high"):
        out[column] = out[column].mask(mask)
    out["suppressed_reason"] = out["suppressed_reason"].mask(mask & ~out["suppressed"], reason)
    out["suppressed"] = out["suppressed"] | mask
    out[PEOPLE] = out[PEOPLE].mask(mask, None)
    return out
