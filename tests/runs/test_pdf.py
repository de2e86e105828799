"""Reports print cleanly: PDFs through a real Chromium, print rules checked in the browser's print layout."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from mentorkit.runs import pdf
from tests.conftest import SAMPLE_AS_OF, run_cli
from tests.formserver import ARGS as CHROMIUM_ARGS

COHORT = "2026-spring-eng"


def test_the_printable_area_is_a4_within_15_mm_margins():
    # 210 − 2 × 15 = 180 mm = 180 / 25.4 × 96 = 680.3 px; 297 − 30 = 267 mm = 1009.1 px
    assert pdf.printable_size() == (680, 1009)
    assert pdf.chromium_path("/x/chrome") == Path("/x/chrome")


def test_chromium_path_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    assert pdf.chromium_path() == Path("/usr/bin/chromium")
    monkeypatch.setenv(pdf.CHROMIUM_ENV, "/opt/other/chromium")
    assert pdf.chromium_path() == Path("/opt/other/chromium")


def test_a_missing_chromium_is_one_clear_error(tmp_path):
    missing = tmp_path / "no-chromium"
    with pytest.raises(pdf.PdfUnavailable) as caught, pdf.Printer(missing):
        pass
    assert str(caught.value) == f"no PDFs: Chromium not found at {missing} (set MENTORKIT_CHROMIUM)"
    assert "\n" not in str(caught.value)


def need_chromium() -> None:
    if not Path(pdf.DEFAULT_CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def one_cohort(sample_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("print") / "run"
    result = run_cli("report", "--cohort", COHORT, "--as-of", SAMPLE_AS_OF, "--db", sample_db, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


# the chart containers as the print layout places them, at the paper's width, and the print rules they get
PRINT_LAYOUT = """() => {
  const charts = [...document.querySelectorAll('.plotly-graph-div')].map(d => {
    const box = d.getBoundingClientRect();
    const texts = [...d.querySelectorAll('text')].filter(t => t.textContent.trim().length > 2);
    const lowest = texts.reduce((a, t) => (!a || t.getBoundingClientRect().bottom > a.getBoundingClientRect().bottom) ? t : a, null);
    const title = d.querySelector('.gtitle');
    return {height: box.height, width: box.width, breakInside: getComputedStyle(d).breakInside,
            title: title ? title.textContent : null, lowest: lowest ? lowest.textContent : null};
  });
  const sections = [...document.querySelectorAll('h2')].map(h => getComputedStyle(h).breakBefore);
  const nav = [...document.querySelectorAll('.mk-nav')].map(n => getComputedStyle(n).display);
  return {charts, sections, nav, scrollWidth: document.documentElement.scrollWidth};
}"""


def print_layout(html: Path) -> dict:
    from playwright.sync_api import sync_playwright

    width, height = pdf.printable_size()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=pdf.DEFAULT_CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.route("http*://**", lambda route: route.abort())
        page.emulate_media(media="print")
        page.goto(html.as_uri())
        page.wait_for_function(pdf.CHARTS_DRAWN, timeout=30_000)
        layout = page.evaluate(PRINT_LAYOUT)
        browser.close()
    return layout


def pages_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def sections(html: Path) -> int:
    """How many sections (``h2`` headings) a report page has."""
    return html.read_text("utf-8").count("<h2 ")


def filled(path: Path) -> list[float]:
    """How far down each page of a PDF its text reaches, as a share of the printable height (A4 within 15 mm)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    top = float(reader.pages[0].mediabox.height) - pdf.MARGIN_MM / pdf.MM_PER_INCH * 72
    height = (pdf.A4_MM[1] - 2 * pdf.MARGIN_MM) / pdf.MM_PER_INCH * 72
    shares = []
    for page in reader.pages:
        ys: list[float] = []

        def seen(text: str, cm: list[float], tm: list[float], font: object, size: object, ys: list[float] = ys) -> None:
            if text.strip():
                ys.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

        page.extract_text(visitor_text=seen)
        shares.append((top - min(ys)) / height if ys else 0.0)
    return shares


