"""Forms: widgets, rules, the forms server, personal links and outreach."""
