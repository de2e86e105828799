"""Reporting: the kits report notebooks call, charts and the explorer."""
