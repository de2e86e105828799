"""Analysis: scoring, intervals, figure tables, programme analytics, privacy rules, findings."""
