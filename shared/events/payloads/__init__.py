"""Event payload models, one module per stream."""
