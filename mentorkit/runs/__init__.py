"""Runs: the parent side of ``mentorkit report``.

``batch`` executes the parameterised notebooks on a pool of kernels into HTML, ``programme`` runs
the programme report, ``shards`` deals cohorts to machines, ``pdf`` prints pages with Chromium,
``digest`` says what changed since the last run, and ``templating`` renders the run's own pages.
"""
