"""Runs: `mentorkit report` end to end with real kernels, its index, digest, shards and PDFs."""
