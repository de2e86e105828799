"""Reporting: what runs inside a report's kernel and in JupyterLab.

``cohort`` and ``programme`` are the kits the report notebooks call (``programme`` with its
``programme_data``, ``programme_tables`` and ``programme_charts``), ``charts`` draws the plotly
figures (every user-written string escaped), and ``explore`` is the interactive cohort explorer.
Nothing here imports ``mentorkit.runs``: the kernel never depends on the batch runner.
"""

from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent / "assets" / "report.css"  # the reports' and the explorer's look
