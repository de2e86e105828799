"""Benchmark: small hostile files given to ``mentorkit import``, each timed with ``/usr/bin/time -v``.

Builds, in a temporary folder (or ``--keep FOLDER``):

- ``wide.csv``: a 2 MB CSV whose first line has a million columns;
- ``dense.xlsx``: a workbook of a few hundred KB whose one sheet holds 2.5 million small cells;
- ``sparse.xlsx``: a workbook of a few KB with a cell in its first and in its last row (1,048,576),
  which a reader fills in as a million empty rows;
- ``aliases.yaml``: a ``--map`` file of about 400 bytes whose nested YAML aliases expand to
  hundreds of millions of items, used with a one-row template file;

then runs the real command on each and prints its exit code, first error line, wall time and peak
RSS. Every run is capped (``--timeout`` seconds, ``--memory`` MB of address space), so a file that
still exhausts memory stops there instead of taking the machine with it.

    python benchmarks/hostile_imports.py [--timeout 120] [--memory 4000] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import itertools
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mentorkit import instruments

XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def write_xlsx(path: Path, rows: list[str]) -> Path:
    """A minimal workbook whose one sheet has the given ``<row>`` elements."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for name, text in XLSX_PARTS.items():
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_HEAD.encode())
            for row in rows:
                sheet.write(row.encode())
            sheet.write(SHEET_TAIL.encode())
    return path


def build(folder: Path) -> dict[str, list[str]]:
    """The hostile files, and the ``mentorkit import`` arguments of each."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wide.csv").write_bytes(b"x," * 999_999 + b"x\n1\n")  # 2 MB, 1,000,000 columns
    cell = '<c t="inlineStr"><is><t>x</t></is></c>'
    write_xlsx(folder / "dense.xlsx", [f"<row>{cell * 50}</row>"] * 50_000)  # 2,500,000 cells
    write_xlsx(
        folder / "sparse.xlsx",
        [
            '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="T1" t="inlineStr"><is><t>b</t></is></c></row>',
            '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>z</t></is></c></row>',
        ],
    )
    levels = "abcdefghi"
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in itertools.pairwise(levels):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    (folder / "aliases.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = [i.id for i in instruments.get("mentee_readiness").items]
    (folder / "one.csv").write_text(
        ",".join(["participant_id", "submitted_at", *items])
        + "\n"
        + ",".join(["e1", "2026-05-02", *["yes"] * len(items)])
        + "\n",
        encoding="utf-8",
    )
    return {
        "wide.csv": ["wide.csv", "--instrument", "mentee_readiness"],
        "dense.xlsx": ["dense.xlsx", "--instrument", "mentee_readiness"],
        "sparse.xlsx": ["sparse.xlsx", "--instrument", "mentee_readiness"],
        "aliases.yaml": ["one.csv", "--instrument", "mentee_readiness", "--map", "aliases.yaml"],
    }


def run(folder: Path, args: list[str], timeout: int, memory_mb: int) -> tuple[str, str]:
    """One capped ``/usr/bin/time -v mentorkit import`` run: (outcome, figures)."""
    exe = shutil.which("mentorkit", path=str(Path(sys.executable).parent)) or "mentorkit"

    def cap() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    cmd = ["/usr/bin/time", "-v", exe, "import", *args, "--db", f"sqlite:///{folder / 'data' / 'mentorkit.db'}"]
    try:
        done = subprocess.run(
            cmd, cwd=folder, capture_output=True, text=True, timeout=timeout, preexec_fn=cap, check=False
        )
    except subprocess.TimeoutExpired:
        return f"killed after {timeout} s", ""
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    said = [line for line in done.stderr.splitlines() if line.startswith("mentorkit")] or done.stdout.splitlines()
    figures = f"{wall.group(1) if wall else '?'} wall, {int(rss.group(1)) // 1024 if rss else '?'} MB peak RSS"
    return f"exit {done.returncode}: {said[0] if said else ''}"[:200], figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=int, default=120, help="seconds per run (default 120)")
    parser.add_argument("--memory", type=int, default=4000, help="address-space cap per run, MB (default 4000)")
    parser.add_argument("--keep", type=Path, help="build the files in this folder and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="mk-hostile-"))
    try:
        for name, import_args in build(folder).items():
            size = (folder / name).stat().st_size
            outcome, figures = run(folder, import_args, args.timeout, args.memory)
            print(f"{name:13} {size:>9,} bytes  {figures:32}  {outcome}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
