"""`mentorkit export`: the BI tables."""
