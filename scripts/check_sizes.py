"""Check: no function over 80 lines, no class over 250 lines, no module over 600 lines in mentorkit/.

Lines are counted as written (docstrings and comments included), from a definition's first line
(its first decorator) to its last. Exit 0 when every unit is within its limit; else one line per
unit over it.

    python scripts/check_sizes.py [FOLDER]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

LIMITS = {"function": 80, "class": 250, "module": 600}


def oversized(folder: Path) -> list[str]:
    """One line per module, class or function of ``folder`` over its limit."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > LIMITS["module"]:
            found.append(f"{path.relative_to(folder.parent)}: module of {lines} lines (limit {LIMITS['module']})")
        for node in ast.walk(ast.parse(source, filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                size = (node.end_lineno or node.lineno) - first + 1
                if size > LIMITS[kind]:
                    found.append(
                        f"{path.relative_to(folder.parent)}:{first}: {kind} {node.name} of {size} lines (limit {LIMITS[kind]})"
                    )
    return found


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "mentorkit"
    found = oversized(folder)
    for line in found:
        print(line)
    print(f"sizes: {len(found)} over the limits" if found else "sizes: every unit within its limit")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
