"""Analytics' HTTP API."""
