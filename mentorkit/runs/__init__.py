"""Runs: the parent side of ``mentorkit report``.

``batch`` runs a batch (chooses the jobs, writes each cohort's meta.json, ends with the digest
and the index), ``kernels`` executes the parameterised notebooks on a pool of warm kernels into
HTML, ``programme`` runs the programme report and prints PDFs (``pdf``, one Chromium), ``index``
rebuilds a folder's index.html and manifest.json, ``digest`` says what changed since the last
run, ``shards`` deals cohorts to machines, ``folder`` names a report folder's files and reads
its records back, ``options`` holds what the modules pass each other, and ``templating`` renders
the run's own pages.
"""
