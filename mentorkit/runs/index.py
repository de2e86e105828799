"""A report folder's landing page and manifest, rebuilt from the records its runs left there.

``rebuild_index`` reads every cohort's ``meta.json`` and the programme report's outcome and
writes ``index.html`` (``templates/run_index.html.j2``, autoescaped) and ``manifest.json``; a
folder filled by several shards gets one index. ``cohort_meta`` is what a cohort's meta.json holds.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mentorkit import __version__, outputs, store, workspace
from mentorkit.errors import UsageError
from mentorkit.formats import fmt
from mentorkit.runs import templating
from mentorkit.runs.folder import INDEX, MANIFEST, PROGRAMME_HTML, JsonObject, read_metas, read_programme
from mentorkit.runs.options import REPORT_TITLES, REPORTS, Outcome, RunOptions
from mentorkit.settings import DEFAULT

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

INDEX_TEMPLATE = "run_index.html.j2"  # the run's landing page, in templating.TEMPLATES


def cohort_meta(cohort: str, options: RunOptions, reports: list[Outcome], facts: dict[str, object]) -> JsonObject:
    """A cohort's meta.json: the run's parameters, its reports' outcomes and its facts."""
    ordered = sorted(reports, key=lambda o: REPORTS.index(o.report) if o.report in REPORTS else len(REPORTS))
    return {
        "cohort": cohort,
        "as_of": options.as_of.isoformat(),
        "generated_at": store.now().isoformat() + "Z",
        "mentorkit_version": __version__,
        "data_fingerprint": facts["data_fingerprint"],
        "parameters": public_parameters(options),
        "figures": facts["figures"],
        "reports": {o.report: asdict(o) for o in ordered},
        **{k: v for k, v in facts.items() if k not in ("data_fingerprint", "figures")},
    }


def failed_meta(cohort: str, options: RunOptions, reports: list[Outcome], error: str) -> JsonObject:
    """A cohort's meta.json when its figures could not be worked out: no figures or snapshot, ``error`` says why.

    Its reports are listed as they ended; one that ended well keeps its page, but a cohort with no
    report at all (none ran) gets a failed one, so the manifest, the index and the digest count it.
    """
    listed = reports or [Outcome(cohort, REPORTS[0], "failed", error=error)]
    meta = cohort_meta(cohort, options, listed, {"data_fingerprint": "", "figures": None, "snapshot": None})
    return meta | {"error": error}


def public_parameters(options: RunOptions) -> dict[str, object]:
    """The run's parameters as meta.json records them (the database without its password)."""
    import sqlalchemy as sa

    return {
        "as_of": options.as_of.isoformat(),
        "db": sa.make_url(options.db_url).render_as_string(hide_password=True),
        "min_group_size": options.min_group_size,
        "settings": workspace.overrides(options.settings_in_force()),
        "identify": options.identify,
        "jobs": options.jobs,
        "timeout": options.timeout,
    }


def manifest(metas: list[JsonObject], programme: JsonObject | None) -> JsonObject:
    """manifest.json: every cohort's parameters and reports, the counts, and the programme report's outcome."""
    reports = [r for m in metas for r in m["reports"].values()]
    combined = hashlib.sha256("".join(m["data_fingerprint"] for m in metas).encode()).hexdigest()[:16]
    found: JsonObject = {
        "mentorkit_version": __version__,
        "generated_at": store.now().isoformat() + "Z",
        "parameters": metas[-1]["parameters"] if metas else {},
        "data_fingerprint": combined,
        "cohorts": {
            m["cohort"]: {
                "as_of": m["as_of"],
                "data_fingerprint": m["data_fingerprint"],
                "generated_at": m["generated_at"],
                "parameters": m["parameters"],
            }
            for m in metas
        },
        "reports": reports,
        "ok": sum(r["status"] == "ok" for r in reports),
        "failed": sum(r["status"] != "ok" for r in reports),
    }
    if programme is not None:  # the programme report, when this folder has one
        found["programme"] = programme
        found["ok" if programme.get("status") == "ok" else "failed"] += 1
    return found


def rebuild_index(out: Path, changes_page: bool = False) -> tuple[Path, Path]:
    """Write index.html and manifest.json from the cohorts found in ``out`` (the index links changes.html if asked)."""
    if not out.is_dir():
        raise UsageError(f"no report folder at {out}")
    metas = read_metas(out)
    programme = read_programme(out)
    manifest_path = out / MANIFEST
    index_path = out / INDEX
    outputs.write_text_atomic(manifest_path, json.dumps(manifest(metas, programme), indent=2))
    linked = programme is not None and programme.get("status") == "ok" and (out / PROGRAMME_HTML).is_file()
    outputs.write_text_atomic(index_path, index_html(metas, changes_page, programme_page=linked))
    return index_path, manifest_path


def index_html(metas: list[JsonObject], changes_page: bool = False, programme_page: bool = False) -> str:
    """The run's landing page: every cohort, its headline figures and links to its reports (and to changes.html)."""
    cohorts = []
    for m in metas:
        k = int(m.get("parameters", {}).get("min_group_size", DEFAULT.min_group_size))
        links = [(REPORT_TITLES[name], m["reports"].get(name)) for name in REPORTS]
        cohorts.append({"meta": m, "f": m["figures"], "k": k, "links": links})
    return _index_template().render(
        cohorts=cohorts,
        changes_page=changes_page,
        programme_page=programme_page,
        version=__version__,
        generated=store.now().isoformat(),
    )


@functools.cache
def _index_template() -> jinja2.Template:
    env = templating.environment().overlay()  # the package's environment, with the index's own filter
    env.filters = {**env.filters, "fig": _index_figure}  # an overlay shares its filters: the package's stay as they are
    return env.get_template(INDEX_TEMPLATE)


def _index_figure(value: object, k: int, kind: Literal["num", "pct"] = "num") -> Markup:
    """A figure on the index page: whole numbers, or the hidden marker naming the group size."""
    from markupsafe import Markup

    return Markup(fmt(value, kind, hidden=f"hidden (< {k})", digits=0))  # fmt escapes
