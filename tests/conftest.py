"""Shared pytest configuration: fixture modules live in tests/fixtures/, one job each."""
