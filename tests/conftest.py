"""Test-wide fixtures: real brokers and databases started from PyPI wheels (see tests/fixtures/)."""

pytest_plugins = [
    "tests.fixtures.tansu",
    "tests.fixtures.postgres",
]
