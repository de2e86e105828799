"""Reports as PDF: each HTML report printed by one headless Chromium for the whole run.

The page is laid out at the printed width before its plotly charts draw, so charts are sized
for the paper; the stylesheet's ``@media print`` rules keep each chart on one page and start
each section on a fresh one. Nothing is fetched from the network: plotly.js and the stylesheet
come from the run's ``assets/``. PDFs appear atomically (temporary name, then rename).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from mentorkit import outputs
from mentorkit.errors import MentorkitError

CHROMIUM_ENV = "MENTORKIT_CHROMIUM"  # the Chromium to print with (default: Debian's)
DEFAULT_CHROMIUM = "/usr/bin/chromium"
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
PAPER = "A4"
MARGIN_MM = 15
MM_PER_INCH = 25.4
CSS_PX_PER_INCH = 96
A4_MM = (210, 297)
# every chart has drawn: as many plotly SVG roots as chart containers (none when the page has no chart)
CHARTS_DRAWN = """() => {
  const charts = document.querySelectorAll('.plotly-graph-div');
  if (charts.length && typeof Plotly === 'undefined') return false;
  return [...charts].every(c => c.querySelector('.main-svg') !== null && c._fullLayout !== undefined);
}"""


class PdfUnavailable(MentorkitError):
    """Chromium or playwright cannot be used to print PDFs."""


def chromium_path(executable: str | os.PathLike[str] | None = None) -> Path:
    """The Chromium to use: the argument, else $MENTORKIT_CHROMIUM, else /usr/bin/chromium."""
    return Path(executable or os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)


def px(mm: float) -> int:
    """Millimetres as CSS pixels (96 per inch), rounded down."""
    return int(mm / MM_PER_INCH * CSS_PX_PER_INCH)


def printable_size() -> tuple[int, int]:
    """The printable area of an A4 page within the margins, in CSS pixels (width, height)."""
    width, height = A4_MM
    return px(width - 2 * MARGIN_MM), px(height - 2 * MARGIN_MM)


class Printer:
    """One headless Chromium for a whole run; ``print(html)`` writes the PDF next to the HTML.

    Use as a context manager. Entering raises ``PdfUnavailable`` with one line when playwright
    or the Chromium executable is missing or will not start.
    """

    def __init__(self, executable: str | os.PathLike[str] | None = None, timeout_ms: int = 60_000) -> None:
        self.executable = chromium_path(executable)
        self.timeout_ms = timeout_ms
        self._pw: Any = None
        self._browser: Any = None

    def __enter__(self) -> Printer:
        if not self.executable.is_file():
            raise PdfUnavailable(f"no PDFs: Chromium not found at {self.executable} (set {CHROMIUM_ENV})")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise PdfUnavailable("no PDFs: the playwright package is not installed (pip install playwright)") from None
        manager = sync_playwright()
        self._pw = manager.start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=str(self.executable), args=list(ARGS))
        except Exception as exc:
            self._stop()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PdfUnavailable(f"no PDFs: Chromium at {self.executable} did not start: {first}") from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):  # a browser that is already gone is fine
                self._browser.close()
            self._browser = None
        if self._pw is not None:
            self._pw.stop()
            self._pw = None

    def print(self, html: Path) -> Path:
        """Print one report (a local HTML file) to ``<report>.pdf`` beside it, atomically."""
        if self._browser is None:
            raise RuntimeError("Printer used outside its with-block")
        width, height = printable_size()
        page = self._browser.new_page(viewport={"width": width, "height": height})
        try:
            page.route("http*://**", lambda route: route.abort())  # offline: reports need nothing from the net
            page.emulate_media(media="print")
            page.goto(html.resolve().as_uri(), wait_until="load", timeout=self.timeout_ms)
            page.wait_for_function(CHARTS_DRAWN, timeout=self.timeout_ms)
            body = page.pdf(
                format=PAPER,
                print_background=True,
                margin={side: f"{MARGIN_MM}mm" for side in ("top", "right", "bottom", "left")},
            )
        finally:
            page.close()
        target = html.with_suffix(".pdf")  # folder.pdf_of
        outputs.write_atomic(target, lambda tmp: tmp.write_bytes(body))
        return target


def print_reports(
    htmls: list[Path], executable: str | os.PathLike[str] | None = None
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Print every HTML report to PDF with one browser: (written, [(html, one-line error)]).

    Raises ``PdfUnavailable`` when Chromium or playwright is missing; the HTML files stay as they are.
    """
    written: list[Path] = []
    failed: list[tuple[Path, str]] = []
    with Printer(executable) as printer:
        for html in htmls:
            try:
                written.append(printer.print(html))
            except Exception as exc:  # one report that will not print never stops the others
                text = str(exc).strip().splitlines()
                failed.append((html, text[0] if text else type(exc).__name__))
    return written, failed
