"""Analytics: read-only views of every stream, statistics, exports and the operations dashboard."""
