"""The kernel pool's pieces that need no kernel: the page's notebook copy and the HTML exporter."""

from __future__ import annotations

import nbformat
from nbconvert import HTMLExporter

from mentorkit.runs import kernels


def test_for_html_drops_only_the_chart_json_and_leaves_the_notebook_as_it_was():
    chart = {"data": {kernels.PLOTLY_MIME: {"data": [1, 2]}, "text/html": "<div>chart</div>"}}
    table = {"data": {"text/html": "<table></table>"}}
    nb = nbformat.from_dict(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"mentorkit": {"version": "x"}},
            "cells": [
                {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# Title"},
                {
                    "cell_type": "code",
                    "id": "c1",
                    "metadata": {},
                    "source": "",
                    "execution_count": 1,
                    "outputs": [
                        {"output_type": "display_data", "metadata": {}, **chart},
                        {"output_type": "display_data", "metadata": {}, **table},
                    ],
                },
                {"cell_type": "code", "id": "c2", "metadata": {}, "source": "", "execution_count": 2, "outputs": []},
            ],
        }
    )
    page = kernels.for_html(nb)
    first, second = page.cells[1].outputs
    assert dict(first["data"]) == {"text/html": "<div>chart</div>"}
    assert second is nb.cells[1].outputs[1]  # an output without chart JSON is not copied
    assert page.cells[0] is nb.cells[0] and page.cells[2] is nb.cells[2]
    assert page.metadata == {"mentorkit": {"version": "x"}}
    # the executed notebook (written as .ipynb) keeps the chart JSON
    assert kernels.PLOTLY_MIME in nb.cells[1].outputs[0]["data"]


def test_html_exporter_uses_the_report_template_without_code_or_prompts():
    exporter = kernels.html_exporter(HTMLExporter)
    assert type(exporter) is HTMLExporter
    assert exporter.template_name == "mentorkit_report"
    assert exporter.exclude_input and exporter.exclude_input_prompt and exporter.exclude_output_prompt
    assert any(d.endswith("mentorkit/runs/templates") for d in exporter.extra_template_basedirs)
    # the pool's own class is an HTMLExporter, built once per process
    assert issubclass(kernels.report_exporter(), HTMLExporter)
    assert kernels.report_exporter() is kernels.report_exporter()
