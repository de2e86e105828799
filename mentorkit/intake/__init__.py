"""Intake: what participants and survey tools hand in, read safely, cleaned and stored.

``files`` reads CSV and XLSX files within their limits, ``survey_tools`` turns each tool's export
into mentorkit's templates, ``clean`` checks every value, ``form_rows`` turns a form's answer into a
template row, and ``ingest`` writes the accepted rows to the store (each row accepted, duplicate or
quarantined with a reason).
"""