def squeeze(text: str) -> str:
    """Text compared without spaces or line breaks and with ligatures undone ("ﬁ" → "fi")."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.browser
def test_a_report_prints_to_a_pdf_of_several_pages_with_its_headings(one_cohort):
    need_chromium()
    pytest.importorskip("pypdf")
    html = one_cohort / COHORT / "readiness.html"
    written, failed = pdf.print_reports([html, one_cohort / "index.html"])
    assert failed == [] and written == [html.with_suffix(".pdf"), one_cohort / "index.pdf"]
    assert not list(html.parent.glob(".*.tmp"))  # written atomically: no temporary file left
    pages = pages_text(html.with_suffix(".pdf"))
    # the readiness report has seven sections; they flow on from one another, so it takes fewer pages
    assert 2 <= len(pages) < sections(html) == 7
    assert pages[0].startswith(f"Readiness: {COHORT}")
    text = "\n".join(pages)
    for heading in ("Response rates", "Scores and bands", "Item-level yes rates", "Reliability", "Data quality"):
        assert sum(line == heading for line in text.splitlines()) == 1, heading
    assert "72.1" in pages[0]  # the mentor mean score, hand-worked in test_sample.py: 432.32 / 6
    # the charts were drawn before printing: their SVG text is in the PDF
    assert "Who has answered the readiness checklist" in "".join(pages)
    assert "Distribution of readiness scores" in "".join(pages)
    # the index page prints each link's target after it
    index = "".join(pages_text(one_cohort / "index.pdf")).replace("\n", "")
    assert f"({COHORT}/readiness.html)" in index


@pytest.mark.browser
def test_no_chart_is_cut_in_two(one_cohort):
    need_chromium()
    pytest.importorskip("pypdf")
    width, height = pdf.printable_size()
    for report in ("readiness", "goal_progress"):
        html = one_cohort / COHORT / f"{report}.html"
        layout = print_layout(html)
        assert len(layout["charts"]) >= 3, report
        for chart in layout["charts"]:
            # each chart fits one page at the paper's width, and the print rules keep it whole
            assert chart["height"] <= height and chart["width"] <= width, chart
            assert chart["breakInside"] == "avoid", chart
        assert set(layout["sections"]) == {"auto"}  # no section is sent to a page of its own
        assert layout["nav"] == ["none"]
        assert layout["scrollWidth"] <= width  # nothing wider than the paper: the page is not shrunk to fit
        # and in the PDF: a chart's title and its lowest text (legend or axis) are on the same page
        pages = [squeeze(t) for t in pages_text(_print(html))]
        for chart in layout["charts"]:
            if not chart["title"] or not chart["lowest"]:
                continue
            on = [i for i, text in enumerate(pages) if squeeze(chart["title"]) in text]
            assert len(on) == 1, chart
            assert squeeze(chart["lowest"]) in pages[on[0]], chart


def _print(html: Path) -> Path:
    with pdf.Printer() as printer:
        return printer.print(html)


@pytest.mark.browser
def test_the_sample_reports_print_without_empty_pages(sample_reports, tmp_path):
    need_chromium()
    pytest.importorskip("pypdf")
    from pypdf import PdfReader

    out = tmp_path / "run"  # a copy: the session's sample run is only read
    shutil.copytree(sample_reports[0], out)
    htmls = [out / COHORT / "readiness.html", out / COHORT / "goal_progress.html", out / "programme.html"]
    written, failed = pdf.print_reports(htmls)
    assert failed == [] and len(written) == 3
    for html, printed in zip(htmls, written, strict=True):
        texts = [squeeze(t) for t in pages_text(printed)]
        found = re.search(r"<footer class=['\"]mk-footer['\"]>(.*?)</footer>", html.read_text("utf-8"))
        assert found is not None, html.name
        footer = squeeze(html_text(found.group(1)))
        # sections flow on: a cohort report takes fewer pages than it has sections (readiness 7, goal progress 8);
        # the programme report's 12 charts of 380 px alone fill 4.5 pages, so there only the rules below apply
        if html.name != "programme.html":
            assert len(texts) < sections(html) in (7, 8), (html.name, len(texts))
        # the footer is on the last page, and that page holds more than the footer
        assert footer in texts[-1] and len(texts[-1]) > len(footer) + 20, html.name
        assert not any(t == footer for t in texts), html.name
        # no page but the last is left almost empty: the text reaches at least a third of the way down
        shares = filled(printed)
        assert all(share >= 1 / 3 for share in shares[:-1]), (html.name, shares)
        # nothing was shrunk to fit: Chromium maps 96 CSS px to 72 pt (0.75) unless the page is wider than the paper
        reader = PdfReader(printed)
        assert all(_scale(reader, page) == pytest.approx(0.75) for page in reader.pages), html.name


def html_text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities read."""
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", fragment))


def _scale(reader, page) -> float:
    """The page's drawing scale in pt per CSS px: the product of its first two ``cm`` operators (Chromium's)."""
    from pypdf.generic import ContentStream

    scales = [float(ops[0]) for ops, op in ContentStream(page.get_contents(), reader).operations if op == b"cm"]
    return scales[0] * scales[1]


@pytest.mark.browser
def test_a_later_run_without_pdf_leaves_no_earlier_pdf(one_cohort, sample_db, tmp_path):
    need_chromium()
    out = tmp_path / "run"
    shutil.copytree(one_cohort, out)
    pages = [out / COHORT / "readiness.html", out / COHORT / "goal_progress.html", out / "index.html"]
    written, failed = pdf.print_reports(pages)
    assert failed == [] and sorted(written) == sorted(p.with_suffix(".pdf") for p in pages)
    again = run_cli("report", "--cohort", COHORT, "--as-of", SAMPLE_AS_OF, "--db", sample_db, "--out", str(out))
    assert again.returncode == 0, again.stderr
    # every page was written again without --pdf: the PDFs showed the earlier pages, and are gone
    assert sorted(out.rglob("*.pdf")) == []
    assert all(p.is_file() for p in pages)
    assert ".pdf" not in (out / "index.html").read_text("utf-8")  # and the index links none
    assert "removed 3 PDFs of the earlier run: the pages they showed were written again" in again.stdout
