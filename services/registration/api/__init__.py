"""Registration's HTTP API."""
