"""Reliability scenarios: real faults (5xx, timeouts, killed processes, restarted Postgres) and the
invariants every staged image must satisfy after them."""
