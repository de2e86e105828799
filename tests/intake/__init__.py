"""Intake: reading files and survey-tool exports, cleaning values, importing into the store."""
