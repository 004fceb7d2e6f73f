"""Shared pytest configuration: fixture modules live in tests/fixtures/, one job each."""

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.faceid_api",
    "tests.fixtures.faceid_local",
    "tests.fixtures.s3",
]
