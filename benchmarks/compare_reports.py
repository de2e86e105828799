"""Check: two report folders show the same figures and the same text.

For every ``<cohort>/<report>.html`` and the programme report (``programme.html``) in both folders
it compares each chart's data, layout and config (the arguments of ``Plotly.newPlot``, typed arrays
decoded, the random div id left out) and the page's visible text (tags stripped, whitespace
collapsed; the footer's generation time and the fingerprint are the only parts allowed to differ).
Exit 0 when all match.

    python benchmarks/compare_reports.py OLD_DIR NEW_DIR
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import re
import sys
from pathlib import Path

import numpy as np

NEWPLOT = re.compile(r'Plotly\.newPlot\(\s*"[^"]+",\s*(.*?)\s*\)\s*};\s*</script>', re.S)
DTYPES = {"f8": "<f8", "f4": "<f4", "i1": "i1", "i2": "<i2", "i4": "<i4", "u1": "u1", "u2": "<u2", "u4": "<u4"}


def decoded(value: object) -> object:
    """A figure with plotly's typed arrays ({dtype, bdata}) turned into plain lists."""
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=DTYPES[value["dtype"]])
            return [None if isinstance(v, float) and v != v else v for v in arr.tolist()]
        return {k: decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decoded(v) for v in value]
    return value


def figures(page: str) -> list[object]:
    """Every chart of a page as (data, layout, config), decoded."""
    found = []
    for args in NEWPLOT.findall(page):
        found.append(decoded(json.loads(f"[{args}]")))
    return found


def visible_text(page: str) -> str:
    """The page's text as a reader sees it (scripts and styles dropped)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "generated <time> UTC", text)
    text = re.sub(r"data fingerprint \w+", "data fingerprint <fp>", text)
    return " ".join(text.split())


def pages(folder: Path) -> list[Path]:
    """A report folder's pages to compare: each cohort's reports and the programme report."""
    return [*folder.glob("*/*.html"), *folder.glob("programme.html")]


def compare(old: Path, new: Path) -> list[str]:
    """Differences between two report folders, one line each."""
    problems = []
    old_pages = {p.relative_to(old) for p in pages(old)}
    new_pages = {p.relative_to(new) for p in pages(new)}
    for missing in sorted(old_pages ^ new_pages):
        problems.append(f"{missing}: only in {'old' if missing in old_pages else 'new'}")
    for rel in sorted(old_pages & new_pages):
        a, b = (old / rel).read_text("utf-8"), (new / rel).read_text("utf-8")
        fa, fb = figures(a), figures(b)
        if len(fa) != len(fb):
            problems.append(f"{rel}: {len(fa)} charts before, {len(fb)} after")
        for i, (x, y) in enumerate(zip(fa, fb, strict=False)):
            if x != y:
                problems.append(f"{rel}: chart {i + 1} differs")
        if visible_text(a) != visible_text(b):
            ta, tb = visible_text(a).split(), visible_text(b).split()
            at = next((i for i, (p, q) in enumerate(zip(ta, tb, strict=False)) if p != q), min(len(ta), len(tb)))
            problems.append(
                f"{rel}: text differs near {' '.join(ta[at - 3 : at + 5])!r} / {' '.join(tb[at - 3 : at + 5])!r}"
            )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    problems = compare(args.old, args.new)
    compared = len(pages(args.old))
    charts = sum(len(figures(p.read_text("utf-8"))) for p in pages(args.old))
    for line in problems:
        print(line)
    print(
        f"{compared} pages, {charts} charts compared: {'same figures and text' if not problems else f'{len(problems)} differences'}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
