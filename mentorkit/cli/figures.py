"""The figures' commands: ``score`` (a cohort's figures, as a table or JSON) and ``export`` (the BI tables)."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from mentorkit import workspace
from mentorkit.cli.common import engine, terminal_progress
from mentorkit.errors import UsageError, unknown_cohort
from mentorkit.formats import fmt_text, hiding_rule
from mentorkit.settings import DEFAULT


def cmd_score(args: argparse.Namespace) -> int:
    from mentorkit import store
    from mentorkit.analysis import score
    from mentorkit.intake import clean

    if not clean.is_safe_id(args.cohort):
        raise UsageError(f"not a cohort id: {args.cohort!r}")
    as_of = score.parse_as_of(args.as_of)
    connected = engine(args)
    with connected.connect() as conn:
        known = store.list_cohorts(conn)
    if args.cohort not in known:
        raise unknown_cohort(args.cohort, known)
    data = store.load(connected, [args.cohort], as_of)
    settings = workspace.settings()  # mentorkit.toml and the environment over the defaults
    result = score.score_cohort(data, args.cohort, as_of, settings)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_score(result.to_dict(), settings.min_group_size))
    return 0


def format_score(d: dict[str, Any], k: int = DEFAULT.min_group_size) -> str:
    """A cohort's figures as a readable table (``k``: the minimum group size the figures were scored with)."""

    def fig(v: object, pct: bool = False) -> str:
        return fmt_text(v, "pct" if pct else "num")

    lines = [
        f"cohort {d['cohort']} as of {d['as_of']}: {d['enrolled']['mentor']} mentors, {d['enrolled']['mentee']} mentees"
    ]
    for key, title in (("mentor_readiness", "Mentor readiness"), ("mentee_readiness", "Mentee readiness")):
        r = d[key]
        lines.append(f"\n{title}")
        lines.append(f"  respondents      {r['respondents']} ({fig(r['response_rate'], pct=True)} response rate)")
        lines.append(f"  mean score       {fig(r['mean_score'])}")
        lines.append(
            f"  ready / developing / not yet   {fig(r['ready'])} / {fig(r['developing'])} / {fig(r['not_yet'])}"
        )
        lines.append(f"  incomplete       {r['incomplete']}")
        if "capacity_risk" in r:
            lines.append(f"  capacity risk    {fig(r['capacity_risk'])}")
    rel = d["relationship"]
    lines.append("\nRelationships")
    lines.append(f"  pairs            {rel['pairs']}")
    lines.append(f"  health index     {fig(rel['health_index'])}")
    lines.append(
        f"  on track / needs check-in / too early   {fig(rel['on_track'])} / "
        f"{fig(rel['needs_checkin'])} / {rel['too_early']}"
    )
    lines.append(f"  perception gaps  {fig(rel['perception_gaps'])}")
    g = d["goals"]
    lines.append("\nGoals")
    lines.append(f"  total {g['total']} (mutually agreed {g['mutually_agreed']})")
    lines.append(
        f"  achieved {g['achieved']}, on track {g['on_track']}, at risk {g['at_risk']}, "
        f"overdue {g['overdue']}, dropped {g['dropped']}; stale {g['stale']}"
    )
    if any(d[k].get("suppressed") for k in ("mentor_readiness", "mentee_readiness", "relationship")):
        lines.append(f"\n'suppressed': {hiding_rule(k)}")
    return "\n".join(lines)


def cmd_export(args: argparse.Namespace) -> int:
    from mentorkit import export as bi
    from mentorkit.analysis import score

    if not args.out:
        raise UsageError("export needs --out DIR")
    bi.check_request(args.out, args.format, args.level)  # before the store is touched: bad usage writes nothing
    as_of = score.parse_as_of(args.as_of)
    progress = terminal_progress()  # on a terminal only
    settings = workspace.settings()
    if args.segment_by:  # the flag wins over [settings] segment_attributes
        settings = dataclasses.replace(settings, segment_attributes=tuple(args.segment_by))
    result = bi.export(engine(args), args.out, as_of, args.format, args.level, settings, progress)
    print(result.summary())
    return 0
