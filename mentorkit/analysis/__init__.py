"""Analysis: the figures, as pure pandas. It imports no store, no SQLAlchemy and no notebook tooling.

``score`` scores one cohort exactly (with ``goals`` for the goal rules, ``quality`` for reliability
and data quality, ``asof`` for the submissions that count as of a date), ``stats`` gives the
intervals, ``figure_table`` lays every figure out as rows, ``programme`` compares cohorts (trends,
readiness against outcomes), ``segments`` breaks them down by roster attribute, ``compared`` names
the figures compared across cohorts, ``differencing`` hides figures that would give answers away by
subtraction, ``due`` says what each participant owes, and ``findings`` (one cohort) and
``programme_findings`` (the programme) state what the figures show, as typed data.
"""
