"""The report stylesheet confined to the explore dashboard (``.mk-explore``), with JupyterLab's own rules undone.

Every rule of ``report.css`` is scoped to the dashboard's root element, so nothing reaches JupyterLab's interface;
the few rules JupyterLab gives rendered tables (fixed layout, right-aligned cells) are set back inside it.
"""

from __future__ import annotations

import re

from mentorkit.reporting import STYLESHEET

SCOPE = "mk-explore"  # the class of the dashboard's root element; every style rule sits under it

PAGE_ONLY = ("main", ".mk-nav", ".anchor-link")  # the report page's furniture: nothing of it is in a notebook
ROOT_SELECTORS = (":root", "html", "body")  # what the page's root carries, the dashboard's root carries
INK_VARIABLES = (  # JupyterLab's text colours, set inside the dashboard only
    *(f"content-font-color{i}" for i in range(4)),
    *(f"ui-font-color{i}" for i in range(4)),
    "widgets-color",
    "widgets-label-color",
    "widgets-readout-color",
    "widgets-input-color",
)
PAPER_VARIABLES = {  # JupyterLab's surfaces inside the dashboard: light, as on a report page
    "layout-color0": "#fff",
    "layout-color1": "#fff",
    "layout-color2": "#eef1f4",
    "layout-color3": "#c4ccd4",
    "border-color1": "#c4ccd4",
    "border-color2": "#e3e8ee",
    "widgets-input-background-color": "#fff",
    "widgets-input-border-color": "#9aa5b1",
    "rendermime-table-row-background": "#fafbfc",
    "rendermime-table-row-hover-background": "#eef3f8",
}


# --- the report stylesheet, scoped -------------------------------------------------------------


def _blocks(css: str) -> list[tuple[str, str]]:
    """Top-level ``prelude { body }`` blocks of a stylesheet (comments removed; nested braces kept in body)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    out, i = [], 0
    while (start := css.find("{", i)) >= 0:
        depth, j = 1, start + 1
        while depth and j < len(css):
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        out.append((css[i:start].strip(), css[start + 1 : j - 1].strip()))
        i = j
    return out


def _scope_selector(selector: str, scope: str) -> str | None:
    """One selector confined to ``.scope`` (the page root becomes the scope itself); None for page furniture."""
    sel = " ".join(selector.split())
    if not sel or ".jp-" in sel or any(sel == p or sel.startswith(p + " ") for p in PAGE_ONLY):
        return None
    if sel in ROOT_SELECTORS:
        return f".{scope}"
    return f".{scope} {sel}"


def scoped_css(css: str, scope: str = SCOPE) -> str:
    """A stylesheet whose every rule applies only inside elements of class ``scope``.

    The root's rules (``:root``, ``body``) move to the scope element; the report page's own furniture
    (``main``, the navigation, JupyterLab's cells in an exported page) and at-rules other than ``@media``
    are left out, so nothing reaches JupyterLab's own interface.
    """
    rules = []
    for prelude, body in _blocks(css):
        if prelude.startswith("@media"):
            inner = scoped_css(body, scope)
            if inner:
                rules.append(f"{prelude} {{\n{inner}\n}}")
            continue
        if prelude.startswith("@"):
            continue
        selectors = [s for s in (_scope_selector(p, scope) for p in prelude.split(",")) if s]
        if selectors:
            rules.append(f"{', '.join(selectors)} {{ {body} }}")
    return "\n".join(rules)


def style_html(scope: str = SCOPE) -> str:
    """A ``<style>`` element with the report stylesheet scoped to the dashboard (read from the package)."""
    # a light card in JupyterLab's dark themes too: the controls and outputs inside it take the report's ink
    ink = "; ".join(f"--jp-{name}: var(--ink)" for name in INK_VARIABLES)
    paper = "; ".join(f"--jp-{name}: {colour}" for name, colour in PAPER_VARIABLES.items())
    extra = "\n".join(
        [
            f".{scope} {{ padding: 8px 12px; border-radius: 4px; {ink}; {paper}; }}",
            f".{scope} .mk-asof {{ margin: 8px 0 4px; line-height: 1.5; }}",  # the date in force, hard to miss
            f".{scope} .mk-asof-day {{ font-size: 1.35rem; font-weight: 600; }}",
            f".{scope} .mk-stale {{ color: #8a4600; font-weight: 600; }}",  # cells that no longer follow the widget
            table_css(scope),
        ]
    )
    return f"<style>{scoped_css(STYLESHEET.read_text(encoding='utf-8'), scope)}\n{extra}</style>"


def table_css(scope: str = SCOPE) -> str:
    """JupyterLab's rendered-table rules undone inside the dashboard: each column as wide as its words.

    JupyterLab lays tables out fixed (equal columns, so a header like "department" runs into the next one)
    and right-aligns every cell; the report's tables size columns to their content and align left.
    """
    t = f".{scope} table.mk-table"
    return (
        f"{t} {{ table-layout: auto; }}\n"
        f"{t} th, {t} td {{ text-align: left; padding: 6px 12px 6px 8px; white-space: normal; "
        "overflow-wrap: normal; word-break: normal; }\n"
        f"{t} th {{ vertical-align: bottom; }}\n"
        f"{t} td:first-child {{ white-space: nowrap; }}"  # a cohort id never wraps at its hyphens
    )
